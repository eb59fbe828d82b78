import { interruptible } from './interrupt';
import type { ProbeRecord } from '../record';
import { FAST_ROUND, SLOW_ROUND, rateLimitVerdict, type RateVerdict } from '../analysis/ratelimit';
import { checkInt, checkNumber } from './errors';
import { proberFor } from './engine';
import { allocateFlowBase } from './ids';
import { resolveTraceOptions, traceProbeSpec, type TraceOptions } from './trace';

export interface RateTestOptions extends Omit<TraceOptions, 'firstTtl' | 'maxTtl' | 'queries' | 'method'> {
  /** TTL of the hop under test. */
  ttl: number;
  /** Probes in the fast burst and in the slow run. */
  fastProbes?: number;
  slowProbes?: number;
  /** Rates, probes per second. */
  fastRate?: number;
  slowRate?: number;
}

export interface RateTestResult {
  type: 'rate-test';
  dst: string;
  ttl: number;
  addr: string | null;
  result: RateVerdict;
  records: ProbeRecord[];
}

/** Probes one hop in a fast burst, then slowly, and says whether it rate-limits its ICMP. */
export async function rateTest(target: string, options: RateTestOptions): Promise<RateTestResult> {
  const ttl = checkInt('ttl', options.ttl, 1, 255);
  const fastProbes = checkInt('fastProbes', options.fastProbes ?? 20, 2, 10_000);
  const slowProbes = checkInt('slowProbes', options.slowProbes ?? 6, 1, 10_000);
  const fastRate = checkNumber('fastRate', options.fastRate ?? 200, 1, 100_000);
  const slowRate = checkNumber('slowRate', options.slowRate ?? 1, 0.01, fastRate);
  const t = await resolveTraceOptions(target, { ...options, firstTtl: ttl, maxTtl: ttl });
  const { prober, owned } = proberFor(t, { ...options, rate: Math.max(fastRate, options.rate ?? 0) });
  const base = allocateFlowBase();
  const records: ProbeRecord[] = [];
  let n = 0;
  const phase = async (round: number, count: number, rate: number, signal: AbortSignal) => {
    const pending: Promise<ProbeRecord>[] = [];
    for (let i = 0; i < count; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 1000 / rate));
      if (signal.aborted) break;
      pending.push(prober.probe({ ...traceProbeSpec(t, ttl, i, n++, base), round }, { timeoutMs: t.waitMs, signal }));
    }
    records.push(...(await Promise.all(pending)));
  };
  try {
    await interruptible(options.signal, async (signal) => {
      await phase(FAST_ROUND, fastProbes, fastRate, signal);
      await phase(SLOW_ROUND, slowProbes, slowRate, signal);
    });
  } finally {
    if (owned) prober.close();
  }
  const addr = records.find((r) => r.addr !== null)?.addr ?? null;
  return { type: 'rate-test', dst: t.dst, ttl, addr, result: rateLimitVerdict(records), records };
}
