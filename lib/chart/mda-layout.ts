/**
 * Layout of an MDA result as a layered graph, in plain TypeScript: one column per TTL, one
 * vertex per (TTL, address), rows ordered by barycentre sweeps to keep crossings down. Every
 * tie is broken by address, so the same result always gets the same layout.
 */
import { quantileSorted } from '../analysis';
import type { Balancer, BalancerClass, MultipathResult } from '../record';

export type MdaVertexRole = 'router' | 'target' | BalancerClass;

export interface MdaVertex {
  /** `ttl|addr`. */
  key: string;
  addr: string;
  ttl: number;
  /** Vertical position in rows, centred on 0, the first row highest. */
  y: number;
  role: MdaVertexRole;
  balancer: Balancer | null;
  /** Every TTL the address was seen at (several: branches of unequal length). */
  ttls: number[];
  /** Flows whose answer at this TTL came from this address. */
  flows: number;
  /** Median RTT of those answers (null: none carried one). */
  rttMs: number | null;
}

/**
 * `link`: replies of one flow at consecutive TTLs. `uncertain`: behind a per-packet balancer.
 * `other-destinations`: only flows to other addresses of the prefix showed it. `false-link`:
 * what classic traceroute would draw between addresses no single flow joins.
 */
export type MdaEdgeKind = 'link' | 'uncertain' | 'other-destinations' | 'false-link';

export interface MdaEdge {
  from: MdaVertex;
  to: MdaVertex;
  kind: MdaEdgeKind;
  flows: number;
  viaDst: string[];
}

export interface MdaLayout {
  vertices: MdaVertex[];
  edges: MdaEdge[];
  /** First and last TTL drawn. */
  firstTtl: number;
  lastTtl: number;
  /** TTLs between them where no address answered. */
  gaps: number[];
  /** Most vertices in one column. */
  widest: number;
}

/** Orders addresses numerically where they are numbers (10.0.0.9 before 10.0.0.10). */
export function compareAddresses(a: string, b: string): number {
  return a.localeCompare(b, 'en', { numeric: true }) || (a < b ? -1 : a > b ? 1 : 0);
}

const keyOf = (ttl: number, addr: string) => `${ttl}|${addr}`;

function median(values: number[]): number | null {
  return values.length ? quantileSorted([...values].sort((a, b) => a - b), 0.5) : null;
}

/** Flow counts and median RTTs per (TTL, address), from the flows or else the paths. */
function answersByVertex(result: MultipathResult): Map<string, { flows: number; rtts: number[] }> {
  const out = new Map<string, { flows: number; rtts: number[] }>();
  const at = (key: string) => out.get(key) ?? (out.set(key, { flows: 0, rtts: [] }), out.get(key)!);
  if (result.flows?.length) {
    for (const flow of result.flows)
      for (const hop of flow.hops) {
        if (hop.addr === null) continue;
        const acc = at(keyOf(hop.ttl, hop.addr));
        acc.flows++;
        if (hop.rttMs !== null) acc.rtts.push(hop.rttMs);
      }
    return out;
  }
  for (const path of result.paths ?? [])
    path.addrs.forEach((addr, i) => {
      const acc = at(keyOf(path.firstTtl + i, addr));
      acc.flows += path.flowIds.length;
      const rtt = path.rttMs[i];
      if (rtt !== null && rtt !== undefined) acc.rtts.push(rtt);
    });
  return out;
}

/** Puts each column in barycentre order of its neighbours in the previous (or next) column. */
function sweep(columns: Map<number, string[]>, ttls: readonly number[], neighbours: Map<string, string[]>): void {
  const position = new Map<string, number>();
  for (const [ttl, addrs] of columns) addrs.forEach((a, i) => position.set(keyOf(ttl, a), i - (addrs.length - 1) / 2));
  for (const ttl of ttls) {
    const addrs = columns.get(ttl)!;
    const bary = new Map<string, number>();
    for (const addr of addrs) {
      const key = keyOf(ttl, addr);
      const ns = (neighbours.get(key) ?? []).map((n) => position.get(n)).filter((p): p is number => p !== undefined);
      bary.set(addr, ns.length ? ns.reduce((s, p) => s + p, 0) / ns.length : position.get(key)!);
    }
    addrs.sort((a, b) => bary.get(a)! - bary.get(b)! || compareAddresses(a, b));
    addrs.forEach((a, i) => position.set(keyOf(ttl, a), i - (addrs.length - 1) / 2));
  }
}

