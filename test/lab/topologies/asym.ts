import type { HopTruth, Topology } from '../types';
import { both, chainLinks, link, routes46, v4, v6 } from './build';

// Forward: src -1- r1 -2- r2 -3(MTU 1454)- r3 -4- dst
// Return from r3 and dst: r3 -5- x1 -6- x2 -7- r1 -1- src (two hops longer than forward).
// r2's ICMP starts at TTL 255, r3's at 128 (ip_default_ttl / IPv6 hop_limit), others 64.
const ittl = (t: number) => ({ 'net.ipv4.ip_default_ttl': t, 'net.ipv6.conf.all.hop_limit': t, 'net.ipv6.conf.default.hop_limit': t });

const hops: HopTruth[] = [
  { ttl: 1, v4: [v4(1, 2)], v6: [v6(1, 2)], returnHops: 1, initialTtl: 64 },
  { ttl: 2, v4: [v4(2, 2)], v6: [v6(2, 2)], returnHops: 2, initialTtl: 255 },
  // r3 answers over IPv4 from its interface towards the source (x1 side), over IPv6 from the ingress.
  { ttl: 3, v4: [v4(5, 1)], v6: [v6(3, 2)], returnHops: 4, initialTtl: 128 },
  { ttl: 4, v4: [v4(4, 2)], v6: [v6(4, 2)], returnHops: 5, initialTtl: 64 },
];

export const asym: Topology = {
  name: 'asym',
  description: 'return path longer than the forward path; ICMP initial TTLs 255 and 128; a 1454-byte link',
  source: 'src',
  links: [link('src', 'r1', 1), link('r1', 'r2', 2), link('r2', 'r3', 3, 1454), link('r3', 'dst', 4), link('r3', 'x1', 5), link('x1', 'x2', 6), link('x2', 'r1', 7)],
  nodes: [
    { name: 'src', ...routes46([2, 3, 4, 5, 6, 7], [[1, 2]]) },
    { name: 'r1', ...both(routes46([3, 4], [[2, 2]]), routes46([5, 6], [[7, 1]])) },
    { name: 'r2', sysctls: ittl(255), ...both(routes46([1, 7], [[2, 1]]), routes46([4, 5, 6], [[3, 2]])) },
    { name: 'r3', sysctls: ittl(128), ...both(routes46([1, 2, 7], [[5, 2]])) },
    { name: 'x1', ...both(routes46([1, 2, 7], [[6, 2]]), routes46([3, 4], [[5, 1]])) },
    { name: 'x2', ...both(routes46([1, 2], [[7, 2]]), routes46([3, 4, 5], [[6, 1]])) },
    { name: 'dst', ...routes46([1, 2, 3, 5, 6, 7], [[4, 1]]) },
  ],
  truth: {
    paths: [
      {
        dst: { v4: v4(4, 2), v6: v6(4, 2) },
        hops,
        links: chainLinks(hops),
        pmtu: { mtu: 1454, ttl: 2 },
      },
    ],
    notes: ['return hop counts count the replying router as 1 (tracepath: 65 - r for initial TTL 64)'],
  },
};
