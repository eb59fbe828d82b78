import type { Topology } from '../types';
import { link, routes, symmetric, v4 } from './build';

// src -1- r1 -2- nat -3- r3 -4- dst. nat masquerades everything it sends towards r3, and
// r3 and dst have no route to the source's networks: only the translation brings replies back.
const masquerade = `table ip hs_nat {
  chain post {
    type nat hook postrouting priority srcnat;
    oifname "to-r3" masquerade
  }
}
`;

export const nat: Topology = {
  name: 'nat',
  description: 'a masquerading box in the path; the hops behind it only ever see its address',
  source: 'src',
  links: [link('src', 'r1', 1), link('r1', 'nat', 2), link('nat', 'r3', 3), link('r3', 'dst', 4)],
  nodes: [
    { name: 'src', routes4: routes(4, [2, 3, 4], [[1, 2]]) },
    { name: 'r1', routes4: routes(4, [3, 4], [[2, 2]]) },
    { name: 'nat', nft: masquerade, routes4: [...routes(4, [1], [[2, 1]]), ...routes(4, [4], [[3, 2]])] },
    { name: 'r3', routes4: [] },
    { name: 'dst', routes4: routes(4, [3], [[4, 1]]) },
  ],
  truth: {
    paths: [
      {
        dst: { v4: v4(4, 2) },
        hops: symmetric([
          { ttl: 1, v4: [v4(1, 2)] },
          { ttl: 2, v4: [v4(2, 2)] },
          { ttl: 3, v4: [v4(3, 2)] },
          { ttl: 4, v4: [v4(4, 2)] },
        ]),
        links: { v4: [[v4(1, 2), v4(2, 2)], [v4(2, 2), v4(3, 2)], [v4(3, 2), v4(4, 2)]] },
      },
    ],
    notes: ['IPv4 only; replies from behind the NAT are translated back by its connection tracking'],
  },
};
