import { setMaxListeners } from 'node:events';
import { isTerminal, type MultipathResult, type ProbeRecord } from '../record';
import { classifyBalancers, multipathGraph, stoppingPoint } from '../analysis/mda';
import { checkInt, checkNumber } from './errors';
import { proberFor } from './engine';
import { allocateFlowBase } from './ids';
import { startRun, type MeasurementRun } from './run';
import { AdaptiveWait } from './wait';
import type { ProbeSpec } from './spec';
import { resolveTraceOptions, type ResolvedTrace, type TraceOptions } from './trace';

export interface MdaOptions extends Omit<TraceOptions, 'method' | 'queries' | 'parallelTtls'> {
  /** Per-vertex confidence, percent. */
  confidence?: 95 | 99;
  /** Hard budget: probes. */
  maxProbes?: number;
  /** Hard budget: wall time, ms. */
  timeLimitMs?: number;
  /** Same-flow probes sent through each branching vertex to tell per-packet from per-flow. */
  repeatProbes?: number;
}

export const MDA_DEFAULTS = { confidence: 95 as const, maxProbes: 5000, timeLimitMs: 120_000, repeatProbes: 6 };

export type MdaRun = MeasurementRun<MultipathResult>;

const SOURCE = '<source>';
const SILENT = '*';

/**
 * Flow `flow` of a run, probe number `n`: the fields balancers hash are a function of the
 * flow alone (UDP/TCP source port, ICMP checksum, IPv6 flow label); the probe id varies
 * only where they do not look (UDP checksum, ICMP sequence, TCP sequence).
 */
export function mdaProbeSpec(t: ResolvedTrace, flow: number, ttl: number, n: number, base: number): ProbeSpec {
  const probeId = ((base + n) % 0xffff) + 1; // 1..65535: IPv6 UDP cannot carry checksum 0
  const flowPort = ((t.sport - 1 + flow) % 65535) + 1;
  const common: ProbeSpec = {
    ipVersion: t.ipVersion, proto: t.proto, src: t.src, dst: t.dst, ttl, run: t.run, attempt: 0, flowId: flow, probeId,
    tos: t.tos, size: t.size, flowLabel: t.ipVersion === 6 ? (t.flowLabel + flow) & 0xfffff : undefined,
  };
  switch (t.proto) {
    case 'udp':
      return { ...common, sport: flowPort, dport: t.dport, checksum: probeId };
    case 'tcp':
      return { ...common, sport: flowPort, dport: t.dport, tcpSeq: ((base << 16) | probeId) >>> 0, tcpFlags: 0x02 };
    case 'icmp':
      return { ...common, icmpId: t.sport, icmpSeq: probeId, checksum: (0x8000 + flow) & 0xffff };
  }
}

/** Multipath Detection Algorithm: every path to target, each vertex to the given confidence. */
export function mda(target: string, options: MdaOptions = {}): MdaRun {
  return startRun((emit, signal) => runMda(target, options, signal, emit), options.signal);
}

