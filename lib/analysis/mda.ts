import {
  isTerminal,
  type Balancer,
  type MultipathAnomaly,
  type MultipathFlow,
  type MultipathLink,
  type MultipathNode,
  type MultipathPath,
  type ProbeRecord,
} from '../record';

/**
 * MDA stopping points (Augustin et al.; the values scamper uses): with k next hops seen
 * at a vertex, n[k - 1] flows through it must have been probed to rule out a (k+1)th.
 */
export const MDA_STOPPING_POINTS: Record<95 | 99, readonly number[]> = {
  95: [6, 11, 16, 21, 27, 33, 38, 44, 51, 57, 63, 70, 76, 83, 90, 96],
  99: [8, 15, 21, 28, 36, 43, 51, 58, 66, 74, 82, 90, 98, 106, 115, 123],
};

/** Probes needed at a vertex with k next hops seen (k >= 1), for the given confidence (percent; 95 and 99 from the table, any other exactly). */
export function stoppingPoint(k: number, confidence: number): number {
  const table = MDA_STOPPING_POINTS[confidence as 95 | 99] as readonly number[] | undefined;
  if (table && k <= table.length) return table[Math.max(1, k) - 1];
  return exactStoppingPoint(Math.max(1, k), 1 - confidence / 100);
}

/**
 * Probability that `n` draws, each uniform over `hops` next hops, show fewer than all of
 * them: the inclusion–exclusion sum  Σ_{i=1..hops} (−1)^(i+1) C(hops, i) (1 − i/hops)^n,
 * computed draw by draw over how many next hops have been seen (the same number, without
 * the alternating sum's cancellation for wide vertices).
 */
export function missProbability(n: number, hops: number): number {
  return occupancy(hops, (p, draws) => draws >= n).miss;
}

/** Walks the draws: p[j] = P(j of `hops` seen); stops when `done(p, draws, miss)` says so. */
function occupancy(hops: number, done: (p: Float64Array, draws: number, miss: number) => boolean): { draws: number; miss: number } {
  let p = new Float64Array(hops + 1);
  p[0] = 1;
  for (let draws = 0; ; draws++) {
    let miss = 0;
    for (let j = 0; j < hops; j++) miss += p[j];
    if (done(p, draws, miss) || draws > 1_000_000) return { draws, miss };
    const q = new Float64Array(hops + 1);
    for (let j = 0; j <= hops; j++) {
      if (p[j] === 0) continue;
      q[j] += (p[j] * j) / hops;
      if (j < hops) q[j + 1] += (p[j] * (hops - j)) / hops;
    }
    p = q;
  }
}

const exactCache = new Map<string, number>();
/**
 * The MDA stopping point computed, not looked up: the fewest probes n through a vertex with
 * k next hops seen such that, had it k + 1 (equally likely), n probes would show only k or
 * fewer with probability at most `eps` (missProbability(n, k + 1) <= eps). With eps 0.05 and
 * 0.01 it gives the 95% and 99% tables.
 */
export function exactStoppingPoint(k: number, eps: number): number {
  if (!(eps > 0 && eps < 1)) throw new RangeError(`failure probability must lie in (0, 1), got ${eps}`);
  const key = `${k}|${eps}`;
  let n = exactCache.get(key);
  if (n === undefined) {
    n = occupancy(k + 1, (_, draws, miss) => draws > k && miss <= eps).draws;
    if (exactCache.size > 10_000) exactCache.clear();
    exactCache.set(key, n);
  }
  return n;
}

/**
 * Per-vertex confidence (a fraction) so that a trace with `branchPoints` tests meets `overall`:
 * the failure budget split over them, eps' = 1 − overall^(1/B) (by the union bound each test
 * failing with at most eps' leaves the whole trace right with at least `overall`).
 */
export function perVertexConfidence(overall: number, branchPoints: number): number {
  return Math.pow(overall, 1 / Math.max(1, branchPoints));
}

/**
 * Same-flow re-probes that tell a per-packet balancer with k next hops from a per-flow one
 * at the given confidence (percent): under per-packet balancing each re-probe of a flow
 * lands on the next hop it had before with probability 1/k (uniform), so m re-probes all
 * agree with probability (1/k)^m; m is the smallest with (1/k)^m <= 1 - confidence. A
 * per-flow balancer never disagrees. 95%: k=2 -> 5, k=3 -> 3, k>=4 -> 3 (k=4) or 2 (k>=5); 99%: k=2 -> 7, k=3 -> 5.
 */
