import type { ProbeRecord } from '../record';
import { hopTable } from './hops';
import { mplsTunnels, type MplsTunnel } from './mpls';
import { quantileSorted } from './stats';

/** One hop's RTTs (ms) as the reading uses them. */
export interface HopLatency {
  ttl: number;
  addr: string | null;
  count: number;
  min: number;
  median: number;
  p90: number;
  jitter: number;
}

export type LatencyVerdict =
  /** A rise at `ttl` that every later hop carries: delay on the path, located at that hop (the link into it). */
  | { kind: 'path-delay'; ttl: number; addr: string | null; deltaMs: number; carriedTo: number | null; evidence: string }
  /** A rise at `ttl` that no later hop carries: the router is slow to generate its ICMP, the path is not slower. */
  | { kind: 'icmp-slow'; ttl: number; addr: string | null; deltaMs: number; evidence: string }
  /** A rise that some later hops carry and others do not. */
  | { kind: 'inconclusive'; ttl: number; addr: string | null; deltaMs: number; evidence: string }
  /** Hops inside an MPLS tunnel whose RTTs are the egress's (ICMP tunnelling): not theirs to blame. */
  | { kind: 'mpls-tunnel'; ttls: number[]; egressTtl: number | null; tunnel: MplsTunnel['kind']; evidence: string };

export interface LatencyReading {
  hops: HopLatency[];
  verdicts: LatencyVerdict[];
  /** Smallest rise (ms) read as a change: max(thresholdMs, 3 × the median per-hop jitter). */
  thresholdMs: number;
}

export interface LatencyOptions {
  /** Floor of the threshold, ms (default 1). */
  thresholdMs?: number;
  /** MPLS tunnels already found (default: read from the records). */
  tunnels?: readonly MplsTunnel[];
  /** Tunnel hops within this fraction of the egress RTT count as ICMP-tunnelled (default 0.25). */
  tunnelTolerance?: number;
  /**
   * A rise must also exceed this fraction of the RTT it rises from (default 0.1): with one
   * or two samples a hop (tracepath's way) there is no jitter to scale by, and a 1 ms wobble
   * on a 40 ms path is noise, not a step.
   */
  relativeThreshold?: number;
}

