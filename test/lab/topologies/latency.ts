import type { HopTruth, LabLink, LabNode, Topology } from '../types';

// src =TUN= e1 -- e2 -- e3 -- e4 -- dst, every router but src emulated (test/lab/emu).
// Subnet k (1..5) is 198.19.1k.0/24 and 2001:db8:19:1k::/64; the end nearer src is .1 / ::1.
// The link e2 -- e3 adds 20 ms each way (a 40 ms RTT step from hop 3 to the end); e1's
// ICMP takes a 60 ms slow path (a spike at hop 1 only); e2 starts its ICMP at 254 (Juniper-like).
const chain = ['src', 'e1', 'e2', 'e3', 'e4', 'dst'];
const STEP_ONE_WAY_MS = 20;
const SLOW_PATH_MS = 60;
const v4 = (k: number, host: 1 | 2) => `198.19.${10 + k}.${host}`;
const v6 = (k: number, host: 1 | 2) => `2001:db8:19:${10 + k}::${host}`;
const nets = [1, 2, 3, 4, 5];

function chainLink(k: number): LabLink {
  const [a, b] = [chain[k - 1], chain[k]];
  return {
    a: { node: a, ifname: `to-${b}`, v4: `${v4(k, 1)}/24`, v6: `${v6(k, 1)}/64` },
    b: { node: b, ifname: `to-${a}`, v4: `${v4(k, 2)}/24`, v6: `${v6(k, 2)}/64` },
    ...(k === 3 ? { delayMs: STEP_ONE_WAY_MS } : {}),
  };
}

/** Routes of node i (0 = src): nets behind it upstream via net i, downstream via net i + 1. */
function chainRoutes(i: number): { routes4: string[]; routes6: string[] } {
  const up = nets.filter((k) => k < i);
  const down = nets.filter((k) => k > i + 1);
  const r = (fam: 4 | 6) => [
    ...up.map((k) => (fam === 4 ? `198.19.${10 + k}.0/24 via ${v4(i, 1)}` : `2001:db8:19:${10 + k}::/64 via ${v6(i, 1)}`)),
    ...down.map((k) => (fam === 4 ? `198.19.${10 + k}.0/24 via ${v4(i + 1, 2)}` : `2001:db8:19:${10 + k}::/64 via ${v6(i + 1, 2)}`)),
  ];
  return { routes4: r(4), routes6: r(6) };
}

const emuOf: Record<string, LabNode['emu']> = {
  e1: { slowPathMs: SLOW_PATH_MS },
  // Juniper M/T: time exceeded from 254 (seed 003), echo replies from 64 (JunOS's <255, 64>).
  e2: { initialTtl: 254, replyTtl: 64 },
  dst: { tcpListen: [9] },
};

const hops: HopTruth[] = nets.map((k) => ({
  ttl: k,
  v4: [v4(k, 2)],
  v6: [v6(k, 2)],
  returnHops: k,
  initialTtl: k === 2 ? 254 : 255,
}));

export const latency: Topology = {
  name: 'latency',
  description: 'emulated chain: a 40 ms RTT step after hop 2 that lasts to the end, a 60 ms ICMP slow path at hop 1 only, a 254 router at hop 2',
  source: 'src',
  links: nets.map(chainLink),
  nodes: chain.map((name, i) => (name === 'src' ? { name, ...chainRoutes(0) } : { name, kind: 'emulated', emu: emuOf[name] ?? {}, ...chainRoutes(i) })),
  truth: {
    paths: [
      {
        dst: { v4: v4(5, 2), v6: v6(5, 2) },
        hops,
        links: {
          v4: nets.slice(1).map((k) => [v4(k - 1, 2), v4(k, 2)] as [string, string]),
          v6: nets.slice(1).map((k) => [v6(k - 1, 2), v6(k, 2)] as [string, string]),
        },
        latency: { step: { ttl: 3, ms: 2 * STEP_ONE_WAY_MS }, icmpSlowAt: [{ ttl: 1, ms: SLOW_PATH_MS }], baseMs: 0 },
      },
    ],
    notes: ['emulated routers: the ICMP of e1 and every reply crossing e2 -- e3 is delayed by the emulator, not by queueing'],
  },
};
