import { setMaxListeners } from 'node:events';
import { isTerminal, type IpVersion, type ProbeProto, type ProbeRecord, type StopReason, type TraceSummary } from '../record';
import { ArgumentError, checkInt, checkNumber, checkOneOf } from './errors';
import { proberFor } from './engine';
import type { Prober } from './prober';
import { canonicalAddress, interfaceAddress, ipVersionOf, isLocalAddress, localAddresses, routeSource } from './source';
import type { ProbeSpec } from './spec';
import type { TcpOption } from '../packet';
import { allocateFlowBase, newRunId, probeIdAt } from './ids';
import { startRun, type MeasurementRun } from './run';
import { AdaptiveWait } from './wait';

export type TraceMethod = 'paris' | 'classic';

export interface TraceOptions {
  proto?: ProbeProto;
  method?: TraceMethod;
  ipVersion?: IpVersion;
  firstTtl?: number;
  maxTtl?: number;
  /** Probes per hop. */
  queries?: number;
  /** Destination port (UDP base port for classic; TCP port). */
  port?: number;
  sport?: number;
  /** Longest wait for a reply, ms (the full wait of a probe while no hop after it has answered). */
  waitMs?: number;
  /** Shortest wait once RTTs are known, ms (see AdaptiveWait). */
  minWaitMs?: number;
  /** Stop after this many consecutive TTLs without any answer. */
  gapLimit?: number;
  /** TTLs in flight at once (default: 16 probes' worth, like traceroute -N 16). */
  parallelTtls?: number;
  /** Probes per second (ignored when a prober is given). */
  rate?: number;
  src?: string;
  device?: string;
  /** IP datagram size in bytes. */
  size?: number;
  tos?: number;
  flowLabel?: number;
  /** Use this prober (an agent, a shared engine) instead of opening one. */
  prober?: Prober;
  signal?: AbortSignal;
  run?: string;
  /** Round number stamped on the records (sampling loops). */
  round?: number;
}

export const TRACE_DEFAULTS = {
  proto: 'udp' as ProbeProto,
  method: 'paris' as TraceMethod,
  firstTtl: 1,
  maxTtl: 30,
  queries: 3,
  udpPort: 33434,
  tcpPort: 80,
  waitMs: 3000,
  minWaitMs: 250,
  gapLimit: 5,
  /** Probes in flight at once, as traceroute's -N; the TTL window is this divided by queries. */
  parallelProbes: 16,
  /** Datagram sizes of Linux traceroute, so results compare. */
  size: { 4: 60, 6: 80 } as Record<IpVersion, number>,
};

/** A running trace: iterate it for records in TTL order as hops complete; `summary` (= `result`) resolves at the end. */
export interface TraceRun extends MeasurementRun<TraceSummary> {
  readonly summary: Promise<TraceSummary>;
  /**
   * The trace's settings once the target is resolved, the options checked and the sockets
   * open, before any probe: for a header line. Rejects as `summary` does when they are bad
   * or probing is not allowed.
   */
  readonly settings: Promise<ResolvedTrace>;
}

interface Resolved {
  target: string;
  dst: string;
  ipVersion: IpVersion;
  src: string;
  proto: ProbeProto;
  method: TraceMethod;
  firstTtl: number;
  maxTtl: number;
  queries: number;
  dport: number;
  sport: number;
  waitMs: number;
  minWaitMs: number;
  gapLimit: number;
  parallelTtls: number;
  size: number;
  tos: number;
  flowLabel: number;
  run: string;
  round: number | null;
}

export type ResolvedTrace = Resolved;