const fmt = (ms: number) => `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;

/**
 * Reads a trace's RTTs the way seed 002 asks. Each hop is taken at its minimum RTT (the
 * least queueing). A rise that persists on every later hop is a delay on the path, located
 * at that hop. A rise at one hop only is that router's ICMP generation (slow path), and
 * later probes through it were not delayed. Hops inside an MPLS tunnel that all show
 * about the egress's RTT are marked as ICMP tunnelling, and left out of the reading.
 */
export function readLatency(records: readonly ProbeRecord[], options: LatencyOptions = {}): LatencyReading {
  const rows = hopTable(records).filter((h) => h.rtt !== null);
  const hops: HopLatency[] = rows.map((h) => ({
    ttl: h.ttl,
    addr: h.responders[0]?.addr ?? null,
    count: h.rtt!.count,
    min: h.rtt!.min,
    median: h.rtt!.median,
    p90: h.rtt!.p90,
    jitter: h.rtt!.jitter,
  }));
  const jitters = hops.map((h) => h.jitter).sort((a, b) => a - b);
  const thresholdMs = Math.max(options.thresholdMs ?? 1, jitters.length ? 3 * quantileSorted(jitters, 0.5) : 0);
  const verdicts: LatencyVerdict[] = [];

  // ICMP tunnelling: tunnel hops whose RTTs are about the egress's.
  const tolerance = options.tunnelTolerance ?? 0.25;
  const relative = options.relativeThreshold ?? 0.1;
  const inTunnel = new Set<number>();
  // Hops right after LSRs nobody sees (opaque, invisible tunnels): a rise there may lie on any of their links.
  const hiddenBefore = new Map<number, number>();
  const tunnels = options.tunnels ?? mplsTunnels(records);
  for (const t of tunnels) if ((t.kind === 'opaque' || t.kind === 'invisible') && t.hidden) hiddenBefore.set(t.ttls[0], t.hidden);
  for (const t of tunnels) {
    if (t.kind !== 'explicit' && t.kind !== 'implicit') continue;
    const last = Math.max(...t.ttls);
    const egress = hops.find((h) => h.ttl === last + 1) ?? null;
    const inside = hops.filter((h) => t.ttls.includes(h.ttl));
    if (!egress || inside.length < 2) continue;
    const near = (h: HopLatency) => Math.abs(h.min - egress.min) <= Math.max(thresholdMs, tolerance * egress.min);
    if (!inside.every(near)) continue;
    inside.forEach((h) => inTunnel.add(h.ttl));
    verdicts.push({
      kind: 'mpls-tunnel',
      ttls: inside.map((h) => h.ttl),
      egressTtl: egress.ttl,
      tunnel: t.kind,
      evidence: `min RTTs ${inside.map((h) => fmt(h.min)).join(', ')} at TTLs ${inside.map((h) => h.ttl).join(', ')} ≈ ${fmt(egress.min)} at the egress (TTL ${egress.ttl}): their time exceeded travels to the egress first`,
    });
  }

  const walk = hops.filter((h) => !inTunnel.has(h.ttl));
  let baseline = walk.length ? walk[0].min : 0;
  // The first hop has no hop before it to rise from; a first hop above the next one can
  // only be slow at making its ICMP (the path to the next hop runs through it).
  if (walk.length > 1 && walk[0].min - walk[1].min > thresholdMs) {
    const [first, next] = walk;
    const at = `TTL ${first.ttl}${first.addr ? ` (${first.addr})` : ''}`;
    verdicts.push({ kind: 'icmp-slow', ttl: first.ttl, addr: first.addr, deltaMs: first.min - next.min, evidence: `min RTT ${fmt(first.min)} at ${at}, the first hop, above the next hop's ${fmt(next.min)}` });
    baseline = next.min;
  }
  for (let i = 1; i < walk.length; i++) {
    const h = walk[i];
    const rise = h.min - baseline;
    const need = Math.max(thresholdMs, relative * baseline);
    if (rise <= need) {
      baseline = Math.min(baseline, h.min);
      continue;
    }
    const later = walk.slice(i + 1);
    const carried = later.filter((x) => x.min - baseline >= rise / 2);
    // After tunnelled hops the rise can lie anywhere inside the tunnel: say so.
    const hidden = h.ttl - walk[i - 1].ttl > 1 && [...inTunnel].some((t) => t > walk[i - 1].ttl && t < h.ttl);
    const unseen = hiddenBefore.get(h.ttl);
    const at = `TTL ${h.ttl}${h.addr ? ` (${h.addr})` : ''}${hidden ? ` or inside the tunnel before it (TTLs ${walk[i - 1].ttl + 1}-${h.ttl - 1} show the egress's RTT)` : ''}${unseen ? ` or on the links of the ${unseen} hidden LSR${unseen === 1 ? '' : 's'} before it (${tunnels.find((t) => t.ttls[0] === h.ttl)!.kind} MPLS tunnel)` : ''}`;
    const numbers = `min RTT ${fmt(baseline)} → ${fmt(h.min)} (+${fmt(rise)}, threshold ${fmt(need)})`;
    // What every later hop keeps of the rise. A hop well above it (a quarter of the rise or
    // more) adds its own ICMP generation on top: the path delay is only what is kept, and it
    // starts on the link into this hop or the next one (the RTTs cannot tell which).
    const kept = later.length ? Math.min(rise, ...later.map((x) => x.min - baseline)) : rise;
    if (later.length > 0 && carried.length === later.length && rise - kept > Math.max(need, rise / 4)) {
      const next = `TTL ${later[0].ttl}`;
      verdicts.push({ kind: 'path-delay', ttl: h.ttl, addr: h.addr, deltaMs: kept, carriedTo: later.at(-1)!.ttl, evidence: `${numbers} at ${at}, of which every later hop up to TTL ${later.at(-1)!.ttl} keeps +${fmt(kept)}: a path delay on the link into TTL ${h.ttl} or into ${next}` });
      verdicts.push({ kind: 'icmp-slow', ttl: h.ttl, addr: h.addr, deltaMs: rise - kept, evidence: `min RTT ${fmt(h.min)} at ${at} is ${fmt(rise - kept)} above the +${fmt(kept)} the later hops keep: its own ICMP generation on top` });
      baseline += kept;
    } else if (later.length > 0 && carried.length === later.length) {
      verdicts.push({ kind: 'path-delay', ttl: h.ttl, addr: h.addr, deltaMs: rise, carriedTo: later.at(-1)!.ttl, evidence: `${numbers} at ${at}, carried by every later hop up to TTL ${later.at(-1)!.ttl}` });
      baseline = h.min;
    } else if (later.length === 0) {
      verdicts.push({ kind: 'path-delay', ttl: h.ttl, addr: h.addr, deltaMs: rise, carriedTo: null, evidence: `${numbers} at ${at}, the last hop that answered: no later hop to confirm it` });
      baseline = h.min;
    } else if (!carried.includes(later[0])) {
      // The next hop is back down: later probes crossed this router undelayed (a later,
      // separate rise is read on its own).
      verdicts.push({ kind: 'icmp-slow', ttl: h.ttl, addr: h.addr, deltaMs: rise, evidence: `${numbers} at ${at} only: the next hop is back at ${fmt(later[0].min)}` });
    } else {
      verdicts.push({ kind: 'inconclusive', ttl: h.ttl, addr: h.addr, deltaMs: rise, evidence: `${numbers} at ${at}; carried by TTL ${carried.map((x) => x.ttl).join(', ')} but not ${later.filter((x) => !carried.includes(x)).map((x) => x.ttl).join(', ')}` });
    }
  }
  verdicts.sort((a, b) => ('ttl' in a ? a.ttl : a.ttls[0]) - ('ttl' in b ? b.ttl : b.ttls[0]));
  return { hops, verdicts, thresholdMs };
}
