import { execFileSync } from 'node:child_process';
import { setMaxListeners } from 'node:events';
import { isTerminal, type IpVersion, type MdaFallback, type MultipathResult, type ProbeRecord } from '../record';
import {
  classifyBalancers,
  markUncertainLinks,
  multipathFlows,
  multipathGraph,
  multipathPaths,
  perPacketProbes,
  perVertexConfidence,
  stoppingPoint,
  type RepeatEvidence,
} from '../analysis/mda';
import { addrToBytes, bytesToIpv4, bytesToIpv6 } from '../packet';
import { ArgumentError, checkInt, checkNumber } from './errors';
import { proberFor } from './engine';
import { allocateFlowBase } from './ids';
import { startRun, type MeasurementRun } from './run';
import { AdaptiveWait } from './wait';
import type { ProbeSpec } from './spec';
import { resolveTraceOptions, type ResolvedTrace, type TraceOptions } from './trace';

export type MdaAlgorithm = 'mda-lite' | 'mda';

export interface MdaOptions extends Omit<TraceOptions, 'method' | 'queries' | 'parallelTtls'> {
  /**
   * 'mda-lite' (default; Vermeulen et al., IMC 2018): hop-level probing with the MDA's
   * stopping points, a meshing test and a width-asymmetry check, falling back to the full
   * MDA's per-vertex stopping points where they fail or paths have unequal lengths.
   * 'mda' (Augustin et al.): per-vertex stopping points everywhere.
   */
  algorithm?: MdaAlgorithm;
  /** Per-vertex confidence, percent: every vertex's stopping point from the MDA's table (default 95). */
  confidence?: 95 | 99;
  /**
   * Whole-trace confidence, percent (instead of `confidence`): the failure budget split over
   * the trace's tests, each vertex's stopping point computed exactly for
   * eps' = 1 − (traceConfidence/100)^(1/B), B the tests the trace made (see runMda).
   */
  traceConfidence?: number;
  /** Hard budget: probes. */
  maxProbes?: number;
  /** Hard budget: wall time, ms. */
  timeLimitMs?: number;
  /**
   * Same-flow re-probes through each branching vertex to tell per-packet from per-flow
   * (default: the fewest that catch a uniform per-packet balancer at the confidence; see
   * perPacketProbes).
   */
  repeatProbes?: number;
  /** MDA-Lite's meshing test: flows traced per vertex across a hop pair with several vertices on both sides (default 2, as the paper). */
  meshingFlows?: number;
  /**
   * Also probe other addresses of the target's prefix of this length (e.g. 24, 64), with the
   * ports fixed, to find per-destination balancers. Off unless given: it sends probes to
   * addresses the user did not name.
   */
  perDestPrefix?: number;
  /**
   * Take the first hop as one vertex when this host's own route to the target has one next
   * hop and no policy rules (default true; never with a remote prober).
   */
  firstHopFromRoute?: boolean;
}

export const MDA_DEFAULTS = { algorithm: 'mda-lite' as MdaAlgorithm, confidence: 95 as const, maxProbes: 5000, timeLimitMs: 120_000, meshingFlows: 2 };

export type MdaRun = MeasurementRun<MultipathResult>;

const SOURCE = '<source>';
const SILENT = '*';
/** Flow ids from here on are per-destination probes: destination `altDsts[flow - DEST_FLOW_BASE]`, ports of flow 0. */
const DEST_FLOW_BASE = 1 << 20;
/** Whole-trace confidence: top-up passes at most (each one only while the one before found more tests). */
const TOP_UP_PASSES = 4;
const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

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

/**
 * Other addresses of `dst`'s prefix of length `len`, in order after it (wrapping), never
 * the network or (IPv4) broadcast address: the destinations of per-destination probing.
 */
export function prefixNeighbours(dst: string, len: number, count: number): string[] {
  const bytes = addrToBytes(dst);
  const bits = bytes.length * 8;
  if (!Number.isInteger(len) || len < 0 || len > bits) throw new ArgumentError('perDestPrefix', `a prefix length 0..${bits}`, len);
  const hostBits = BigInt(bits - len);
  const value = bytes.reduce((v, b) => (v << 8n) | BigInt(b), 0n);
  const size = 1n << hostBits;
  const net = value & ~(size - 1n);
  const host = value - net;
  const out: string[] = [];
  for (let i = 1n; i < size && out.length < count; i++) {
    const h = (host + i) % size;
    if (h === 0n && size > 2n) continue;
    if (bytes.length === 4 && h === size - 1n && size > 2n) continue;
    let v = net + h;
    const b = new Uint8Array(bytes.length);
    for (let j = b.length - 1; j >= 0; j--) {
      b[j] = Number(v & 0xffn);
      v >>= 8n;
    }
    out.push(bytes.length === 4 ? bytesToIpv4(b) : bytesToIpv6(b));
  }
  return out;
}

