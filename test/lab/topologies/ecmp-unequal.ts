import type { Topology } from '../types';
import { both, link, perFlowHash, routes46, v4, v6 } from './build';

// src -1- r1 -11- a -12- r2 -30- dst          (short branch)
//          \-21- b1 -22- b2 -23- r2           (long branch)
// Per-flow ECMP at r1 over branches of different length: flows on the long branch meet
// r2 one hop later, so a classic traceroute (ports change per probe) shows r2 at two
// consecutive TTLs — the A-B1-C-C false loop. r2 routes back to src over the short branch.

export const ecmpUnequal: Topology = {
  name: 'ecmp-unequal',
  description: 'per-flow ECMP over branches of unequal length (classic traceroute shows A-B1-C-C)',
  source: 'src',
  links: [link('src', 'r1', 1), link('r1', 'a', 11), link('a', 'r2', 12), link('r1', 'b1', 21), link('b1', 'b2', 22), link('b2', 'r2', 23), link('r2', 'dst', 30)],
  nodes: [
    { name: 'src', ...routes46([30], [[1, 2]]) },
    { name: 'r1', sysctls: perFlowHash(3003), ...routes46([30], [[11, 2], [21, 2]]) },
    { name: 'a', ...both(routes46([1], [[11, 1]]), routes46([30], [[12, 2]])) },
    { name: 'b1', ...both(routes46([1], [[21, 1]]), routes46([30], [[22, 2]])) },
    { name: 'b2', ...both(routes46([1], [[22, 1]]), routes46([30], [[23, 2]])) },
    { name: 'r2', ...routes46([1], [[12, 1]]) },
    { name: 'dst', ...routes46([1], [[30, 1]]) },
  ],
  truth: {
    paths: [
      {
        dst: { v4: v4(30, 2), v6: v6(30, 2) },
        hops: [
          { ttl: 1, v4: [v4(1, 2)], v6: [v6(1, 2)], returnHops: 1, initialTtl: 64 },
          { ttl: 2, v4: [v4(11, 2), v4(21, 2)], v6: [v6(11, 2), v6(21, 2)], balancer: { kind: 'per-flow', at: v4(1, 2) }, returnHops: 2, initialTtl: 64 },
          { ttl: 3, v4: [v4(12, 2), v4(22, 2)], v6: [v6(12, 2), v6(22, 2)], returnHops: 3, initialTtl: 64 },
          // Short-branch flows reach dst; long-branch flows reach r2 (v4: from its route back, v6: from the ingress).
          // r2 always answers over the short branch (3 hops back), dst is 4 hops back.
          {
            ttl: 4,
            v4: [v4(30, 2), v4(12, 2)],
            v6: [v6(30, 2), v6(23, 2)],
            initialTtl: 64,
            returnHopsByAddr: { [v4(30, 2)]: 4, [v4(12, 2)]: 3, [v6(30, 2)]: 4, [v6(23, 2)]: 3 },
          },
          { ttl: 5, v4: [v4(30, 2)], v6: [v6(30, 2)], returnHops: 4, initialTtl: 64 },
        ],
        links: {
          v4: [[v4(1, 2), v4(11, 2)], [v4(1, 2), v4(21, 2)], [v4(11, 2), v4(12, 2)], [v4(21, 2), v4(22, 2)], [v4(22, 2), v4(12, 2)], [v4(12, 2), v4(30, 2)]],
          v6: [[v6(1, 2), v6(11, 2)], [v6(1, 2), v6(21, 2)], [v6(11, 2), v6(12, 2)], [v6(21, 2), v6(22, 2)], [v6(22, 2), v6(23, 2)], [v6(12, 2), v6(30, 2)], [v6(23, 2), v6(30, 2)]],
        },
      },
    ],
    notes: ['IPv4 false link of classic traceroute: r2 (198.18.12.2) at TTL 3 and TTL 4'],
  },
};
