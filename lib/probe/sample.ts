import type { ProbeRecord } from '../record';
import { aggregateSamples, type SampleAggregate } from '../analysis/sampling';
import { checkInt, checkNumber } from './errors';
import { proberFor } from './engine';
import { startRun, type MeasurementRun } from './run';
import { resolveTraceOptions, trace, type TraceOptions } from './trace';

export interface SampleOptions extends Omit<TraceOptions, 'method'> {
  /** Rounds (fixed-flow traces) to run. */
  count?: number;
  /** Stop after this long, ms, whatever the count. */
  durationMs?: number;
  /** Pause between the start of one round and the next, ms. */
  intervalMs?: number;
}

export const SAMPLE_DEFAULTS = { count: 10, intervalMs: 1000, durationMs: 3_600_000 };

export interface SampleResult extends SampleAggregate {
  type: 'sample';
  target: string;
  dst: string;
  stopReason: 'count' | 'duration' | 'aborted';
  records: ProbeRecord[];
}

export type SampleRun = MeasurementRun<SampleResult>;

/**
 * Repeats a Paris trace with one fixed flow (seed 001's loop) and aggregates what each hop
 * answered. Records stream as they come; `abort()` ends it and keeps what was collected.
 */
export function sample(target: string, options: SampleOptions = {}): SampleRun {
  return startRun(async (emit, signal) => {
    const count = checkInt('count', options.count ?? SAMPLE_DEFAULTS.count, 1, 1_000_000);
    const intervalMs = checkNumber('intervalMs', options.intervalMs ?? SAMPLE_DEFAULTS.intervalMs, 0, 86_400_000);
    const durationMs = checkNumber('durationMs', options.durationMs ?? SAMPLE_DEFAULTS.durationMs, 1, 7 * 86_400_000);
    // Fix the flow once, so every round is the same 5-tuple.
    const t = await resolveTraceOptions(target, options);
    const { prober, owned } = proberFor(t, options);
    const records: ProbeRecord[] = [];
    const started = performance.now();
    let stopReason: SampleResult['stopReason'] = 'count';
    try {
      for (let round = 0; round < count; round++) {
        if (signal.aborted) {
          stopReason = 'aborted';
          break;
        }
        if (performance.now() - started >= durationMs) {
          stopReason = 'duration';
          break;
        }
        const roundStart = performance.now();
        const run = trace(t.dst, { ...options, method: 'paris', sport: t.sport, port: t.dport, src: t.src, run: t.run, round, prober, signal });
        for await (const r of run) {
          records.push(r);
          emit([r]);
        }
        if (round + 1 < count) {
          const wait = intervalMs - (performance.now() - roundStart);
          if (wait > 0) await sleep(wait, signal);
        }
      }
    } catch (err) {
      if (!signal.aborted) throw err;
      stopReason = 'aborted';
    } finally {
      if (owned) prober.close();
    }
    return { type: 'sample', target, dst: t.dst, stopReason, ...aggregateSamples(records), records };
  }, options.signal);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
