import type { Topology } from '../types';
import { both, link, routes46, symmetric, v4 } from './build';

// src -1- r1 -2- fw -3- r3 -4- dst (discard service on TCP 9)
// The server's return path bypasses the firewall: dst -4- r3 -5- r4 -6- r1 -1- src.
// fw tracks connections and drops `ct state invalid` in prerouting, before routing: it
// sees the SYN (new) but never the SYN-ACK, so the client's ACK and data are invalid and
// die at fw, while a SYN traceroute passes. TTL-limited segments of the established
// session die there too, before fw could answer time-exceeded: hop 1 answers, then nothing.
const firewall = `table inet hs_fw {
  chain pre {
    type filter hook prerouting priority 0;
    ct state related accept
    ct state invalid counter drop
  }
}
`;

export const fwDesync: Topology = {
  name: 'fw-desync',
  description: 'a stateful firewall bypassed by the return path: new connections pass, established sessions die (seed 000)',
  source: 'src',
  links: [link('src', 'r1', 1), link('r1', 'fw', 2), link('fw', 'r3', 3), link('r3', 'dst', 4), link('r3', 'r4', 5), link('r4', 'r1', 6)],
  nodes: [
    { name: 'src', ...routes46([2, 3, 4, 5, 6], [[1, 2]]) },
    { name: 'r1', ...both(routes46([3, 4], [[2, 2]]), routes46([5], [[6, 1]])) },
    // Strict TCP tracking: a mid-stream ACK without the handshake is invalid, not picked up.
    { name: 'fw', nft: firewall, sysctls: { 'net.netfilter.nf_conntrack_tcp_loose': 0 }, ...both(routes46([1, 6], [[2, 1]]), routes46([4, 5], [[3, 2]])) },
    { name: 'r3', ...routes46([1, 2, 6], [[5, 2]]) },
    { name: 'r4', ...both(routes46([1, 2], [[6, 2]]), routes46([3, 4], [[5, 1]])) },
    { name: 'dst', ...routes46([1, 2, 3, 5, 6], [[4, 1]]), services: [{ name: 'discard', script: 'discard.js', args: ['9'] }] },
  ],
  truth: {
    paths: [
      {
        dst: { v4: v4(4, 2) },
        // A fresh SYN trace passes the firewall. r3 and dst answer over the bypass.
        hops: symmetric([
          { ttl: 1, v4: [v4(1, 2)] },
          { ttl: 2, v4: [v4(2, 2)] },
          // r3 answers from its interface towards r4 (its route back); the bypass r3-r4-r1 is as
          // long as r3-fw-r1, so return hop counts equal the TTLs.
          { ttl: 3, v4: [v4(5, 1)] },
          { ttl: 4, v4: [v4(4, 2)] },
        ]),
        links: { v4: [[v4(1, 2), v4(2, 2)], [v4(2, 2), v4(5, 1)], [v4(5, 1), v4(4, 2)]] },
      },
    ],
    sessionDiesAfterTtl: 1,
    sessionDies: { ttl: 2, node: 'fw', addr: v4(2, 2), reason: 'ct state invalid drop in prerouting: fw saw the SYN but never the SYN-ACK' },
    notes: [
      'discard service on dst TCP port 9 counts received bytes',
      'IPv4 only: the seed case',
      'checked: the SYN is ct new (entry SYN_SENT, UNREPLIED); the client ACK and data are ct invalid (SYN_SENT + ACK from the original side) with nf_conntrack_tcp_loose=1 as with 0; loose only matters once no entry exists (SYN_SENT times out after 120 s), when loose=1 would pick the session up',
    ],
  },
};