export async function resolveTraceOptions(target: string, o: TraceOptions): Promise<Resolved> {
  const dst = await resolveTarget(target, o.ipVersion);
  const ipVersion = ipVersionOf(dst)!;
  const proto = checkOneOf('proto', o.proto ?? TRACE_DEFAULTS.proto, ['udp', 'icmp', 'tcp'] as const);
  const method = checkOneOf('method', o.method ?? TRACE_DEFAULTS.method, ['paris', 'classic'] as const);
  const firstTtl = checkInt('firstTtl', o.firstTtl ?? TRACE_DEFAULTS.firstTtl, 1, 255);
  const maxTtl = checkInt('maxTtl', o.maxTtl ?? TRACE_DEFAULTS.maxTtl, firstTtl, 255);
  const queries = checkInt('queries', o.queries ?? TRACE_DEFAULTS.queries, 1, 10);
  const dport = checkInt('port', o.port ?? (proto === 'tcp' ? TRACE_DEFAULTS.tcpPort : TRACE_DEFAULTS.udpPort), 1, 65535);
  const sport = checkInt('sport', o.sport ?? 33000 + Math.floor(Math.random() * 28000), 1, 65535);
  const waitMs = checkNumber('waitMs', o.waitMs ?? TRACE_DEFAULTS.waitMs, 1, 60_000);
  const minWaitMs = checkNumber('minWaitMs', o.minWaitMs ?? Math.min(TRACE_DEFAULTS.minWaitMs, waitMs), 1, waitMs);
  const gapLimit = checkInt('gapLimit', o.gapLimit ?? TRACE_DEFAULTS.gapLimit, 1, 255);
  const parallelTtls = checkInt('parallelTtls', o.parallelTtls ?? Math.max(1, Math.floor(TRACE_DEFAULTS.parallelProbes / queries)), 1, 255);
  const minSize = minimumProbeSize(ipVersion, proto);
  const size = checkInt('size', o.size ?? Math.max(minSize, TRACE_DEFAULTS.size[ipVersion]), minSize, 65_000);
  const tos = checkInt('tos', o.tos ?? 0, 0, 255);
  const flowLabel = checkInt('flowLabel', o.flowLabel ?? 0, 0, 0xfffff);
  const src = canonicalAddress(await sourceAddress(dst, ipVersion, o));
  return {
    target, dst, ipVersion, src, proto, method, firstTtl, maxTtl, queries, dport, sport, waitMs, minWaitMs,
    gapLimit, parallelTtls, size, tos, flowLabel, run: o.run ?? newRunId('trace'), round: o.round ?? null,
  };
}

/**
 * The probes' source: given (and checked to be the prober host's own: a source that is not
 * would be sent, raw sockets allow it, and every answer lost), the device's, or the route's —
 * on the host where the prober's sockets are (an agent's, when it says so).
 */
async function sourceAddress(dst: string, ipVersion: IpVersion, o: TraceOptions): Promise<string> {
  const remote = o.prober?.sourceFor && o.prober.hostAddresses ? o.prober : null;
  if (o.src !== undefined) {
    const own = remote ? (await remote.hostAddresses!(ipVersion)).map(canonicalAddress) : null;
    const isOwn = own ? own.includes(canonicalAddress(o.src)) : isLocalAddress(o.src);
    if (ipVersionOf(o.src) !== ipVersion || !isOwn) {
      throw new ArgumentError('src', `an IPv${ipVersion} address of ${remote ? "the agent's host" : 'this host'} (${(own ?? localAddresses(ipVersion)).join(', ')})`, o.src);
    }
    return o.src;
  }
  if (o.device) {
    if (remote) throw new ArgumentError('device', 'no device with an agent prober (give src, an address of the agent host, or nothing)', o.device);
    return interfaceAddress(o.device, ipVersion);
  }
  return remote ? remote.sourceFor!(dst) : routeSource(dst, ipVersion);
}

export function minimumProbeSize(ipVersion: IpVersion, proto: ProbeProto): number {
  const ip = ipVersion === 4 ? 20 : 40;
  // UDP and ICMP headers are 8 bytes, plus the 2 payload bytes that steer the checksum (Paris).
  return ip + (proto === 'tcp' ? 20 : 10);
}

