import { readFileSync } from 'node:fs';
import os from 'node:os';
import { isTerminal, type ProbeRecord } from '../record';
import { classifySignature, estimateReturn, guessInitialTtl, returnFromEcho, type RouterSignature } from '../analysis';
import { checkInt } from './errors';
import { proberFor } from './engine';
import { allocateFlowBase } from './ids';
import type { Prober } from './prober';
import { startRun, type MeasurementRun } from './run';
import { resolveTraceOptions, traceProbeSpec, type TraceOptions } from './trace';

export interface PathOptions extends Omit<TraceOptions, 'method' | 'parallelTtls' | 'size'> {
  /** Starting datagram size; default the MTU of the interface towards the target. */
  mtu?: number;
  /** Ping every hop to complete its <time-exceeded, echo-reply> signature (default true). */
  signatures?: boolean;
  /**
   * RTT samples per answering hop (default 3, 1..10): after the hop's first answer the rest
   * go out at once, on the same flow. One sample (tracepath's way) leaves the latency reading
   * at the mercy of a single queueing spike; the hop's RTT is the least of them.
   */
  samples?: number;
}

/** RFC 1191 plateaus, for frag-needed messages that carry no next-hop MTU. */
export const MTU_PLATEAUS = [65535, 17914, 8166, 4464, 4352, 2048, 2002, 1536, 1500, 1492, 1006, 576, 552, 544, 512, 508, 296, 68];

export interface PathHop {
  ttl: number;
  addr: string | null;
  /** The least RTT of the hop's samples from its address. */
  rttMs: number | null;
  replyTtl: number | null;
  /** Return hop count and its difference with the forward TTL (tracepath's asymm). */
  returnHops: number | null;
  asymm: number | null;
  /** Set on the hop line where the path MTU dropped, to the new value. */
  pmtu: number | null;
  /** Router that reported the smaller MTU. */
  pmtuFrom: string | null;
  reached: boolean;
  signature: RouterSignature | null;
}

export interface PathResult {
  type: 'path';
  target: string;
  dst: string;
  ipVersion: 4 | 6;
  /** Path MTU at the end of the walk. */
  pmtu: number;
  /** Size the walk started with (the local interface's MTU). */
  localMtu: number;
  hops: PathHop[];
  reached: boolean;
  /** Forward hops to the target and return hops from it (tracepath's `hops H back B`). */
  hopsToDst: number | null;
  back: number | null;
  probes: number;
  records: ProbeRecord[];
}

export type PathRun = MeasurementRun<PathResult>;

/** MTU of the interface that holds `src` (sysfs), or 1500 when it cannot be read. */
export function interfaceMtu(src: string): number {
  for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
    if (addrs?.some((a) => a.address === src)) {
      try {
        return Number(readFileSync(`/sys/class/net/${name}/mtu`, 'utf8').trim());
      } catch {
        break;
      }
    }
  }
  return 1500;
}

export function nextPlateau(size: number): number {
  return MTU_PLATEAUS.find((p) => p < size) ?? 68;
}

