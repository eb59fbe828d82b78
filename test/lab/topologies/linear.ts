import type { Topology } from '../types';
import { link, routes46, v4, v6 } from './build';

// src -1- r1 -2- r2 -3- r3 -4- r4 -5- dst (numbers are subnets).
const chain = ['src', 'r1', 'r2', 'r3', 'r4', 'dst'];
const nets = [1, 2, 3, 4, 5];

export const linear: Topology = {
  name: 'linear',
  description: 'five hops in a line, dual stack: the basics and the default demo',
  source: 'src',
  links: nets.map((n) => link(chain[n - 1], chain[n], n)),
  nodes: chain.map((name, i) => {
    if (name === 'src') return { name, ...routes46([2, 3, 4, 5], [[1, 2]]) };
    if (name === 'dst') return { name, ...routes46([1, 2, 3, 4], [[5, 1]]), services: [{ name: 'discard', script: 'discard.js', args: ['9'] }] };
    const up = nets.filter((n) => n < i);
    const down = nets.filter((n) => n > i + 1);
    const r4 = [...routes46(up, [[i, 1]]).routes4, ...routes46(down, [[i + 1, 2]]).routes4];
    const r6 = [...routes46(up, [[i, 1]]).routes6, ...routes46(down, [[i + 1, 2]]).routes6];
    return { name, routes4: r4, routes6: r6 };
  }),
  truth: {
    paths: [
      {
        dst: { v4: v4(5, 2), v6: v6(5, 2) },
        // Each router answers from its interface towards the source (both families here).
        hops: nets.map((n) => ({ ttl: n, v4: [v4(n, 2)], v6: [v6(n, 2)], returnHops: n, initialTtl: 64 })),
        links: {
          v4: nets.slice(1).map((n) => [v4(n - 1, 2), v4(n, 2)] as [string, string]),
          v6: nets.slice(1).map((n) => [v6(n - 1, 2), v6(n, 2)] as [string, string]),
        },
        pmtu: { mtu: 1500, ttl: 0 },
      },
    ],
  },
};