async function resolveTarget(target: string, ipVersion?: IpVersion): Promise<string> {
  if (typeof target !== 'string' || target.length === 0) throw new ArgumentError('target', 'an IP address or host name', target);
  const literal = ipVersionOf(target);
  if (literal) {
    if (ipVersion && literal !== ipVersion) throw new ArgumentError('target', `an IPv${ipVersion} address (with -${ipVersion})`, target);
    return canonicalAddress(target);
  }
  const dns = await import('node:dns');
  try {
    const { address } = await dns.promises.lookup(target, { family: ipVersion ?? 0 });
    return address;
  } catch {
    throw new ArgumentError('target', 'an IP address or a host name that resolves', target);
  }
}

const SYN_OPTIONS_LEN = 20;

/** The options of a Linux SYN (MSS, SACK permitted, timestamps, window scale): 20 bytes. */
function synOptions(ipVersion: IpVersion, tsval: number): TcpOption[] {
  return [
    { kind: 'mss', value: ipVersion === 4 ? 1460 : 1440 },
    { kind: 'sack-permitted' },
    { kind: 'timestamps', value: tsval, echo: 0 },
    { kind: 'nop' },
    { kind: 'window-scale', shift: 7 },
  ];
}

/** Port `first + n`, wrapping within 1..65535. */
function portAt(first: number, n: number): number {
  return ((first - 1 + n) % 65535) + 1;
}

/** Identity fields of probe number `n` (0-based, in send order) of a trace. */
export function traceProbeSpec(t: Resolved, ttl: number, attempt: number, n: number, flowBase: number): ProbeSpec {
  const probeId = probeIdAt(flowBase, n);
  const base: ProbeSpec = {
    ipVersion: t.ipVersion, proto: t.proto, src: t.src, dst: t.dst, ttl, attempt, run: t.run, round: t.round,
    probeId, tos: t.tos, flowLabel: t.flowLabel, size: t.size,
  };
  const classic = t.method === 'classic';
  switch (t.proto) {
    case 'udp':
      // Paris: one 5-tuple, probe id in the UDP checksum. Classic: the port moves, like traceroute.
      return { ...base, sport: t.sport, dport: classic ? portAt(t.dport, n) : t.dport, checksum: probeId, flowId: classic ? n : 0 };
    case 'icmp':
      // Paris keeps the checksum (what balancers hash) fixed; classic lets it follow id/seq.
      return { ...base, icmpId: t.sport, icmpSeq: probeId, checksum: classic ? undefined : 0x5a5a ^ t.sport, flowId: classic ? n : 0 };
    case 'tcp': {
      // Probe id in the sequence number; classic also moves the source port. A SYN like a
      // real one (options, no data) when the size allows: middleboxes treat odd SYNs oddly.
      const tcpOptions = t.size - (t.ipVersion === 4 ? 20 : 40) >= 20 + SYN_OPTIONS_LEN ? synOptions(t.ipVersion, probeId) : undefined;
      return { ...base, sport: classic ? portAt(t.sport, n) : t.sport, dport: t.dport, tcpSeq: ((flowBase << 16) | probeId) >>> 0, tcpFlags: 0x02, tcpOptions, flowId: classic ? n : 0 };
    }
  }
}

/** Traces the path to target; records stream in TTL order. */
export function trace(target: string, options: TraceOptions = {}): TraceRun {
  let settle: { resolve: (t: ResolvedTrace) => void; reject: (e: unknown) => void };
  const settings = new Promise<ResolvedTrace>((resolve, reject) => (settle = { resolve, reject }));
  settings.catch(() => {}); // also surfaced through summary
  const run = startRun(async (emit, signal) => {
    try {
      return await runTrace(await resolveTraceOptions(target, options), options, signal, emit, settle.resolve);
    } catch (err) {
      settle.reject(err); // no effect once settled
      throw err;
    }
  }, options.signal);
  return Object.assign(run, { summary: run.result, settings });
}