/**
 * Does this host's own routing send every flow to `dst` to one next hop? Only the main
 * table with the default rules, and its most specific route there without several next
 * hops; anything else (policy rules, multipath, `ip` missing) is a no.
 */
export function singleFirstHop(dst: string, ipVersion: IpVersion): boolean {
  try {
    const fam = ipVersion === 4 ? '-4' : '-6';
    const ip = (...args: string[]) => JSON.parse(execFileSync('ip', ['-j', fam, ...args], { encoding: 'utf8', timeout: 2000, stdio: ['ignore', 'pipe', 'ignore'] }) || '[]');
    const rules = ip('rule', 'show') as Record<string, unknown>[];
    const want = ipVersion === 4 ? ['0:local', '32766:main', '32767:default'] : ['0:local', '32766:main'];
    if (rules.length !== want.length || rules.some((r, i) => `${r.priority}:${r.table}` !== want[i] || Object.keys(r).some((k) => !['priority', 'src', 'table'].includes(k)) || r.src !== 'all')) return false;
    const target = addrToBytes(dst);
    const routes = (ip('route', 'show', 'table', 'main') as Record<string, unknown>[]).filter((r) => r.type === undefined || r.type === 'unicast');
    const matching = routes
      .map((r) => {
        const [p, l] = String(r.dst) === 'default' ? [ipVersion === 4 ? '0.0.0.0' : '::', '0'] : String(r.dst).split('/');
        const len = l === undefined ? target.length * 8 : Number(l);
        const pb = addrToBytes(p);
        for (let bit = 0; bit < len; bit++) if (((pb[bit >> 3] ^ target[bit >> 3]) >> (7 - (bit & 7))) & 1) return null;
        return { r, len, metric: Number(r.metric ?? 0) };
      })
      .filter((x) => x !== null);
    if (!matching.length) return false;
    const longest = Math.max(...matching.map((m) => m!.len));
    const best = matching.filter((m) => m!.len === longest);
    const metric = Math.min(...best.map((m) => m!.metric));
    const chosen = best.filter((m) => m!.metric === metric);
    if (chosen.length !== 1) return false;
    const hops = chosen[0]!.r.nexthops as unknown[] | undefined;
    return !hops || hops.length <= 1;
  } catch {
    return false;
  }
}

/** Multipath Detection Algorithm: every path to target, each vertex (MDA) or hop (MDA-Lite) to the given confidence. */
export function mda(target: string, options: MdaOptions = {}): MdaRun {
  return startRun((emit, signal) => runMda(target, options, signal, emit), options.signal);
}

/** Which flows a phase works with: towards the target (ports vary) or towards other addresses (ports fixed). */
interface FlowSpace {
  mine(flow: number): boolean;
  fresh(): number;
}

interface Group {
  vertex: string;
  /** Flows known to pass `vertex` one TTL back. */
  flows: number[];
  /** Every flow passes it (the source, a certain single first hop): new flows need not be checked one TTL back. */
  all: boolean;
}