export function perPacketProbes(k: number, confidence: number): number {
  const alpha = 1 - confidence / 100;
  return Math.max(1, Math.ceil(Math.log(alpha) / Math.log(1 / Math.max(2, k)) - 1e-9));
}

export interface GraphOptions {
  /**
   * TTLs known to have exactly one vertex (the first hop when the source's own route to the
   * target has one next hop): every flow passes it, so a flow answered one TTL later is
   * linked to it without a probe at that TTL.
   */
  certain?: ReadonlyMap<number, string>;
  /** The target: links seen only by flows sent to other addresses get `viaDst`. */
  dst?: string;
}

/** flow -> ttl -> first answer, cut after the flow's first terminal answer (later TTLs only repeat it). */
export function flowPaths(records: readonly ProbeRecord[]): Map<number, Map<number, ProbeRecord>> {
  const byFlow = new Map<number, Map<number, ProbeRecord>>();
  const sorted = [...records].filter((r) => r.addr !== null && r.flowId !== null).sort((a, b) => a.ttl - b.ttl);
  const endAt = new Map<number, number>();
  for (const r of sorted) {
    const end = endAt.get(r.flowId!);
    if (end !== undefined && r.ttl > end) continue;
    let f = byFlow.get(r.flowId!);
    if (!f) byFlow.set(r.flowId!, (f = new Map()));
    if (!f.has(r.ttl)) f.set(r.ttl, r);
    if (isTerminal(r) && end === undefined) endAt.set(r.flowId!, r.ttl);
  }
  return byFlow;
}

/**
 * Builds the multipath graph from MDA records: nodes by address, links only between the
 * replies of the same flow at consecutive TTLs (never across flows), anomalies: loops and
 * cycles within one flow, diamonds, and the false links classic traceroute could show.
 */