async function runTrace(
  t: ResolvedTrace,
  options: TraceOptions,
  signal: AbortSignal,
  emitHop: (records: ProbeRecord[]) => void,
  ready: (t: ResolvedTrace) => void,
): Promise<TraceSummary> {
  const target = t.target;
  const { prober, owned: ownProber } = proberFor(t, options);
  ready(t);
  const startedAt = Date.now();
  const started = performance.now();
  const flowBase = allocateFlowBase();
  const before = prober.stats();
  // Ends the probes still in flight beyond the last hop when the trace stops.
  const inner = new AbortController();
  setMaxListeners(0, inner.signal); // one listener per probe in flight
  const onOuterAbort = () => inner.abort(signal.reason);
  signal.addEventListener('abort', onOuterAbort, { once: true });
  const wait = new AdaptiveWait(t.waitMs, t.minWaitMs);

  const hops = new Map<number, Promise<ProbeRecord[]>>();
  let sentCount = 0;
  let stopTtl = t.maxTtl; // lowest TTL known to end the trace
  let stopReason: StopReason = 'max-ttl';
  let answered = 0;

  const launchHop = (ttl: number) => {
    const probes: Promise<ProbeRecord>[] = [];
    for (let attempt = 0; attempt < t.queries; attempt++) {
      const spec = traceProbeSpec(t, ttl, attempt, sentCount++, flowBase);
      probes.push(
        prober.probe(spec, { timeoutMs: wait.forTtl(ttl), signal: inner.signal }).then((r) => {
          if (r.rttMs !== null) wait.seen(ttl, r.rttMs);
          if (isTerminal(r) && ttl < stopTtl) stopTtl = ttl;
          return r;
        }),
      );
    }
    const hop = Promise.all(probes);
    hop.catch(() => {}); // awaited in order below; a hop never awaited must not raise
    hops.set(ttl, hop);
  };

  let nextTtl = t.firstTtl;
  let lastTtl = t.firstTtl - 1;
  let silentRun = 0;
  try {
    signal.throwIfAborted(); // aborted while the target was being resolved: send nothing
    for (let ttl = t.firstTtl; ttl <= t.maxTtl; ttl++) {
      while (nextTtl <= Math.min(stopTtl, t.maxTtl) && nextTtl < ttl + t.parallelTtls) launchHop(nextTtl++);
      if (ttl > stopTtl) break;
      const hop = await hops.get(ttl)!;
      lastTtl = ttl;
      emitHop(hop);
      const replies = hop.filter((r) => r.addr !== null);
      answered += replies.length;
      if (replies.some(isTerminal)) {
        stopReason = replies.some((r) => r.addr === t.dst) ? 'reached' : 'unreachable';
        break;
      }
      silentRun = replies.length === 0 ? silentRun + 1 : 0;
      if (silentRun >= t.gapLimit) {
        stopReason = 'silent-hops';
        break;
      }
    }
  } catch (err) {
    if (signal.aborted) stopReason = 'aborted';
    else throw err;
  } finally {
    signal.removeEventListener('abort', onOuterAbort);
    inner.abort(new Error('trace finished'));
    if (ownProber) prober.close();
  }
  const after = prober.stats();
  return {
    type: 'summary', run: t.run, target, dst: t.dst, src: t.src, ipVersion: t.ipVersion, proto: t.proto, method: t.method,
    firstTtl: t.firstTtl, maxTtl: t.maxTtl, lastTtl, reached: stopReason === 'reached', stopReason,
    probesSent: sentCount, probesAnswered: answered,
    // With a shared prober these include other measurements' strays.
    foreignReplies: after.foreign - before.foreign, malformedReplies: after.malformed - before.malformed,
    startedAt, durationMs: Math.round((performance.now() - started) * 1000) / 1000,
  };
}