/** The layered layout of an MDA result (`probe.mda()`, `hopscope mda --json`, scamper tracelb). */
export function mdaLayout(result: MultipathResult): MdaLayout {
  const ttlsOf = new Map<string, number[]>();
  const columns = new Map<number, string[]>();
  const addVertex = (ttl: number, addr: string) => {
    const column = columns.get(ttl) ?? (columns.set(ttl, []), columns.get(ttl)!);
    if (column.includes(addr)) return;
    column.push(addr);
    const ttls = ttlsOf.get(addr) ?? (ttlsOf.set(addr, []), ttlsOf.get(addr)!);
    ttls.push(ttl);
  };
  for (const node of result.nodes) for (const ttl of node.ttls) addVertex(ttl, node.addr);
  // The far end of a link is the address at the next TTL, or at the nearest later TTL it was seen at.
  const farEnd = (addr: string, ttl: number) => (ttlsOf.get(addr) ?? []).filter((t) => t > ttl).sort((a, b) => a - b)[0] ?? ttl + 1;
  const rawEdges: { from: string; to: string; kind: MdaEdgeKind; flows: number; viaDst: string[] }[] = [];
  for (const link of result.links) {
    addVertex(link.ttl, link.from);
    const toTtl = farEnd(link.to, link.ttl);
    addVertex(toTtl, link.to);
    const kind: MdaEdgeKind = link.uncertain ? 'uncertain' : link.viaDst?.length ? 'other-destinations' : 'link';
    rawEdges.push({ from: keyOf(link.ttl, link.from), to: keyOf(toTtl, link.to), kind, flows: link.flowIds.length, viaDst: [...(link.viaDst ?? [])].sort(compareAddresses) });
  }
  for (const a of result.anomalies) {
    if (a.kind !== 'false-link') continue;
    const from = keyOf(a.ttl, a.from);
    const to = keyOf(a.ttl + 1, a.to);
    if (columns.get(a.ttl)?.includes(a.from) && columns.get(a.ttl + 1)?.includes(a.to)) rawEdges.push({ from, to, kind: 'false-link', flows: 0, viaDst: [] });
  }
  rawEdges.sort((a, b) => compareAddresses(a.from, b.from) || compareAddresses(a.to, b.to) || a.kind.localeCompare(b.kind));

  const ttls = [...columns.keys()].sort((a, b) => a - b);
  for (const ttl of ttls) columns.get(ttl)!.sort(compareAddresses);
  for (const ttls of ttlsOf.values()) ttls.sort((a, b) => a - b);
  const preds = new Map<string, string[]>();
  const succs = new Map<string, string[]>();
  for (const e of rawEdges.filter((e) => e.kind !== 'false-link')) {
    (preds.get(e.to) ?? (preds.set(e.to, []), preds.get(e.to)!)).push(e.from);
    (succs.get(e.from) ?? (succs.set(e.from, []), succs.get(e.from)!)).push(e.to);
  }
  sweep(columns, ttls.slice(1), preds);
  sweep(columns, [...ttls].reverse().slice(1), succs);
  sweep(columns, ttls.slice(1), preds);

  const balancers = new Map(result.balancers.map((b) => [keyOf(b.ttl, b.addr), b]));
  const targets = new Set([result.target, result.dst]);
  const answers = answersByVertex(result);
  const vertices: MdaVertex[] = [];
  const byKey = new Map<string, MdaVertex>();
  for (const ttl of ttls) {
    const addrs = columns.get(ttl)!;
    addrs.forEach((addr, i) => {
      const key = keyOf(ttl, addr);
      const balancer = balancers.get(key) ?? null;
      const seen = answers.get(key);
      const vertex: MdaVertex = {
        key,
        addr,
        ttl,
        y: (addrs.length - 1) / 2 - i,
        role: balancer ? balancer.kind : targets.has(addr) ? 'target' : 'router',
        balancer,
        ttls: ttlsOf.get(addr)!,
        flows: seen?.flows ?? 0,
        rttMs: median(seen?.rtts ?? []),
      };
      vertices.push(vertex);
      byKey.set(key, vertex);
    });
  }
  const edges = rawEdges.map((e) => ({ ...e, from: byKey.get(e.from)!, to: byKey.get(e.to)! }));
  const firstTtl = ttls[0] ?? 1;
  const lastTtl = ttls.at(-1) ?? 1;
  const gaps: number[] = [];
  for (let t = firstTtl; t <= lastTtl; t++) if (!columns.has(t)) gaps.push(t);
  const widest = Math.max(1, ...[...columns.values()].map((c) => c.length));
  return { vertices, edges, firstTtl, lastTtl, gaps, widest };
}
