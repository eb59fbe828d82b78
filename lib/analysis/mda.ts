import type { Balancer, MultipathAnomaly, MultipathLink, MultipathNode, ProbeRecord } from '../record';

/**
 * MDA stopping points (Augustin et al.; the values scamper uses): with k next hops seen
 * at a vertex, n[k - 1] flows through it must have been probed to rule out a (k+1)th.
 */
export const MDA_STOPPING_POINTS: Record<95 | 99, readonly number[]> = {
  95: [6, 11, 16, 21, 27, 33, 38, 44, 51, 57, 63, 70, 76, 83, 90, 96],
  99: [8, 15, 21, 28, 36, 43, 51, 58, 66, 74, 82, 90, 98, 106, 115, 123],
};

/** Probes needed at a vertex with k next hops seen (k >= 1), for the given confidence. */
export function stoppingPoint(k: number, confidence: 95 | 99): number {
  const table = MDA_STOPPING_POINTS[confidence];
  if (k <= table.length) return table[Math.max(1, k) - 1];
  // Beyond the table: the exact rule, n = ceil(ln(alpha / (k+1)) / ln(k / (k+1))).
  const alpha = 1 - confidence / 100;
  return Math.ceil(Math.log(alpha / (k + 1)) / Math.log(k / (k + 1)));
}

/** Per-vertex failure budget so that a trace with `branchPoints` vertices meets `overall` confidence. */
export function perVertexConfidence(overall: number, branchPoints: number): number {
  return Math.pow(overall, 1 / Math.max(1, branchPoints));
}

/**
 * Builds the multipath graph from MDA records: nodes by address, links only between the
 * replies of the same flow at consecutive TTLs (never across flows), anomalies.
 */
export function multipathGraph(records: readonly ProbeRecord[]): { nodes: MultipathNode[]; links: MultipathLink[]; anomalies: MultipathAnomaly[] } {
  // flow -> ttl -> responder (first answer of that flow at that TTL)
  const byFlow = new Map<number, Map<number, string>>();
  const nodeTtls = new Map<string, Set<number>>();
  for (const r of records) {
    if (r.addr === null || r.flowId === null) continue;
    if (!nodeTtls.has(r.addr)) nodeTtls.set(r.addr, new Set());
    nodeTtls.get(r.addr)!.add(r.ttl);
    let f = byFlow.get(r.flowId);
    if (!f) byFlow.set(r.flowId, (f = new Map()));
    if (!f.has(r.ttl)) f.set(r.ttl, r.addr);
  }
  const links = new Map<string, MultipathLink>();
  for (const [flowId, path] of byFlow) {
    for (const [ttl, addr] of path) {
      const next = path.get(ttl + 1);
      if (next === undefined || next === addr) continue;
      const key = `${ttl}|${addr}|${next}`;
      let l = links.get(key);
      if (!l) links.set(key, (l = { from: addr, to: next, ttl, flowIds: [] }));
      l.flowIds.push(flowId);
    }
  }
  // A loop: one flow meets the same address at consecutive TTLs (unequal-length ECMP,
  // zero-TTL forwarding, MPLS UHP); a false link would need two flows, which we never join.
  const anomalies: MultipathAnomaly[] = [];
  for (const path of byFlow.values()) {
    for (const [ttl, addr] of path) {
      if (path.get(ttl + 1) === addr && !anomalies.some((a) => a.addr === addr)) anomalies.push({ kind: 'loop', addr, ttls: [ttl, ttl + 1] });
    }
  }
  const nodes = [...nodeTtls].map(([addr, ttls]) => ({ addr, ttls: [...ttls].sort((a, b) => a - b) }));
  const linkList = [...links.values()].map((l) => ({ ...l, flowIds: [...new Set(l.flowIds)].sort((a, b) => a - b) }));
  return { nodes, links: linkList, anomalies };
}

/** Balancers: vertices with more than one next hop, classed from same-flow repeat probes. */
export function classifyBalancers(links: readonly MultipathLink[], samePathProbes: ReadonlyMap<string, Set<string>>): Balancer[] {
  const byVertex = new Map<string, { ttl: number; addr: string; next: Set<string> }>();
  for (const l of links) {
    const key = `${l.ttl}|${l.from}`;
    let v = byVertex.get(key);
    if (!v) byVertex.set(key, (v = { ttl: l.ttl, addr: l.from, next: new Set() }));
    v.next.add(l.to);
  }
  const out: Balancer[] = [];
  for (const [key, v] of byVertex) {
    if (v.next.size < 2) continue;
    const repeat = samePathProbes.get(key);
    const kind = repeat === undefined ? 'unknown' : repeat.size > 1 ? 'per-packet' : 'per-flow';
    out.push({ ttl: v.ttl, addr: v.addr, kind, nextHops: [...v.next].sort() });
  }
  return out.sort((a, b) => a.ttl - b.ttl || a.addr.localeCompare(b.addr));
}
