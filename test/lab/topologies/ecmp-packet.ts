import type { Topology } from '../types';
import { both, link, routes46, symmetric, v4, v6 } from './build';

// src -1- r1 =(11,12)= p1|p2 =(21,22)= r2 -30- dst
// r1 balances per packet: nftables numbers packets to dst alternately (mark 1, 2) and
// policy routing sends each mark down its own branch, so one flow is split: its packets take
// both branches alternately. The p2 branch queues differently: r1 shapes its link to p2
// with a token bucket (2 Mbit/s, 3000-byte bucket), so a burst of one flow's full-size
// packets arrives out of order, while sparse probes are never delayed (the bucket is full).
// (No netem here: fixed delays per branch are the emulator's job.)
const lb = `table inet hs_lb {
  chain pre {
    type filter hook prerouting priority mangle;
    ip daddr 198.18.30.0/24 meta mark set numgen inc mod 2 offset 1
    ip6 daddr 2001:db8:30::/64 meta mark set numgen inc mod 2 offset 1
  }
}
`;

export const ecmpPacket: Topology = {
  name: 'ecmp-packet',
  description: 'per-packet balancing (nftables numgen + fwmark policy routing): one flow alternates over two branches',
  source: 'src',
  links: [link('src', 'r1', 1), link('r1', 'p1', 11), link('r1', 'p2', 12), link('p1', 'r2', 21), link('p2', 'r2', 22), link('r2', 'dst', 30)],
  nodes: [
    { name: 'src', ...routes46([30], [[1, 2]]) },
    {
      name: 'r1',
      nft: lb,
      tc: ['qdisc add dev to-p2 root tbf rate 2mbit burst 3000 latency 200ms'],
      routes4: ['198.18.30.0/24 via 198.18.11.2 table 101', '198.18.30.0/24 via 198.18.12.2 table 102', '198.18.30.0/24 via 198.18.11.2'],
      routes6: ['2001:db8:30::/64 via 2001:db8:11::2 table 101', '2001:db8:30::/64 via 2001:db8:12::2 table 102', '2001:db8:30::/64 via 2001:db8:11::2'],
      rules4: ['fwmark 1 table 101', 'fwmark 2 table 102'],
      rules6: ['fwmark 1 table 101', 'fwmark 2 table 102'],
    },
    { name: 'p1', ...both(routes46([1], [[11, 1]]), routes46([30], [[21, 2]])) },
    { name: 'p2', ...both(routes46([1], [[12, 1]]), routes46([30], [[22, 2]])) },
    { name: 'r2', ...routes46([1], [[21, 1]]) },
    { name: 'dst', ...routes46([1], [[30, 1]]) },
  ],
  truth: {
    paths: [
      {
        dst: { v4: v4(30, 2), v6: v6(30, 2) },
        hops: symmetric([
          { ttl: 1, v4: [v4(1, 2)], v6: [v6(1, 2)] },
          { ttl: 2, v4: [v4(11, 2), v4(12, 2)], v6: [v6(11, 2), v6(12, 2)], balancer: { kind: 'per-packet', at: v4(1, 2) } },
          { ttl: 3, v4: [v4(21, 2)], v6: [v6(21, 2), v6(22, 2)] },
          { ttl: 4, v4: [v4(30, 2)], v6: [v6(30, 2)] },
        ]),
        links: {
          v4: [[v4(1, 2), v4(11, 2)], [v4(1, 2), v4(12, 2)], [v4(11, 2), v4(21, 2)], [v4(12, 2), v4(21, 2)], [v4(21, 2), v4(30, 2)]],
          v6: [[v6(1, 2), v6(11, 2)], [v6(1, 2), v6(12, 2)], [v6(11, 2), v6(21, 2)], [v6(12, 2), v6(22, 2)], [v6(21, 2), v6(30, 2)], [v6(22, 2), v6(30, 2)]],
        },
      },
    ],
    reorders: { ttl: 1, node: 'r1', addr: v4(1, 2), reason: 'per-packet balancing; the p2 branch is shaped (TBF 2 Mbit/s, 3000-byte bucket), so a burst of one flow arrives out of order' },
  },
};
