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

/** src -1- r1 -2- BOX -3- r3 -4- dst, BOX running `nft`; r3 and dst route nothing back to src's networks. */
function behindBox(name: string, description: string, box: string, nft: string): Topology {
  return {
    name,
    description,
    source: 'src',
    links: [link('src', 'r1', 1), link('r1', box, 2), link(box, 'r3', 3), link('r3', 'dst', 4)],
    nodes: [
      { name: 'src', routes4: routes(4, [2, 3, 4], [[1, 2]]) },
      { name: 'r1', routes4: routes(4, [3, 4], [[2, 2]]) },
      { name: box, nft, routes4: [...routes(4, [1], [[2, 1]]), ...routes(4, [4], [[3, 2]])] },
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
    },
  };
}

const masq = behindBox('nat', 'a masquerading box in the path; the hops behind it only ever see its address', 'nat', masquerade);
export const nat: Topology = {
  ...masq,
  truth: { ...masq.truth, notes: ['IPv4 only; replies from behind the NAT are translated back by its connection tracking'] },
};

// src -1- r1 -2- cpe -3- r3 -4- dst. cpe is a stateless 1:1 NAT (nftables payload rewrite,
// no connection tracking), like the cheap CPE boxes dublin-traceroute meets: outgoing
// packets from src get cpe's outside address (the transport checksum follows the new
// pseudo-header), and what comes back to that address goes to src — but the probe quoted
// inside an ICMP error is left as the router saw it, so the rewriting shows at the source.
const statelessNat = `table ip hs_snat {
  chain pre {
    type filter hook prerouting priority raw;
    iifname "to-r3" ip daddr ${v4(3, 1)} notrack ip daddr set ${v4(1, 1)}
  }
  chain post {
    type filter hook postrouting priority raw;
    oifname "to-r3" ip saddr ${v4(1, 1)} notrack ip saddr set ${v4(3, 1)}
  }
}
`;

const rewriting = behindBox('nat-rewrite', 'a stateless NAT that rewrites the source address and leaves the quotes in ICMP errors untranslated', 'cpe', statelessNat);
export const natRewrite: Topology = {
  ...rewriting,
  truth: {
    paths: [{ ...rewriting.truth.paths[0], nat: { ttl: 2, addr: v4(2, 2) } }],
    notes: [
      'IPv4 only; hops 3 and 4 quote the probe with source ' + v4(3, 1) + ' (and the UDP checksum that goes with it)',
      'the masquerading `nat` topology, by contrast, translates the quotes back (RFC 5508): no tool can see it there',
    ],
  },
};
