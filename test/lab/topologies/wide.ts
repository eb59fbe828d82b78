import { Balancer, type BalancerKind } from '../emu/balancer';
import { addrToBytes } from '../../../lib/packet';
import { numberedLinks } from './build';
import type { HopTruth, LabLink, LabNode, Topology } from '../types';

// Generated: src =TUN= h0, then diamonds: head hJ spreads over WIDTHS[J] branch routers bJkK,
// which all lead to the next head; the last head leads to dst. Every router but src is
// emulated (test/lab/emu). Link L is 198.19.64.0/18's L-th /30 (a end .1, b end .2) and
// 2001:db8:1964:L::/64; dst also owns 198.19.127.1 and 2001:db8:1964:ffff::1, the traced
// destination. Heads answer from their interface towards src (one address each); the way back
// is always the first branch.
const WIDTHS = [2, 4, 16, 3, 8, 16, 2, 4];
const KINDS: Record<number, BalancerKind> = { 3: 'per-packet', 6: 'per-destination' };
const DST4 = '198.19.127.1';
const DST6 = '2001:db8:1964:ffff::1';
const SRC_NET4 = '198.19.64.0/30';
const SRC_NET6 = '2001:db8:1964::/64';

const v4 = (l: number, end: 1 | 2) => `198.19.${64 + Math.floor((4 * l) / 256)}.${((4 * l) % 256) + end}`;
const v6 = (l: number, end: 1 | 2) => (l === 0 ? `2001:db8:1964::${end}` : `2001:db8:1964:${l.toString(16)}::${end}`);

const links: LabLink[] = [];
const connect = numberedLinks(links, v4, v6);

const nodes: LabNode[] = [];
const hops: HopTruth[] = [];
/** Routes of an emulated router: src's subnet back via `up`, the destination onwards via `down` (several: multipath). */
function router(name: string, up: number, down: number[], emu: LabNode['emu'] = {}): void {
  const nexthops = (fam: 4 | 6) => down.map((l) => `nexthop via ${fam === 4 ? v4(l, 2) : v6(l, 2)}`).join(' ');
  nodes.push({
    name,
    kind: 'emulated',
    emu,
    routes4: [`${SRC_NET4} via ${v4(up, 1)}`, `198.19.127.0/24 ${down.length > 1 ? nexthops(4) : `via ${v4(down[0], 2)}`}`],
    routes6: [`${SRC_NET6} via ${v6(up, 1)}`, `2001:db8:1964:ffff::/64 ${down.length > 1 ? nexthops(6) : `via ${v6(down[0], 2)}`}`],
  });
}

nodes.push({ name: 'src', routes4: [`198.19.64.0/18 via ${v4(0, 2)}`, `198.19.127.0/24 via ${v4(0, 2)}`], routes6: [`2001:db8:1964::/48 via ${v6(0, 2)}`] });
let headUp = connect('src', 'h0');
hops.push({ ttl: 1, v4: [v4(headUp, 2)], v6: [v6(headUp, 2)] });
WIDTHS.forEach((width, j) => {
  const head = `h${j}`;
  const next = j + 1 < WIDTHS.length ? `h${j + 1}` : 'dst';
  const kind = KINDS[j] ?? 'per-flow';
  const seed = 17 * (j + 1);
  const ins = Array.from({ length: width }, (_, k) => connect(head, `b${j}k${k}`));
  const outs = Array.from({ length: width }, (_, k) => connect(`b${j}k${k}`, next));
  router(head, headUp, ins, { balancer: kind, seed, icmpSource: 'return' });
  ins.forEach((l, k) => router(`b${j}k${k}`, l, [outs[k]]));
  // Per destination: the one branch the destination's hash picks (the balancer's own code).
  const reach = (fam: 4 | 6) => {
    if (kind !== 'per-destination') return ins;
    const dst = addrToBytes(fam === 4 ? DST4 : DST6);
    return [ins[new Balancer(kind, seed).pick(width, { src: new Uint8Array(0), dst, proto: 0, l4: new Uint8Array(0) })]];
  };
  const at = { v4: v4(headUp, 2), v6: v6(headUp, 2) };
  hops.push({ ttl: 2 * j + 2, v4: reach(4).map((l) => v4(l, 2)), v6: reach(6).map((l) => v6(l, 2)), balancer: { kind, at: at.v4 } });
  headUp = outs[0];
  hops.push({ ttl: 2 * j + 3, v4: [next === 'dst' ? DST4 : v4(headUp, 2)], v6: [next === 'dst' ? DST6 : v6(headUp, 2)] });
});
nodes.push({
  name: 'dst',
  kind: 'emulated',
  emu: { addresses: [DST4, DST6], tcpListen: [9] },
  routes4: [`${SRC_NET4} via ${v4(headUp, 1)}`],
  routes6: [`${SRC_NET6} via ${v6(headUp, 1)}`],
});

/** MDA links: every address of a hop to every address of the next (heads reach all their branches, branches one head). */
function allPairs(fam: 'v4' | 'v6'): [string, string][] {
  return hops.slice(1).flatMap((h, i) => hops[i][fam]!.flatMap((a) => h[fam]!.map((b) => [a, b] as [string, string])));
}

export const wide: Topology = {
  name: 'wide',
  description: `emulated, generated: ${WIDTHS.length} diamonds in a row (widths ${WIDTHS.join(', ')}), per-flow heads with distinct seeds, one per-packet and one per-destination`,
  source: 'src',
  links,
  nodes,
  truth: {
    paths: [{ dst: { v4: DST4, v6: DST6 }, hops: hops.map((h) => ({ ...h, returnHops: h.ttl, initialTtl: 255 })), links: { v4: allPairs('v4'), v6: allPairs('v6') } }],
    notes: ['hop balancer.at is the head\'s IPv4 address; the way back from every hop crosses the first branch of each diamond, so return hops equal the TTL'],
  },
};