async function runMda(target: string, options: MdaOptions, signal: AbortSignal, emit: (r: ProbeRecord[]) => void): Promise<MultipathResult> {
  const t = await resolveTraceOptions(target, options);
  const algorithm = options.algorithm ?? MDA_DEFAULTS.algorithm;
  if (algorithm !== 'mda' && algorithm !== 'mda-lite') throw new ArgumentError('algorithm', "'mda-lite' or 'mda'", algorithm);
  const confidence = options.confidence ?? MDA_DEFAULTS.confidence;
  if (confidence !== 95 && confidence !== 99) throw new ArgumentError('confidence', '95 or 99 (per vertex)', confidence);
  if (options.traceConfidence !== undefined && options.confidence !== undefined) {
    throw new ArgumentError('traceConfidence', 'left out when confidence (per vertex) is given: one confidence mode at a time', options.traceConfidence);
  }
  const traceConfidence = options.traceConfidence === undefined ? null : checkNumber('traceConfidence', options.traceConfidence, 50, 99.9999);
  const maxProbes = checkInt('maxProbes', options.maxProbes ?? MDA_DEFAULTS.maxProbes, 1, 1_000_000);
  const timeLimitMs = checkNumber('timeLimitMs', options.timeLimitMs ?? MDA_DEFAULTS.timeLimitMs, 1, 86_400_000);
  const repeatProbes = options.repeatProbes === undefined ? null : checkInt('repeatProbes', options.repeatProbes, 1, 100);
  const meshingFlows = checkInt('meshingFlows', options.meshingFlows ?? MDA_DEFAULTS.meshingFlows, 1, 100);
  const perDestPrefix = options.perDestPrefix === undefined ? null : checkInt('perDestPrefix', options.perDestPrefix, 0, t.ipVersion === 4 ? 32 : 128);
  const altDsts = perDestPrefix === null ? [] : prefixNeighbours(t.dst, perDestPrefix, 4096);
  const certainFirst = options.prober === undefined && (options.firstHopFromRoute ?? true) && singleFirstHop(t.dst, t.ipVersion);
  const { prober, owned: ownProber } = proberFor(t, options);
  const inner = new AbortController();
  setMaxListeners(0, inner.signal);
  const onAbort = () => inner.abort(signal.reason);
  signal.addEventListener('abort', onAbort, { once: true });
  if (signal.aborted) inner.abort(signal.reason); // aborted while the target was being resolved
  const started = performance.now();
  const base = allocateFlowBase();
  const records: ProbeRecord[] = [];
  /** ttl -> flow -> first responder ('*' while silent). */
  const seen = new Map<number, Map<number, string>>();
  /** `${ttl}|${vertex}` -> evidence of same-flow re-probes at ttl + 1. */
  const repeats = new Map<string, RepeatEvidence>();
  /** `${ttl}|${vertex}` -> the flow its re-probes use. */
  const repeatFlow = new Map<string, number>();
  /** Re-probes at a TTL through per-packet vertices: each is one more independent sample there. */
  const extraSamples = new Map<number, number>();
  const terminal = new Set<string>();
  const fallbacks: MdaFallback[] = [];
  let sent = 0;
  let nextFlow = 0;
  let nextDestFlow = DEST_FLOW_BASE;
  let stopReason = 'max-ttl' as MultipathResult['stopReason'];
  // traceroute's MAX/HERE/NEAR per TTL: a slow router is not cut off by faster ones before it.
  const wait = new AdaptiveWait(t.waitMs, t.minWaitMs);
  const targetSpace: FlowSpace = { mine: (f) => f < DEST_FLOW_BASE, fresh: () => nextFlow++ };
  const destSpace: FlowSpace = {
    mine: (f) => f >= DEST_FLOW_BASE,
    fresh: () => (nextDestFlow - DEST_FLOW_BASE < altDsts.length ? nextDestFlow++ : -1),
  };
  const at = (ttl: number) => {
    let m = seen.get(ttl);
    if (!m) seen.set(ttl, (m = new Map()));
    return m;
  };
  class Stop extends Error {}
  const overBudget = (): MultipathResult['stopReason'] | null =>
    sent >= maxProbes ? 'probe-budget' : performance.now() - started > timeLimitMs ? 'time-budget' : null;
  const isCertain = (ttl: number) => certainFirst && ttl === t.firstTtl;

  /**
   * Whole-trace confidence: B, the tests the failure budget is split over, is adaptive — the
   * tests this trace has made so far: every answering router at each TTL (each vertex's next
   * hops are a stopping decision, whether it turns out to branch or not) and every per-packet
   * test. A fixed bound (max TTL × a width) would either be exceeded by a wide trace or make
   * every short trace pay for a wide one (B = 30 × 16 puts n_1 at 15 probes instead of 6).
   * B only grows while the trace runs, so the first TTLs stop with a smaller B than the
   * trace ends with; the top-up passes after it (`topUp`) bring every TTL to the final B and
   * repeat while they find new vertices, so every test ends at eps' = 1 − c^(1/B) and by the
   * union bound the graph is complete with probability ≥ c (over the tests it made: a vertex
   * missed entirely is not counted, as in Veitch et al.'s per-branch-point split).
   */
  let branchBound = 1;
  /** Fixed during a top-up pass; null: follow the tests made. */
  let frozenBound: number | null = null;
  let lowestBound = Infinity;
  const testsMade = () => {
    const vs = new Set<string>();
    for (const [ttl, m] of seen) for (const who of m.values()) if (who !== SILENT && !terminal.has(who)) vs.add(`${ttl}|${who}`);
    return vs.size + repeats.size;
  };
  const vertexConfidence = (): number => {
    if (traceConfidence === null) return confidence;
    const b = frozenBound ?? (branchBound = Math.max(branchBound, testsMade()));
    lowestBound = Math.min(lowestBound, b);
    return 100 * perVertexConfidence(traceConfidence / 100, b);
  };
  const stop = (k: number) => stoppingPoint(k, vertexConfidence());

  const specOf = (flow: number, ttl: number): ProbeSpec => {
    if (flow < DEST_FLOW_BASE) return mdaProbeSpec(t, flow, ttl, sent++, base);
    return { ...mdaProbeSpec({ ...t, dst: altDsts[flow - DEST_FLOW_BASE] }, 0, ttl, sent++, base), flowId: flow };
  };

  /** Sends probes (at most what the budget leaves); throws Stop when a budget is spent. */
  const send = async (batch: { flow: number; ttl: number }[]): Promise<ProbeRecord[]> => {
    const over = overBudget();
    if (over) {
      stopReason = over;
      throw new Stop();
    }
    const room = Math.max(0, maxProbes - sent);
    const specs = batch.filter((b) => b.flow >= 0).slice(0, room).map(({ flow, ttl }) => specOf(flow, ttl));
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
    if (specs.length < batch.filter((b) => b.flow >= 0).length) {
      stopReason = 'probe-budget';
      throw new Stop();
    }
    return got;
  };

  /** Responder -> flows at ttl, within a flow space. */
  const vertices = (ttl: number, space: FlowSpace): Map<string, number[]> => {
    const out = new Map<string, number[]>();
    for (const [flow, who] of at(ttl)) {
      if (!space.mine(flow)) continue;
      if (!out.has(who)) out.set(who, []);
      out.get(who)!.push(flow);
    }
    return out;
  };
  const probedAt = (ttl: number, space: FlowSpace) => [...at(ttl).keys()].filter((f) => space.mine(f));

  /** The vertices one TTL back from `ttl` with the flows known to pass each. */
  const groupsFor = (ttl: number, space: FlowSpace): Group[] => {
    if (ttl === t.firstTtl) return [{ vertex: SOURCE, flows: probedAt(ttl, space), all: true }];
    if (isCertain(ttl - 1)) {
      const back = vertices(ttl - 1, space);
      const addr = [...back.keys()].find((a) => a !== SILENT) ?? SILENT;
      const flows = new Set([...probedAt(ttl - 1, space), ...probedAt(ttl, space)]);
      for (const a of back.keys()) if (terminal.has(a)) for (const f of back.get(a)!) flows.delete(f);
      return terminal.has(addr) ? [] : [{ vertex: addr, flows: [...flows], all: true }];
    }
    return [...vertices(ttl - 1, space)].filter(([v]) => !terminal.has(v)).map(([vertex, flows]) => ({ vertex, flows, all: false }));
  };

  /** Next hops (non-silent answers at ttl) of one group's flows. */
  const successors = (g: Group, ttl: number): Set<string> => {
    const here = at(ttl);
    return new Set(g.flows.filter((f) => here.has(f) && here.get(f) !== SILENT).map((f) => here.get(f)!));
  };

  /**
   * Inside the diamond of a per-packet balancer (one found per-packet at an earlier TTL, with
   * every TTL since, `ttl` included, having several addresses): flows say nothing about links
   * there, so MDA-Lite's checks and further per-packet tests are skipped. A TTL with one
   * address closes the diamond: every probe sent one TTL further passed that vertex whatever
   * branch it took before, so same-flow re-probes there test the vertex's own balancer (a
   * per-flow one hashes the same header every time; only its own per-packet spreading can
   * answer a flow from two next hops).
   */
  const behindPerPacket = (ttl: number, space: FlowSpace): boolean => {
    if (answersAt(ttl, space).all.size <= 1) return false;
    for (let x = ttl - 1; x >= t.firstTtl; x--) {
      if ([...repeats].some(([k, e]) => e.differing && k.startsWith(`${x}|`))) return true;
      if (answersAt(x, space).all.size <= 1) return false;
    }
    return false;
  };

  /**
   * Per-packet or per-flow: re-probe flows through each branching vertex one TTL back. With
   * `fold`, a vertex found per-packet has its re-probes counted as samples at ttl (each is
   * an independent draw there, as a new flow would be).
   */
  const perPacketTests = async (ttl: number, space: FlowSpace, fold: boolean) => {
    if (behindPerPacket(ttl - 1, space) && ttl - 1 > t.firstTtl) return;
    for (const g of groupsFor(ttl, space)) {
      if (g.vertex === SOURCE || g.vertex === SILENT) continue;
      const key = `${ttl - 1}|${g.vertex}`;
      const next = successors(g, ttl);
      const before = repeats.get(key);
      if (next.size < 2 || before?.differing) continue;
      const here = at(ttl);
      const answered = g.flows.filter((f) => here.has(f) && here.get(f) !== SILENT);
      // One flow re-probed m times in a row, as scamper does: a balancer alternating packet
      // by packet shows at once (re-probing m different flows once each can line up with
      // the alternation and see every flow keep its branch). A vertex tested before (with a
      // looser whole-trace budget) gets the flow it was tested with, topped up.
      const m = repeatProbes ?? perPacketProbes(next.size, vertexConfidence());
      const flow = repeatFlow.get(key) ?? answered[0];
      if (before && before.probes >= m) continue;
      repeatFlow.set(key, flow);
      const got = await send(Array.from({ length: m - (before?.probes ?? 0) }, () => ({ flow, ttl })));
      const differing = got.some((r) => r.addr !== null && r.addr !== here.get(r.flowId!));
      repeats.set(key, { probes: (before?.probes ?? 0) + got.length, differing });
      if (differing && fold) extraSamples.set(ttl, (extraSamples.get(ttl) ?? 0) + got.length);
    }
  };

  /** Full MDA at one TTL: every vertex one TTL back gets its per-vertex stopping point. */
  const fullHop = async (ttl: number, space: FlowSpace) => {
    if (isCertain(ttl)) {
      // One vertex for sure: one answer names it (up to n1 tries while it is silent).
      while (answersAt(ttl, space).all.size === 0 && probedAt(ttl, space).length < stop(1)) {
        const f = space.fresh();
        if (f < 0) return;
        await send([{ flow: f, ttl }]);
      }
      return;
    }
    for (let round = 0; round < 1000; round++) {
      const groups = groupsFor(ttl, space);
      const here = at(ttl);
      const probeHere: { flow: number; ttl: number }[] = [];
      const probeBack: { flow: number; ttl: number }[] = [];
      const share = Math.max(1, groups.length);
      let backDeficit = 0;
      for (const g of groups) {
        const probed = g.flows.filter((f) => here.has(f));
        const next = new Set(probed.map((f) => here.get(f)!));
        const need = stop(Math.max(1, next.size));
        if (probed.length >= need) continue;
        const fresh = g.flows.filter((f) => !here.has(f)).slice(0, need - probed.length);
        probeHere.push(...fresh.map((flow) => ({ flow, ttl })));
        const deficit = need - probed.length - fresh.length;
        if (deficit <= 0) continue;
        if (g.all) for (let i = 0; i < deficit; i++) probeHere.push({ flow: space.fresh(), ttl });
        else backDeficit = Math.max(backDeficit, deficit);
      }
      // New flows reach each vertex one TTL back in proportion to its share: enough of them
      // there for the neediest vertex (the others take their share of the same flows).
      for (let i = 0; i < backDeficit * share; i++) probeBack.push({ flow: space.fresh(), ttl: ttl - 1 });
      const batch = [...probeBack, ...probeHere].filter((b) => b.flow >= 0);
      if (batch.length === 0) return;
      await send(batch);
    }
  };

  /** Flows through the groups, round-robin, not yet probed at ttl; then new ones. */
  const pickFlows = (groups: Group[], ttl: number, count: number, space: FlowSpace): { flow: number; ttl: number }[] => {
    const here = at(ttl);
    const queues = groups.filter((g) => g.vertex !== SOURCE).map((g) => g.flows.filter((f) => !here.has(f)));
    const out: { flow: number; ttl: number }[] = [];
    for (let i = 0; out.length < count && queues.some((q) => q.length); i = (i + 1) % queues.length) {
      const f = queues[i].shift();
      if (f !== undefined) out.push({ flow: f, ttl });
    }
    while (out.length < count) {
      const f = space.fresh();
      if (f < 0) break;
      out.push({ flow: f, ttl });
    }
    return out;
  };

  /** Non-silent answers at ttl, and the terminal ones among them. */
  const answersAt = (ttl: number, space: FlowSpace) => {
    const all = new Set([...vertices(ttl, space).keys()].filter((a) => a !== SILENT));
    return { all, terminal: [...all].filter((a) => terminal.has(a)) };
  };

  /**
   * MDA-Lite at one TTL. Edge control forward (a flow of every vertex one TTL back), then —
   * unless every answer is the target, which ends the path — hop-level node control: the
   * stopping point for the number of addresses seen at this TTL, with flows taken round-robin
   * from the vertices one TTL back, then new ones; edge control backward (a flow of every
   * new address traced one TTL back); per-packet tests.
   */
  const liteHop = async (ttl: number, space: FlowSpace, opts: { perPacket: boolean; destEconomy: boolean }) => {
    const forward = () => groupsFor(ttl, space).filter((g) => g.vertex !== SILENT && successors(g, ttl).size === 0 && !g.flows.some((f) => at(ttl).has(f)));
    const edge = forward().flatMap((g) => pickFlows([g], ttl, 1, space));
    if (edge.length) await send(edge);
    const first = answersAt(ttl, space);
    if (opts.destEconomy && ttl > t.firstTtl && first.all.size > 0 && first.terminal.length === first.all.size) return;
    let tested = false;
    for (let round = 0; round < 1000; round++) {
      const { all } = answersAt(ttl, space);
      const samples = probedAt(ttl, space).length + (extraSamples.get(ttl) ?? 0);
      const certainDone = isCertain(ttl) && (all.size > 0 || samples >= stop(1));
      const need = stop(Math.max(1, all.size));
      if (certainDone || samples >= need) break;
      const picks = pickFlows(groupsFor(ttl, space), ttl, isCertain(ttl) ? 1 : need - samples, space);
      if (!picks.length) break;
      await send(picks);
      if (opts.perPacket && !tested && answersAt(ttl, space).all.size > 1) {
        tested = true;
        await perPacketTests(ttl, space, true);
      }
    }
    // Edge control backward: every address here gets a flow traced one TTL back.
    if (ttl > t.firstTtl && !isCertain(ttl - 1)) {
      const back = at(ttl - 1);
      const batch: { flow: number; ttl: number }[] = [];
      for (const [v, flows] of vertices(ttl, space)) {
        if (v === SILENT || flows.some((f) => back.has(f))) continue;
        batch.push({ flow: flows[0], ttl: ttl - 1 });
      }
      if (batch.length) await send(batch);
    }
    // Edge control forward again, for vertices one TTL back found since.
    const late = forward().flatMap((g) => pickFlows([g], ttl, 1, space));
    if (late.length) await send(late);
    if (opts.perPacket) await perPacketTests(ttl, space, false);
  };

  /** Links between ttl - 1 and ttl from flows seen at both: successors of each vertex back, predecessors of each here. */
  const hopPair = (ttl: number, space: FlowSpace) => {
    const back = at(ttl - 1);
    const here = at(ttl);
    const succ = new Map<string, Set<string>>();
    const pred = new Map<string, Set<string>>();
    for (const f of probedAt(ttl, space)) {
      const u = back.get(f);
      const v = here.get(f)!;
      if (u === undefined || u === SILENT || v === SILENT || terminal.has(u)) continue;
      if (!succ.has(u)) succ.set(u, new Set());
      if (!pred.has(v)) pred.set(v, new Set());
      succ.get(u)!.add(v);
      pred.get(v)!.add(u);
    }
    return { succ, pred };
  };

  /**
   * MDA-Lite's checks at ttl: unequal lengths (the target and routers answer at one TTL, or
   * an address shows at two TTLs), the meshing test (hop pairs with several addresses on
   * both sides: `meshingFlows` flows of every vertex on the wider side traced across;
   * meshed when a vertex has two successors and another two predecessors) and width
   * asymmetry (vertices with different numbers of successors or predecessors: the hop-level
   * stopping point assumes every address at a TTL gets an equal share of flows).
   */
  const liteChecks = async (ttl: number, space: FlowSpace): Promise<MdaFallback[]> => {
    const out: MdaFallback[] = [];
    if (behindPerPacket(ttl, space)) return out;
    const { all, terminal: ends } = answersAt(ttl, space);
    const routers = [...all].filter((a) => !terminal.has(a));
    const elsewhere = routers.filter((a) => [...seen].some(([t2, m]) => t2 !== ttl && [...m].some(([f, who]) => who === a && space.mine(f))));
    if ((ends.length && routers.length) || elsewhere.length) out.push({ ttl, reason: 'unequal-lengths', addrs: [...ends, ...elsewhere].sort() });
    if (ttl === t.firstTtl || isCertain(ttl - 1)) return out;
    const back = answersAt(ttl - 1, space);
    const U = [...back.all].filter((a) => !terminal.has(a));
    if (U.length >= 2 && routers.length >= 2) {
      const groups = groupsFor(ttl, space).filter((g) => g.vertex !== SILENT);
      const batch: { flow: number; ttl: number }[] = [];
      if (U.length >= routers.length) {
        for (const g of groups) {
          const traced = g.flows.filter((f) => at(ttl).has(f)).length;
          if (traced < meshingFlows) batch.push(...pickFlows([g], ttl, meshingFlows - traced, space).filter((b) => g.flows.includes(b.flow)));
        }
      } else {
        const backMap = at(ttl - 1);
        for (const [v, flows] of vertices(ttl, space)) {
          if (v === SILENT || terminal.has(v)) continue;
          const traced = flows.filter((f) => backMap.has(f)).length;
          batch.push(...flows.filter((f) => !backMap.has(f)).slice(0, Math.max(0, meshingFlows - traced)).map((flow) => ({ flow, ttl: ttl - 1 })));
        }
      }
      if (batch.length) await send(batch);
      const { succ, pred } = hopPair(ttl, space);
      const split = [...succ].filter(([, s]) => s.size > 1).map(([u]) => u);
      const joined = [...pred].filter(([, p]) => p.size > 1).map(([v]) => v);
      if (split.length && joined.length) {
        out.push({ ttl, reason: 'meshing', addrs: [...split, ...joined].sort() });
        return out;
      }
    }
    const { succ, pred } = hopPair(ttl, space);
    const outDeg = new Set([...succ.values()].map((s) => s.size));
    const inDeg = new Set([...pred].filter(([v]) => !terminal.has(v)).map(([, p]) => p.size));
    if (outDeg.size > 1 || inDeg.size > 1) out.push({ ttl, reason: 'width-asymmetry', addrs: [...new Set([...succ.keys(), ...pred.keys()])].sort() });
    return out;
  };

  let certainAddr = null as string | null;
  /** TTLs of the target's flows that got the full MDA's per-vertex stopping points. */
  const fullTtls = new Set<number>();
  let lastTtl = t.firstTtl - 1;
  let destLast = t.firstTtl - 1;
  try {
    /** The target's flows TTL by TTL from `from` until every flow ends, a gap or max TTL. */
    const walk = async (from: number) => {
      let silentRun = 0;
      let fullUntilConverged = false;
      for (let ttl = from; ttl <= t.maxTtl; ttl++) {
        lastTtl = ttl;
        if (algorithm === 'mda' || fullUntilConverged) {
          fullTtls.add(ttl);
          await fullHop(ttl, targetSpace);
          await perPacketTests(ttl, targetSpace, false);
        } else {
          await liteHop(ttl, targetSpace, { perPacket: true, destEconomy: true });
          const found = await liteChecks(ttl, targetSpace);
          if (found.length) {
            fallbacks.push(...found);
            // This TTL gets the per-vertex stopping points; after unequal lengths or width
            // asymmetry so do the next ones, until the paths meet again.
            fullTtls.add(ttl);
            await fullHop(ttl, targetSpace);
            await perPacketTests(ttl, targetSpace, false);
            if (found.some((f) => f.reason !== 'meshing')) fullUntilConverged = true;
          }
        }
        if (isCertain(ttl)) certainAddr = [...answersAt(ttl, targetSpace).all][0] ?? null;
        const { all, terminal: ends } = answersAt(ttl, targetSpace);
        const open = [...all].filter((a) => !terminal.has(a));
        if (fullUntilConverged && open.length <= 1) fullUntilConverged = false;
        if (open.length === 0 && ends.length > 0) {
          stopReason = 'complete';
          return;
        }
        silentRun = all.size === 0 ? silentRun + 1 : 0;
        if (silentRun >= t.gapLimit) {
          stopReason = 'max-ttl';
          return;
        }
      }
      stopReason = 'max-ttl';
    };
    /** One TTL again (a top-up pass): what it got before, to the stopping points of now. */
    const again = async (ttl: number) => {
      if (fullTtls.has(ttl)) {
        await fullHop(ttl, targetSpace);
        await perPacketTests(ttl, targetSpace, false);
      } else await liteHop(ttl, targetSpace, { perPacket: true, destEconomy: true });
    };
    await walk(t.firstTtl);
    const finished = () => stopReason === 'complete' || stopReason === 'max-ttl';
    // Per-destination: the same hop-level probing towards other addresses of the prefix, ports fixed.
    if (altDsts.length && finished()) {
      const routerTtls = [...seen].filter(([, m]) => [...m].some(([f, who]) => targetSpace.mine(f) && who !== SILENT && !terminal.has(who))).map(([ttl]) => ttl);
      destLast = Math.max(t.firstTtl - 1, ...routerTtls);
      for (let ttl = t.firstTtl; ttl <= destLast; ttl++) await liteHop(ttl, destSpace, { perPacket: false, destEconomy: false });
    }
    // Whole-trace confidence: every TTL again at the final B, while that finds more tests.
    for (let pass = 0; traceConfidence !== null && pass < TOP_UP_PASSES && finished(); pass++) {
      const b = testsMade();
      if (b <= lowestBound) break;
      frozenBound = branchBound = lowestBound = b;
      for (let ttl = t.firstTtl; ttl <= lastTtl; ttl++) await again(ttl);
      for (let ttl = t.firstTtl; ttl <= destLast; ttl++) await liteHop(ttl, destSpace, { perPacket: false, destEconomy: false });
      frozenBound = null;
      // A branch found at the last TTL that does not end there: the trace goes on from it.
      const { all } = answersAt(lastTtl, targetSpace);
      if (stopReason === 'complete' && [...all].some((a) => !terminal.has(a))) await walk(lastTtl + 1);
    }
  } catch (err) {
    if (err instanceof Stop) {
      /* budget spent: stopReason says which */
    } else if (signal.aborted) stopReason = 'aborted';
    else throw err;
  } finally {
    signal.removeEventListener('abort', onAbort);
    inner.abort(new Error('mda finished'));
    if (ownProber) prober.close();
  }
  const certain = certainFirst && certainAddr !== null ? new Map([[t.firstTtl, certainAddr]]) : undefined;
  const graph = multipathGraph(records, { certain, dst: t.dst });
  const balancers = markUncertainLinks(graph.links, graph.nodes, classifyBalancers(graph.links, repeats), repeats);
  const flows = multipathFlows(records);
  const complete = stopReason === 'complete';
  const tests = testsMade();
  const mode: Pick<MultipathResult, 'confidence' | 'confidenceMode' | 'vertexConfidence' | 'branchPoints'> =
    traceConfidence === null
      ? { confidence, confidenceMode: 'per-vertex', vertexConfidence: confidence }
      : { confidence: traceConfidence, confidenceMode: 'whole-trace', vertexConfidence: round6(100 * perVertexConfidence(traceConfidence / 100, Math.min(lowestBound, tests))), branchPoints: tests };
  return {
    type: 'multipath', run: t.run, target, dst: t.dst, ipVersion: t.ipVersion, proto: t.proto,
    algorithm, fallbacks, ...mode,
    nodes: graph.nodes, links: graph.links, balancers, anomalies: graph.anomalies,
    flows, paths: multipathPaths(graph.links, graph.nodes, flows),
    perDestPrefix: perDestPrefix === null ? null : `${t.dst}/${perDestPrefix}`,
    probes: sent, durationMs: Math.round((performance.now() - started) * 1000) / 1000,
    // Whole trace: met when every test stopped at the budget split over all of them.
    complete, confidenceMet: complete && (traceConfidence === null || tests <= lowestBound), stopReason, records,
  };
}