export function multipathGraph(
  records: readonly ProbeRecord[],
  options: GraphOptions = {},
): { nodes: MultipathNode[]; links: MultipathLink[]; anomalies: MultipathAnomaly[] } {
  const byFlow = flowPaths(records);
  const nodeTtls = new Map<string, Set<number>>();
  const terminalAddrs = new Set<string>();
  const dstOf = new Map<number, string>();
  for (const [flowId, path] of byFlow) {
    for (const r of path.values()) {
      if (!nodeTtls.has(r.addr!)) nodeTtls.set(r.addr!, new Set());
      nodeTtls.get(r.addr!)!.add(r.ttl);
      if (isTerminal(r)) terminalAddrs.add(r.addr!);
      dstOf.set(flowId, r.dst);
    }
  }
  const links = new Map<string, MultipathLink & { dsts: Set<string>; onTarget: boolean }>();
  for (const [flowId, path] of byFlow) {
    const addrAt = (ttl: number): string | undefined => path.get(ttl)?.addr ?? (path.has(ttl + 1) ? options.certain?.get(ttl) : undefined);
    const ttls = new Set([...path.keys()].flatMap((t) => [t, t - 1]));
    for (const ttl of ttls) {
      const addr = addrAt(ttl);
      const next = path.get(ttl + 1)?.addr ?? undefined;
      if (addr === undefined || next === undefined || next === addr) continue;
      const key = `${ttl}|${addr}|${next}`;
      const l = links.get(key) ?? { from: addr, to: next, ttl, flowIds: [], dsts: new Set<string>(), onTarget: false };
      links.set(key, l);
      l.flowIds.push(flowId);
      const d = dstOf.get(flowId);
      if (options.dst === undefined || d === options.dst) l.onTarget = true;
      else if (d !== undefined) l.dsts.add(d);
    }
  }
  const anomalies: MultipathAnomaly[] = [];
  // Loops and cycles: one flow meets the same address again (unequal-length ECMP, zero-TTL
  // forwarding, MPLS UHP, a forwarding loop). A false link would need two flows, never joined here.
  const loops = new Map<string, { kind: 'loop' | 'cycle'; addr: string; ttls: number[]; flowIds: number[] }>();
  for (const [flowId, path] of byFlow) {
    const ttls = [...path.keys()].sort((a, b) => a - b);
    for (let i = 0; i < ttls.length; i++) {
      for (let j = i + 1; j < ttls.length; j++) {
        const a = path.get(ttls[i])!;
        const b = path.get(ttls[j])!;
        if (a.addr !== b.addr || isTerminal(b)) continue;
        const kind = ttls[j] === ttls[i] + 1 ? 'loop' : 'cycle';
        if (kind === 'cycle' && ttls.slice(i + 1, j).every((t) => path.get(t)!.addr === a.addr)) continue;
        const key = `${kind}|${a.addr}|${ttls[i]}|${ttls[j]}`;
        const x = loops.get(key) ?? { kind, addr: a.addr!, ttls: [ttls[i], ttls[j]], flowIds: [] as number[] };
        loops.set(key, x);
        x.flowIds.push(flowId);
        break;
      }
    }
  }
  anomalies.push(...loops.values());
  const nodes = [...nodeTtls]
    .map(([addr, ttls]) => ({ addr, ttls: [...ttls].sort((a, b) => a - b) }))
    .sort((a, b) => a.ttls[0] - b.ttls[0] || a.addr.localeCompare(b.addr));
  const linkList: MultipathLink[] = [...links.values()]
    .map(({ dsts, onTarget, ...l }) => {
      const out: MultipathLink = { ...l, flowIds: [...new Set(l.flowIds)].sort((a, b) => a - b) };
      if (!onTarget && dsts.size) out.viaDst = [...dsts].sort();
      return out;
    })
    .sort((a, b) => a.ttl - b.ttl || a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
  const src = records.find((r) => r.src)?.src ?? 'source';
  anomalies.push(...diamonds(nodes, linkList, terminalAddrs, src), ...falseLinks(nodes, linkList, terminalAddrs, [...loops.values()]));
  return { nodes, links: linkList, anomalies };
}

/** Addresses at each TTL. */
function byTtl(nodes: readonly MultipathNode[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const n of nodes) for (const t of n.ttls) out.set(t, [...(out.get(t) ?? []), n.addr]);
  return out;
}

/** Paths split after a TTL with one address and meet again at the next TTL with one address. */
function diamonds(nodes: readonly MultipathNode[], links: readonly MultipathLink[], terminal: ReadonlySet<string>, src: string): MultipathAnomaly[] {
  const hops = byTtl(nodes);
  const ttls = [...hops.keys()].sort((a, b) => a - b);
  const out: MultipathAnomaly[] = [];
  let open: { addr: string; ttl: number } | null = null;
  let prev: { addr: string; ttl: number } | null = ttls.length && ttls[0] > 1 ? null : { addr: src, ttl: 0 };
  const close = (conv: { addr: string; ttl: number } | null, lastTtl: number) => {
    const from = open!.ttl;
    const inside = ttls.filter((t) => t > from && (conv === null ? t <= lastTtl : t < conv.ttl));
    const width = Math.max(0, ...inside.map((t) => hops.get(t)!.length));
    const seenAt = new Map<string, number>();
    let unequal = false;
    for (const t of inside) {
      for (const a of hops.get(t)!) {
        if (terminal.has(a) || (seenAt.has(a) && seenAt.get(a) !== t)) unequal = true;
        seenAt.set(a, t);
      }
    }
    let meshed = false;
    for (const t of [from, ...inside]) {
      const here = links.filter((l) => l.ttl === t);
      const outDeg = new Map<string, number>();
      const inDeg = new Map<string, number>();
      for (const l of here) {
        outDeg.set(l.from, (outDeg.get(l.from) ?? 0) + 1);
        inDeg.set(l.to, (inDeg.get(l.to) ?? 0) + 1);
      }
      if ([...outDeg.values()].some((d) => d > 1) && [...inDeg.values()].some((d) => d > 1)) meshed = true;
    }
    out.push({ kind: 'diamond', divergence: open!, convergence: conv, maxWidth: width, length: (conv?.ttl ?? lastTtl) - from, meshed, unequalLengths: unequal });
    open = null;
  };
  for (const t of ttls) {
    const here = hops.get(t)!;
    // A TTL reached by the target alone (or by one address) closes what is open.
    const single = here.length === 1 ? here[0] : null;
    if (open && single !== null) close({ addr: single, ttl: t }, t);
    else if (!open && here.length > 1 && prev && prev.ttl === t - 1) open = prev;
    prev = single !== null ? { addr: single, ttl: t } : null;
  }
  if (open) close(null, ttls.at(-1)!);
  return out;
}

/**
 * Address pairs at consecutive TTLs that no flow joins: what a traceroute changing its
 * flow from probe to probe may show as a link (or, when both are one address, as a loop).
 */
function falseLinks(nodes: readonly MultipathNode[], links: readonly MultipathLink[], terminal: ReadonlySet<string>, loops: readonly MultipathAnomaly[]): MultipathAnomaly[] {
  const hops = byTtl(nodes);
  const linked = new Set(links.map((l) => `${l.ttl}|${l.from}|${l.to}`));
  for (const a of loops) if (a.kind === 'loop') linked.add(`${a.ttls[0]}|${a.addr}|${a.addr}`);
  const out: MultipathAnomaly[] = [];
  for (const [t, here] of [...hops].sort(([a], [b]) => a - b)) {
    const next = hops.get(t + 1);
    if (!next) continue;
    for (const from of here) {
      if (terminal.has(from)) continue;
      for (const to of next) {
        if (linked.has(`${t}|${from}|${to}`)) continue;
        out.push({ kind: 'false-link', from, to, ttl: t });
      }
    }
  }
  return out;
}

/** Evidence of one vertex's same-flow re-probes: how many, and whether one flow answered from two next hops. */
export interface RepeatEvidence {
  probes: number;
  differing: boolean;
}

/**
 * Balancers: vertices with more than one next hop. `samePathProbes` (key `ttl|addr`): the
 * answers of same-flow re-probes at ttl + 1 — several addresses for one flow mean
 * per-packet, one means per-flow. A vertex whose next hops differ only between flows sent
 * to other addresses of the target's prefix (links with `viaDst`) while flows to the
 * target with other ports all took one is per-destination.
 */
export function classifyBalancers(links: readonly MultipathLink[], samePathProbes: ReadonlyMap<string, Set<string> | RepeatEvidence>): Balancer[] {
  const byVertex = new Map<string, { ttl: number; addr: string; next: Set<string>; nextDst: Set<string> }>();
  for (const l of links) {
    const key = `${l.ttl}|${l.from}`;
    let v = byVertex.get(key);
    if (!v) byVertex.set(key, (v = { ttl: l.ttl, addr: l.from, next: new Set(), nextDst: new Set() }));
    (l.viaDst ? v.nextDst : v.next).add(l.to);
  }
  const out: Balancer[] = [];
  for (const [key, v] of byVertex) {
    const all = new Set([...v.next, ...v.nextDst]);
    if (all.size < 2) continue;
    const nextHops = [...all].sort();
    if (v.next.size < 2) {
      // Only other destinations branch here: per-destination if target flows were seen through it.
      const kind = v.next.size === 1 ? 'per-destination' : 'unknown';
      out.push({ ttl: v.ttl, addr: v.addr, kind, nextHops, evidence: `${v.next.size} next hop(s) over ports, ${all.size} over destinations` });
      continue;
    }
    const repeat = samePathProbes.get(key);
    let kind: Balancer['kind'] = 'unknown';
    let evidence = 'no same-flow re-probes';
    if (repeat instanceof Set) {
      kind = repeat.size > 1 ? 'per-packet' : 'per-flow';
      evidence = `same-flow probes answered by ${repeat.size} next hop(s)`;
    } else if (repeat) {
      kind = repeat.differing ? 'per-packet' : 'per-flow';
      evidence = `${repeat.probes} same-flow re-probe(s): ${repeat.differing ? 'a flow answered from two next hops' : 'every flow kept its next hop'}`;
    }
    out.push({ ttl: v.ttl, addr: v.addr, kind, nextHops, evidence });
  }
  return out.sort((a, b) => a.ttl - b.ttl || a.addr.localeCompare(b.addr));
}

/**
 * Behind a per-packet balancer, inside its diamond, one flow's packets take different
 * branches, so same-flow replies cannot tell which links exist between two TTLs with several
 * addresses: every pair there is a possible link (added when no flow showed it), and all of
 * them are marked `uncertain`. Vertices that branch only over such links are no balancers
 * of their own; the balancers are classified again on the certain links. Returns them.
 */
export function markUncertainLinks(
  links: MultipathLink[],
  nodes: readonly MultipathNode[],
  balancers: readonly Balancer[],
  samePathProbes: ReadonlyMap<string, Set<string> | RepeatEvidence> = new Map(),
): Balancer[] {
  const hops = byTtl(nodes);
  let marked = false;
  for (const b of balancers) {
    if (b.kind !== 'per-packet') continue;
    for (let t = b.ttl + 1; (hops.get(t)?.length ?? 0) > 1 && (hops.get(t + 1)?.length ?? 0) > 1; t++) {
      for (const from of hops.get(t)!) {
        for (const to of hops.get(t + 1)!) {
          if (from === to) continue;
          let l = links.find((x) => x.ttl === t && x.from === from && x.to === to);
          if (!l) links.push((l = { from, to, ttl: t, flowIds: [] }));
          l.uncertain = true;
          marked = true;
        }
      }
    }
  }
  if (!marked) return [...balancers];
  links.sort((a, b) => a.ttl - b.ttl || a.from.localeCompare(b.from) || a.to.localeCompare(b.to));
  return classifyBalancers(links.filter((l) => !l.uncertain), samePathProbes);
}

/** Per-flow answers, RTT and loss. */
export function multipathFlows(records: readonly ProbeRecord[]): MultipathFlow[] {
  const out = new Map<number, MultipathFlow>();
  for (const r of records) {
    if (r.flowId === null) continue;
    let f = out.get(r.flowId);
    if (!f) out.set(r.flowId, (f = { flowId: r.flowId, dst: r.dst, sport: r.sport, dport: r.dport, flowLabel: r.flowLabel, hops: [], sent: 0, answered: 0, loss: 0 }));
    f.sent++;
    if (r.addr !== null) f.answered++;
    const hop = f.hops.find((h) => h.ttl === r.ttl);
    if (!hop) f.hops.push({ ttl: r.ttl, addr: r.addr, rttMs: r.rttMs });
    else if (hop.addr === null && r.addr !== null) Object.assign(hop, { addr: r.addr, rttMs: r.rttMs });
  }
  for (const f of out.values()) {
    f.hops.sort((a, b) => a.ttl - b.ttl);
    f.loss = round3(1 - f.answered / f.sent);
  }
  return [...out.values()].sort((a, b) => a.flowId - b.flowId);
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
const median = (xs: number[]) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return round3(s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2);
};

/**
 * Every path through the links (from an address no link enters to one no link leaves), at
 * most `limit`, with the flows whose every answer lies on it, their median RTT at each TTL
 * and their loss.
 */
export function multipathPaths(links: readonly MultipathLink[], nodes: readonly MultipathNode[], flows: readonly MultipathFlow[], limit = 256): MultipathPath[] {
  const out: MultipathPath[] = [];
  const outOf = new Map<string, MultipathLink[]>();
  for (const l of links) outOf.set(`${l.ttl}|${l.from}`, [...(outOf.get(`${l.ttl}|${l.from}`) ?? []), l]);
  const entered = new Set(links.map((l) => `${l.ttl + 1}|${l.to}`));
  const starts = nodes.flatMap((n) => n.ttls.filter((t) => !entered.has(`${t}|${n.addr}`) && outOf.has(`${t}|${n.addr}`)).map((t) => ({ addr: n.addr, ttl: t })));
  if (!links.length) for (const n of nodes) starts.push({ addr: n.addr, ttl: n.ttls[0] });
  const walk = (addrs: string[], first: number) => {
    if (out.length >= limit) return;
    const next = outOf.get(`${first + addrs.length - 1}|${addrs.at(-1)}`) ?? [];
    if (!next.length) {
      out.push(pathStats(addrs, first, flows));
      return;
    }
    for (const l of next) walk([...addrs, l.to], first);
  };
  for (const s of starts) walk([s.addr], s.ttl);
  return out;
}

function pathStats(addrs: string[], firstTtl: number, flows: readonly MultipathFlow[]): MultipathPath {
  const inside = (h: { ttl: number }) => h.ttl >= firstTtl && h.ttl < firstTtl + addrs.length;
  const on = flows.filter((f) => {
    const answered = f.hops.filter((h) => h.addr !== null && inside(h));
    return answered.length > 0 && answered.every((h) => addrs[h.ttl - firstTtl] === h.addr);
  });
  const rttMs = addrs.map((_, i) => median(on.flatMap((f) => f.hops.filter((h) => h.ttl === firstTtl + i && h.rttMs !== null).map((h) => h.rttMs!))));
  const sent = on.reduce((s, f) => s + f.sent, 0);
  const answered = on.reduce((s, f) => s + f.answered, 0);
  return { addrs, firstTtl, flowIds: on.map((f) => f.flowId), rttMs, sent, answered, loss: sent ? round3(1 - answered / sent) : 0 };
}
