import type { Topology } from '../types';
import { both, link, perDestHash, routes46, v4, v6 } from './build';

// src -1- r1 =(a: 41/42 | b: 51/52)= r2 -60- dst. r1 balances per destination (the hash sees
// the addresses only), so every flow to one address takes one branch whatever its ports, and
// other addresses of the prefix take the other. dst owns 198.18.60.16/28 and 2001:db8:60::10/124
// besides its link address, so those destinations answer too. r2 routes back over a.
export const ecmpDest: Topology = {
  name: 'ecmp-dest',
  description: 'per-destination ECMP: one branch per destination address, flows to one address never split',
  source: 'src',
  links: [link('src', 'r1', 1), link('r1', 'a', 41), link('a', 'r2', 42), link('r1', 'b', 51), link('b', 'r2', 52), link('r2', 'dst', 60)],
  nodes: [
    { name: 'src', ...routes46([60], [[1, 2]]) },
    { name: 'r1', sysctls: perDestHash(4111), ...routes46([60], [[41, 2], [51, 2]]) },
    { name: 'a', ...both(routes46([1], [[41, 1]]), routes46([60], [[42, 2]])) },
    { name: 'b', ...both(routes46([1], [[51, 1]]), routes46([60], [[52, 2]])) },
    { name: 'r2', ...routes46([1], [[42, 1]]) },
    {
      name: 'dst',
      routes4: [...routes46([1], [[60, 1]]).routes4, 'local 198.18.60.16/28 dev lo table local'],
      routes6: [...routes46([1], [[60, 1]]).routes6, 'local 2001:db8:60::10/124 dev lo table local'],
    },
  ],
  truth: {
    paths: [
      {
        dst: { v4: v4(60, 2), v6: v6(60, 2) },
        hops: [
          { ttl: 1, v4: [v4(1, 2)], v6: [v6(1, 2)], returnHops: 1, initialTtl: 64 },
          // One of the two for any one destination; which one depends on the address.
          { ttl: 2, v4: [v4(41, 2), v4(51, 2)], v6: [v6(41, 2), v6(51, 2)], balancer: { kind: 'per-destination', at: v4(1, 2) }, returnHops: 2, initialTtl: 64 },
          // r2 answers from its route back (v4) or from the interface the probe came in on (v6).
          { ttl: 3, v4: [v4(42, 2)], v6: [v6(42, 2), v6(52, 2)], returnHops: 3, initialTtl: 64 },
          { ttl: 4, v4: [v4(60, 2)], v6: [v6(60, 2)], returnHops: 4, initialTtl: 64 },
        ],
        links: {
          v4: [[v4(1, 2), v4(41, 2)], [v4(1, 2), v4(51, 2)], [v4(41, 2), v4(42, 2)], [v4(51, 2), v4(42, 2)], [v4(42, 2), v4(60, 2)]],
          v6: [[v6(1, 2), v6(41, 2)], [v6(1, 2), v6(51, 2)], [v6(41, 2), v6(42, 2)], [v6(51, 2), v6(52, 2)], [v6(42, 2), v6(60, 2)], [v6(52, 2), v6(60, 2)]],
        },
      },
    ],
    notes: [
      'r1 hashes source and destination addresses only (fib_multipath_hash_policy 3, fields 0x03): per destination',
      'flows to the target all take one branch; MDA finds the other only with other destinations of the prefix (mda --per-dest-prefix)',
    ],
  },
};