/** tracepath done with raw probes: hop by hop, full-size DF probes, return hops, pmtu. */
export function path(target: string, options: PathOptions = {}): PathRun {
  return startRun(async (emit, signal) => {
    const t = await resolveTraceOptions(target, { ...options, queries: options.queries ?? 3, waitMs: options.waitMs ?? 1000 });
    const localMtu = checkInt('mtu', options.mtu ?? interfaceMtu(t.src), t.ipVersion === 4 ? 68 : 1280, 65535);
    const samples = checkInt('samples', options.samples ?? 3, 1, 10);
    const { prober, owned } = proberFor(t, options);
    const base = allocateFlowBase();
    const records: ProbeRecord[] = [];
    const hops: PathHop[] = [];
    let size = localMtu;
    let n = 0;
    let silentRun = 0;
    let reached = false;
    const send = async (ttl: number, attempt: number) => {
      const spec = { ...traceProbeSpec(t, ttl, attempt, n++, base), size, df: true };
      const r = await prober.probe(spec, { timeoutMs: t.waitMs, signal });
      records.push(r);
      emit([r]);
      return r;
    };
    try {
      for (let ttl = t.firstTtl; ttl <= t.maxTtl && !reached; ttl++) {
        let answer: ProbeRecord | null = null;
        for (let attempt = 0, shrinks = 0; attempt < t.queries && shrinks < MTU_PLATEAUS.length; ) {
          const r = await send(ttl, attempt);
          if (r.kind === 'frag-needed') {
            // A router before this TTL cannot forward `size` bytes: record it, shrink, retry.
            const mtu = r.mtu && r.mtu < size ? r.mtu : nextPlateau(size);
            hops.push({ ttl, addr: r.addr, rttMs: r.rttMs, replyTtl: r.replyTtl, returnHops: null, asymm: null, pmtu: mtu, pmtuFrom: r.addr, reached: false, signature: null });
            size = mtu;
            shrinks++;
            continue;
          }
          attempt++;
          if (r.addr !== null) {
            answer = r;
            break;
          }
        }
        if (!answer) {
          hops.push({ ttl, addr: null, rttMs: null, replyTtl: null, returnHops: null, asymm: null, pmtu: null, pmtuFrom: null, reached: false, signature: null });
          if (++silentRun >= t.gapLimit) break;
          continue;
        }
        silentRun = 0;
        const first = answer;
        const sent = records.filter((r) => r.ttl === ttl).length;
        const more = await Promise.all(Array.from({ length: samples - 1 }, (_, i) => send(ttl, sent + i)));
        const rtts = [first, ...more].filter((r) => r.addr === first.addr && r.rttMs !== null).map((r) => r.rttMs!);
        const est = estimateReturn(answer, 'tracepath');
        reached = isTerminal(answer);
        hops.push({
          ttl, addr: answer.addr, rttMs: Math.min(...rtts), replyTtl: answer.replyTtl, returnHops: est?.returnHops ?? null,
          asymm: est?.asymm ?? null, pmtu: null, pmtuFrom: null, reached, signature: null,
        });
      }
      if (options.signatures !== false) await addSignatures(hops, prober, t, base, signal);
    } finally {
      if (owned) prober.close();
    }
    const last = hops.filter((h) => h.addr !== null && h.pmtuFrom === null).at(-1);
    return {
      type: 'path', target, dst: t.dst, ipVersion: t.ipVersion, pmtu: size, localMtu, hops, reached,
      hopsToDst: reached ? last?.ttl ?? null : null, back: reached ? last?.returnHops ?? null : null, probes: n, records,
    };
  }, options.signal);
}

/**
 * Pings each responding hop (two echoes) and pairs the initial TTLs <time-exceeded, echo-reply>.
 * Where the echo shows the time-exceeded started at another known initial TTL than guessed
 * (Juniper M/T's 254), the hop's return length and asymm are corrected from the echo.
 */
async function addSignatures(hops: PathHop[], prober: Prober, t: Awaited<ReturnType<typeof resolveTraceOptions>>, base: number, signal: AbortSignal): Promise<void> {
  const addrs = [...new Set(hops.filter((h) => h.addr !== null && h.pmtuFrom === null).map((h) => h.addr!))];
  const echo = new Map<string, number | null>();
  const echoReplyTtl = new Map<string, number>();
  let seq = 0;
  await Promise.all(
    addrs.map(async (addr) => {
      let ittl: number | null = null;
      for (let i = 0; i < 2 && ittl === null; i++) {
        const r = await prober.probe(
          { ipVersion: t.ipVersion, proto: 'icmp', src: t.src, dst: addr, ttl: 64, icmpId: (base ^ 0x5a5a) & 0xffff, icmpSeq: seq++, run: t.run },
          { timeoutMs: t.waitMs, signal },
        );
        if (r.kind === 'echo-reply' && r.replyTtl !== null) {
          ittl = guessInitialTtl(r.replyTtl, 'tnt');
          echoReplyTtl.set(addr, r.replyTtl);
        }
      }
      echo.set(addr, ittl);
    }),
  );
  for (const h of hops) {
    if (h.addr === null || h.pmtuFrom !== null) continue;
    let te = h.replyTtl === null ? null : guessInitialTtl(h.replyTtl, 'tnt');
    const echoed = echoReplyTtl.get(h.addr);
    const corrected = h.replyTtl === null || h.reached || echoed === undefined ? null : returnFromEcho(h.replyTtl, echoed);
    if (corrected) {
      te = corrected.initialTtl;
      h.returnHops = corrected.returnHops;
      h.asymm = corrected.returnHops - h.ttl;
    }
    h.signature = classifySignature(h.reached ? null : te, echo.get(h.addr) ?? null);
  }
}
