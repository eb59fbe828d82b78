import type { HopTruth, LabLink, LabNode, PathTruth, Topology } from '../types';
import { numberedLinks, seededRandom } from './build';

// Generated for benchmarks: src =TUN= gw, then one chain of per-flow diamonds per
// destination (Diamond-Miner's setting: many destinations, each behind its own load
// balancers). gw sends destination d into chain d; a chain is DIAMONDS_PER_CHAIN diamonds in
// a row, head hDjJ spreading over bDjJkK branch routers that all lead to the next head, the
// last head's branches to the destination router tD. Widths are drawn from a seeded
// generator (mostly 2-4 wide, some 8 and 16, like the Internet's), every head with its own
// hash seed so no two split flows alike. Every router but src is emulated.
// Link L is 198.19.128.0/17's L-th /30 (a end .1, b end .2) and 2001:db8:1965:L::/64;
// destination d is 198.19.126.(d+1) and 2001:db8:1965:ffff::(d+1). Heads answer from their
// interface towards src; the way back always takes a chain's first branches.
const DESTINATIONS = 32;
const DIAMONDS_PER_CHAIN = 8;
const WIDTH_CHOICES = [2, 2, 2, 3, 3, 4, 4, 6, 8, 16];
const SRC_NET4 = '198.19.128.0/30';
const SRC_NET6 = '2001:db8:1965::/64';

const v4 = (l: number, end: 1 | 2) => `198.19.${128 + Math.floor((4 * l) / 256)}.${((4 * l) % 256) + end}`;
const v6 = (l: number, end: 1 | 2) => (l === 0 ? `2001:db8:1965::${end}` : `2001:db8:1965:${l.toString(16)}::${end}`);
const dst4 = (d: number) => `198.19.126.${d + 1}`;
const dst6 = (d: number) => `2001:db8:1965:ffff::${(d + 1).toString(16)}`;

const links: LabLink[] = [];
const connect = numberedLinks(links, v4, v6);

const nodes: LabNode[] = [];
/** An emulated router: src's subnet back via link `up`, destination d onwards over `down` (several: multipath). */
function router(name: string, up: number, d: number, down: number[], emu: LabNode['emu'] = {}): void {
  const onwards = (fam: 4 | 6) => {
    const gw = (l: number) => (fam === 4 ? v4(l, 2) : v6(l, 2));
    return down.length > 1 ? down.map((l) => `nexthop via ${gw(l)}`).join(' ') : `via ${gw(down[0])}`;
  };
  nodes.push({
    name,
    kind: 'emulated',
    emu,
    routes4: [`${SRC_NET4} via ${v4(up, 1)}`, `${dst4(d)}/32 ${onwards(4)}`],
    routes6: [`${SRC_NET6} via ${v6(up, 1)}`, `${dst6(d)}/128 ${onwards(6)}`],
  });
}

const random = seededRandom(0x5eed);
const srcLink = connect('src', 'gw');
nodes.push({ name: 'src', routes4: [`198.19.128.0/17 via ${v4(srcLink, 2)}`, `198.19.126.0/24 via ${v4(srcLink, 2)}`], routes6: [`2001:db8:1965::/48 via ${v6(srcLink, 2)}`] });
const gwRoutes = { routes4: [`${SRC_NET4} via ${v4(srcLink, 1)}`], routes6: [`${SRC_NET6} via ${v6(srcLink, 1)}`] };
const paths: PathTruth[] = [];
let diamonds = 0;

for (let d = 0; d < DESTINATIONS; d++) {
  let headUp = connect('gw', `h${d}j0`);
  gwRoutes.routes4.push(`${dst4(d)}/32 via ${v4(headUp, 2)}`);
  gwRoutes.routes6.push(`${dst6(d)}/128 via ${v6(headUp, 2)}`);
  const hops: HopTruth[] = [
    { ttl: 1, v4: [v4(srcLink, 2)], v6: [v6(srcLink, 2)] },
    { ttl: 2, v4: [v4(headUp, 2)], v6: [v6(headUp, 2)] },
  ];
  for (let j = 0; j < DIAMONDS_PER_CHAIN; j++) {
    const width = WIDTH_CHOICES[Math.floor(random() * WIDTH_CHOICES.length)];
    const head = `h${d}j${j}`;
    const next = j + 1 < DIAMONDS_PER_CHAIN ? `h${d}j${j + 1}` : `t${d}`;
    const ins = Array.from({ length: width }, (_, k) => connect(head, `b${d}j${j}k${k}`));
    const outs = Array.from({ length: width }, (_, k) => connect(`b${d}j${j}k${k}`, next));
    router(head, headUp, d, ins, { balancer: 'per-flow', seed: 1000 + ++diamonds * 7919, icmpSource: 'return' });
    ins.forEach((l, k) => router(`b${d}j${j}k${k}`, l, d, [outs[k]]));
    hops.push({ ttl: hops.length + 1, v4: ins.map((l) => v4(l, 2)), v6: ins.map((l) => v6(l, 2)), balancer: { kind: 'per-flow', at: v4(headUp, 2) } });
    headUp = outs[0];
    if (next !== `t${d}`) hops.push({ ttl: hops.length + 1, v4: [v4(headUp, 2)], v6: [v6(headUp, 2)] });
  }
  hops.push({ ttl: hops.length + 1, v4: [dst4(d)], v6: [dst6(d)] });
  nodes.push({ name: `t${d}`, kind: 'emulated', emu: { addresses: [dst4(d), dst6(d)], tcpListen: [9] }, routes4: [`${SRC_NET4} via ${v4(headUp, 1)}`], routes6: [`${SRC_NET6} via ${v6(headUp, 1)}`] });
  /** MDA links: every address of a hop to every address of the next (heads reach all their branches, branches one head). */
  const pairs = (fam: 'v4' | 'v6') => hops.slice(1).flatMap((h, i) => hops[i][fam]!.flatMap((a) => h[fam]!.map((b) => [a, b] as [string, string])));
  paths.push({ dst: { v4: dst4(d), v6: dst6(d) }, hops: hops.map((h) => ({ ...h, returnHops: h.ttl, initialTtl: 255 })), links: { v4: pairs('v4'), v6: pairs('v6') } });
}
nodes.push({ name: 'gw', kind: 'emulated', emu: {}, ...gwRoutes });

export const wideMany: Topology = {
  name: 'wide-many',
  description: `emulated, generated for benchmarks: ${DESTINATIONS} destinations, each behind its own chain of ${DIAMONDS_PER_CHAIN} per-flow diamonds (${diamonds} in all, widths 2 to 16)`,
  source: 'src',
  links,
  nodes,
  truth: {
    paths,
    notes: [`${diamonds} diamonds over ${nodes.length - 1} emulated routers; hop balancer.at is the head's IPv4 address; the way back takes each diamond's first branch, so return hops equal the TTL`],
  },
};
