import type { ProbeRecord } from '../record';

/** A running measurement: iterate it for records as they come; `result` resolves at the end. */
export interface MeasurementRun<T> extends AsyncIterable<ProbeRecord> {
  readonly result: Promise<T>;
  /** Every record so far (also after an abort or a failure). */
  readonly records: readonly ProbeRecord[];
  abort(): void;
}

/**
 * Runs `body`, which hands out records through `emit`, as a MeasurementRun. Iteration ends
 * when the body does, rethrowing its failure; an outer signal or `abort()` stops it.
 */
export function startRun<T>(
  body: (emit: (records: ProbeRecord[]) => void, signal: AbortSignal) => Promise<T>,
  outer?: AbortSignal,
): MeasurementRun<T> {
  const records: ProbeRecord[] = [];
  const controller = new AbortController();
  if (outer) {
    if (outer.aborted) controller.abort(outer.reason);
    else outer.addEventListener('abort', () => controller.abort(outer.reason), { once: true });
  }
  const queue: ProbeRecord[] = [];
  let wake: (() => void) | null = null;
  let done = false;
  let failure: unknown = null;
  const notify = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const result = (async () => {
    try {
      return await body((batch) => {
        records.push(...batch);
        queue.push(...batch);
        notify();
      }, controller.signal);
    } catch (err) {
      failure = err;
      throw err;
    } finally {
      done = true;
      notify();
    }
  })();
  result.catch(() => {}); // surfaced through iteration or by awaiting result
  return {
    result,
    records,
    abort: () => controller.abort(new Error('measurement aborted')),
    async *[Symbol.asyncIterator]() {
      for (;;) {
        if (queue.length > 0) {
          yield queue.shift()!;
          continue;
        }
        if (done) {
          if (failure) throw failure;
          return;
        }
        await new Promise<void>((r) => (wake = r));
      }
    },
  };
}
