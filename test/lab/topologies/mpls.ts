import { chainLinks } from './build';
import type { HopTruth, LabLink, LatencyTruth, LspDef, MplsTunnelTruth, PathTruth, Topology } from '../types';

// src =TUN= pe1 -- p1 -- p2 -- p3 -- pe2 -- dst, every router but src emulated (test/lab/emu).
// Subnet k (1..6) is 198.19.2k.0/24 and 2001:db8:19:2k::/64 (.1 / ::1 nearer src). dst owns
// 198.19.29.1-4 (and 2001:db8:19:29::1-4), one address per tunnel kind: four LSPs over the
// same routers, each for one of them. The link p3 -- pe2 adds 10 ms each way, so the explicit
// tunnel's ICMP tunnelling shows: its LSRs answer at the egress's RTT, not their own.
const chain = ['src', 'pe1', 'p1', 'p2', 'p3', 'pe2', 'dst'];
const nets = [1, 2, 3, 4, 5, 6];
const TUNNEL_DELAY_MS = 10;
const v4 = (k: number, host: number) => `198.19.${20 + k}.${host}`;
const v6 = (k: number, host: number) => `2001:db8:19:${20 + k}::${host}`;
const dst4 = (n: number) => `198.19.29.${n}`;
const dst6 = (n: number) => `2001:db8:19:29::${n}`;
const LSP_PATH = ['pe1', 'p1', 'p2', 'p3', 'pe2'];
const LSRS = 3;

function chainLink(k: number): LabLink {
  const [a, b] = [chain[k - 1], chain[k]];
  return {
    a: { node: a, ifname: `to-${b}`, v4: `${v4(k, 1)}/24`, v6: `${v6(k, 1)}/64` },
    b: { node: b, ifname: `to-${a}`, v4: `${v4(k, 2)}/24`, v6: `${v6(k, 2)}/64` },
    ...(a === 'p3' ? { delayMs: TUNNEL_DELAY_MS } : {}),
  };
}

function chainRoutes(i: number): { routes4: string[]; routes6: string[] } {
  const up = nets.filter((k) => k < i);
  const down = nets.filter((k) => k > i + 1);
  const last = i === chain.length - 1;
  const r = (fam: 4 | 6) => {
    const pfx = (k: number) => (fam === 4 ? `198.19.${20 + k}.0/24` : `2001:db8:19:${20 + k}::/64`);
    const gw = (k: number, host: number) => (fam === 4 ? v4(k, host) : v6(k, host));
    const dsts = fam === 4 ? '198.19.29.0/24' : '2001:db8:19:29::/64';
    return [...up.map((k) => `${pfx(k)} via ${gw(i, 1)}`), ...down.map((k) => `${pfx(k)} via ${gw(i + 1, 2)}`), ...(last ? [] : [`${dsts} via ${gw(i + 1, 2)}`])];
  };
  return { routes4: r(4), routes6: r(6) };
}

const lsp = (n: number, name: MplsTunnelTruth['kind'], model: Pick<LspDef, 'ttlPropagate' | 'php' | 'rfc4950' | 'icmpTunnel'>): LspDef => ({
  name,
  path: LSP_PATH,
  fec4: [`${dst4(n)}/32`],
  fec6: [`${dst6(n)}/128`],
  labels: [1, 2, 3, 4].map((j) => 100 * n + j),
  ...model,
});

const lsps: LspDef[] = [
  lsp(1, 'explicit', { ttlPropagate: true, php: true, rfc4950: true, icmpTunnel: true }),
  lsp(2, 'implicit', { ttlPropagate: true, php: true, rfc4950: false, icmpTunnel: false }),
  lsp(3, 'opaque', { ttlPropagate: false, php: false, rfc4950: true, icmpTunnel: false }),
  lsp(4, 'invisible', { ttlPropagate: false, php: true, rfc4950: false, icmpTunnel: false }),
];

/** Hop k of the full chain answers from its interface on subnet k. */
const hop = (ttl: number, k: number, returnHops = ttl): HopTruth => ({ ttl, v4: [v4(k, 2)], v6: [v6(k, 2)], returnHops, initialTtl: 255 });
const lastHop = (ttl: number, n: number): HopTruth => ({ ttl, v4: [dst4(n)], v6: [dst6(n)], returnHops: ttl + (ttl < 6 ? LSRS : 0), initialTtl: 255 });

/** The p3 -- pe2 link's delay: an RTT step from pe2's hop (at `ttl`) to the end. */
const step = (ttl: number): LatencyTruth => ({ step: { ttl, ms: 2 * TUNNEL_DELAY_MS } });

function visiblePath(n: number, tunnel: MplsTunnelTruth): PathTruth {
  // A tunnelled LSR's answer goes on to pe2 and only then back: LSRs after it, pe2 and the whole way back.
  const back = (ttl: number) => (tunnel.icmpTunnelled && tunnel.ttls.includes(ttl) ? LSRS - (ttl - 1) + 1 + 4 + 1 : ttl);
  const hops = [1, 2, 3, 4, 5].map((k) => hop(k, k, back(k))).concat(lastHop(6, n));
  return { dst: { v4: dst4(n), v6: dst6(n) }, hops, links: chainLinks(hops), mpls: [tunnel], latency: step(5) };
}

/** Pipe model: the LSRs never answer; pe2 follows pe1 but comes back over the whole chain. */
function hiddenPath(n: number, tunnel: MplsTunnelTruth): PathTruth {
  const hops = [hop(1, 1), hop(2, 5, 2 + LSRS), lastHop(3, n)];
  return { dst: { v4: dst4(n), v6: dst6(n) }, hops, links: chainLinks(hops), mpls: [tunnel], latency: step(2) };
}

export const mpls: Topology = {
  name: 'mpls',
  description: 'emulated MPLS core: the four tunnel kinds (explicit, implicit, opaque, invisible) over one LSP path, one destination address each',
  source: 'src',
  links: nets.map(chainLink),
  lsps,
  nodes: chain.map((name, i) =>
    name === 'src'
      ? { name, ...chainRoutes(0) }
      : { name, kind: 'emulated', emu: name === 'dst' ? { addresses: [1, 2, 3, 4].flatMap((n) => [dst4(n), dst6(n)]), tcpListen: [9] } : {}, ...chainRoutes(i) },
  ),
  truth: {
    paths: [
      visiblePath(1, { kind: 'explicit', ingressTtl: 1, egressTtl: 5, ttls: [2, 3, 4], labels: { 2: [101], 3: [102], 4: [103] }, labelTtls: { 2: [1], 3: [1], 4: [1] }, icmpTunnelled: true }),
      visiblePath(2, { kind: 'implicit', ingressTtl: 1, egressTtl: 5, ttls: [2, 3, 4], quotedTtls: { 2: 1, 3: 2, 4: 3 } }),
      hiddenPath(3, { kind: 'opaque', ingressTtl: 1, egressTtl: 2, ttls: [2], hidden: LSRS, labels: { 2: [304] }, labelTtls: { 2: [255 - LSRS] } }),
      hiddenPath(4, { kind: 'invisible', ingressTtl: 1, egressTtl: 2, ttls: [2], hidden: LSRS }),
    ],
    notes: [`explicit: the LSRs' time exceeded travel to pe2 first, across the ${TUNNEL_DELAY_MS} ms link each way, so TTLs 2-4 show about the egress's RTT`],
  },
};