async function runMda(target: string, options: MdaOptions, signal: AbortSignal, emit: (r: ProbeRecord[]) => void): Promise<MultipathResult> {
  const t = await resolveTraceOptions(target, options);
  const confidence = options.confidence ?? MDA_DEFAULTS.confidence;
  if (confidence !== 95 && confidence !== 99) throw new RangeError(`confidence must be 95 or 99, got ${confidence}`);
  const maxProbes = checkInt('maxProbes', options.maxProbes ?? MDA_DEFAULTS.maxProbes, 1, 1_000_000);
  const timeLimitMs = checkNumber('timeLimitMs', options.timeLimitMs ?? MDA_DEFAULTS.timeLimitMs, 1, 86_400_000);
  const repeatProbes = checkInt('repeatProbes', options.repeatProbes ?? MDA_DEFAULTS.repeatProbes, 2, 100);
  const { prober, owned: ownProber } = proberFor(t, options);
  const inner = new AbortController();
  setMaxListeners(0, inner.signal);
  const onAbort = () => inner.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) inner.abort(signal.reason); // aborted while the target was being resolved
  const started = performance.now();
  const base = allocateFlowBase();
  const records: ProbeRecord[] = [];
  /** ttl -> flow -> first responder ('*' when silent). */
  const seen = new Map<number, Map<number, string>>();
  /** `${ttl}|${vertex}` -> responders of repeated same-flow probes at ttl + 1. */
  const repeats = new Map<string, Set<string>>();
  const terminal = new Set<string>();
  let sent = 0;
  let nextFlow = 0;
  let stopReason: MultipathResult['stopReason'] = 'max-ttl';
  // traceroute's MAX/HERE/NEAR per TTL: a slow router is not cut off by faster ones before it.
  const wait = new AdaptiveWait(t.waitMs, t.minWaitMs);
  const at = (ttl: number) => {
    let m = seen.get(ttl);
    if (!m) seen.set(ttl, (m = new Map()));
    return m;
  };
  const overBudget = (): MultipathResult['stopReason'] | null =>
    sent >= maxProbes ? 'probe-budget' : performance.now() - started > timeLimitMs ? 'time-budget' : null;

  const send = async (batch: { flow: number; ttl: number }[]): Promise<ProbeRecord[]> => {
    const room = Math.max(0, maxProbes - sent);
    const specs = batch.slice(0, room).map(({ flow, ttl }) => mdaProbeSpec(t, flow, ttl, sent++, base));
    const got = await Promise.all(specs.map((s) => prober.probe(s, { timeoutMs: wait.forTtl(s.ttl), signal: inner.signal })));
    for (const r of got) {
      if (r.rttMs !== null) wait.seen(r.ttl, r.rttMs);
      const m = at(r.ttl);
      const who = r.addr ?? SILENT;
      if (!m.has(r.flowId!) || m.get(r.flowId!) === SILENT) m.set(r.flowId!, who);
      if (r.addr !== null && isTerminal(r)) terminal.add(r.addr);
    }
    records.push(...got);
    emit(got);
    return got;
  };

  /** Flows grouped by their responder at ttl (the vertex they pass through). */
  const vertices = (ttl: number): Map<string, number[]> => {
    const out = new Map<string, number[]>();
    for (const [flow, who] of at(ttl)) {
      if (!out.has(who)) out.set(who, []);
      out.get(who)!.push(flow);
    }
    return out;
  };

  try {
    let silentRun = 0;
    for (let ttl = t.firstTtl; ttl <= t.maxTtl; ttl++) {
      // Probe until every vertex one hop back has had enough of its flows probed at ttl.
      for (let round = 0; ; round++) {
        const prev = ttl === t.firstTtl ? new Map([[SOURCE, [...at(ttl).keys()]]]) : vertices(ttl - 1);
        const here = at(ttl);
        const probeHere: { flow: number; ttl: number }[] = [];
        const probeBack: { flow: number; ttl: number }[] = [];
        for (const [vertex, flows] of prev) {
          if (terminal.has(vertex)) continue;
          const probed = flows.filter((f) => here.has(f));
          const next = new Set(probed.map((f) => here.get(f)!));
          const need = stoppingPoint(Math.max(1, next.size), confidence);
          if (probed.length >= need) continue;
          const fresh = flows.filter((f) => !here.has(f)).slice(0, need - probed.length);
          probeHere.push(...fresh.map((flow) => ({ flow, ttl })));
          const deficit = need - probed.length - fresh.length;
          if (deficit <= 0) continue;
          if (vertex === SOURCE) {
            for (let i = 0; i < deficit; i++) probeHere.push({ flow: nextFlow++, ttl });
          } else {
            // New flows reach this vertex in proportion to its share: probe enough of them one hop back.
            const share = Math.max(1, prev.size);
            for (let i = 0; i < deficit * share; i++) probeBack.push({ flow: nextFlow++, ttl: ttl - 1 });
          }
        }
        if (probeHere.length === 0 && probeBack.length === 0) break;
        const over = overBudget();
        if (over) {
          stopReason = over;
          break;
        }
        await send([...probeBack, ...probeHere]);
        if (round > 1000) break; // defensive: the budgets above end every real run first
      }
      if (stopReason === 'probe-budget' || stopReason === 'time-budget') break;

      // Per-packet or per-flow: repeat one flow through each branching vertex.
      if (ttl > t.firstTtl) {
        for (const [vertex, flows] of vertices(ttl - 1)) {
          if (vertex === SILENT || terminal.has(vertex)) continue;
          const next = new Set(flows.filter((f) => at(ttl).has(f)).map((f) => at(ttl).get(f)!));
          next.delete(SILENT);
          if (next.size < 2 || overBudget()) continue;
          const flow = flows.find((f) => at(ttl).get(f) !== SILENT)!;
          const got = await send(Array.from({ length: repeatProbes }, () => ({ flow, ttl })));
          repeats.set(`${ttl - 1}|${vertex}`, new Set(got.filter((r) => r.addr !== null).map((r) => r.addr!)));
        }
      }

      const here = [...at(ttl).values()];
      const open = here.filter((who) => !terminal.has(who));
      if (open.length === 0) {
        stopReason = 'complete';
        break;
      }
      silentRun = open.every((who) => who === SILENT) ? silentRun + 1 : 0;
      if (silentRun >= t.gapLimit) {
        stopReason = 'max-ttl';
        break;
      }
    }
  } catch (err) {
    if (signal.aborted) stopReason = 'aborted';
    else throw err;
  } finally {
    signal.removeEventListener('abort', onAbort);
    inner.abort(new Error('mda finished'));
    if (ownProber) prober.close();
  }
  const graph = multipathGraph(records);
  return {
    type: 'multipath', run: t.run, target, dst: t.dst, ipVersion: t.ipVersion, proto: t.proto, confidence,
    nodes: graph.nodes, links: graph.links, balancers: classifyBalancers(graph.links, repeats), anomalies: graph.anomalies,
    probes: sent, durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    complete: stopReason === 'complete', stopReason, records,
  };
}

