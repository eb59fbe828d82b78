import type { ProbeRecord } from '../record';

export interface SampledAddress {
  addr: string;
  count: number;
  /** Send time of the first / last probe this address answered (ms since the epoch). */
  firstSeen: number | null;
  lastSeen: number | null;
}

export interface SampledHop {
  ttl: number;
  probes: number;
  answered: number;
  addrs: SampledAddress[];
  /** Flows (flow ids) that met more than one address at this TTL: per-packet balancing before it. */
  splitFlows: number[];
}

export interface SampleAggregate {
  rounds: number;
  hops: SampledHop[];
  /** First TTL where a single flow met several addresses: the hop before it balances per packet. */
  perPacketAt: number | null;
}

/** Aggregates repeated fixed-flow traces (seed 001's loop): addresses per hop, with counts. */
export function aggregateSamples(records: readonly ProbeRecord[]): SampleAggregate {
  const hops = new Map<number, { probes: number; answered: number; addrs: Map<string, SampledAddress>; byFlow: Map<number, Set<string>> }>();
  const rounds = new Set<number>();
  for (const r of records) {
    if (r.round !== null) rounds.add(r.round);
    let h = hops.get(r.ttl);
    if (!h) hops.set(r.ttl, (h = { probes: 0, answered: 0, addrs: new Map(), byFlow: new Map() }));
    h.probes++;
    if (r.addr === null) continue;
    h.answered++;
    let a = h.addrs.get(r.addr);
    if (!a) h.addrs.set(r.addr, (a = { addr: r.addr, count: 0, firstSeen: null, lastSeen: null }));
    a.count++;
    if (r.sentAt !== null) {
      a.firstSeen = a.firstSeen === null ? r.sentAt : Math.min(a.firstSeen, r.sentAt);
      a.lastSeen = a.lastSeen === null ? r.sentAt : Math.max(a.lastSeen, r.sentAt);
    }
    const flow = r.flowId ?? -1;
    if (!h.byFlow.has(flow)) h.byFlow.set(flow, new Set());
    h.byFlow.get(flow)!.add(r.addr);
  }
  const out: SampledHop[] = [...hops.entries()]
    .sort(([a], [b]) => a - b)
    .map(([ttl, h]) => ({
      ttl,
      probes: h.probes,
      answered: h.answered,
      addrs: [...h.addrs.values()].sort((a, b) => b.count - a.count || a.addr.localeCompare(b.addr)),
      splitFlows: [...h.byFlow].filter(([, s]) => s.size > 1).map(([f]) => f).sort((a, b) => a - b),
    }));
  return { rounds: rounds.size, hops: out, perPacketAt: out.find((h) => h.splitFlows.length > 0)?.ttl ?? null };
}
