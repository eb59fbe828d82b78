import type { ProbeRecord } from '../record';
import { registerInterruptible } from './interrupt';

/** A running measurement: iterate it for records as they come; `result` resolves at the end. */
export interface MeasurementRun<T> extends AsyncIterable<ProbeRecord> {
  readonly result: Promise<T>;
  /** Every record so far (also after an abort or a failure). */
  readonly records: readonly ProbeRecord[];
  /**
   * The records in the groups the measurement completes them in (a trace: one hop per
   * group), each as soon as it is complete: for printing a hop the moment it is known.
   */
  batches(): AsyncIterable<readonly ProbeRecord[]>;
  abort(): void;
}

/**
 * Runs `body`, which hands out records through `emit`, as a MeasurementRun. Every iterator
 * (records or batches; several may run) sees everything from the start. Iteration ends when
 * the body does, rethrowing its failure; an outer signal or `abort()` stops it, and so does
 * leaving a `for await` loop early (break, return, throw): the measurement is aborted, its
 * sockets are closed, and `result` still resolves with what was collected.
 */
export function startRun<T>(
  body: (emit: (records: ProbeRecord[]) => void, signal: AbortSignal) => Promise<T>,
  outer?: AbortSignal,
): MeasurementRun<T> {
  const records: ProbeRecord[] = [];
  const batches: ProbeRecord[][] = [];
  const controller = new AbortController();
  const onOuterAbort = () => controller.abort(outer!.reason);
  if (outer) {
    if (outer.aborted) controller.abort(outer.reason);
    else outer.addEventListener('abort', onOuterAbort, { once: true });
  }
  const waiting = new Set<() => void>();
  let done = false;
  let failure: unknown = null;
  const notify = () => {
    for (const w of [...waiting]) w();
    waiting.clear();
  };
  const release = registerInterruptible(controller);
  const result = (async () => {
    try {
      return await body((batch) => {
        if (batch.length === 0) return;
        records.push(...batch);
        batches.push(batch);
        notify();
      }, controller.signal);
    } catch (err) {
      failure = err;
      throw err;
    } finally {
      release();
      // A long-lived outer signal (a sampling loop's, over thousands of rounds) keeps no listener per run.
      outer?.removeEventListener('abort', onOuterAbort);
      done = true;
      notify();
    }
  })();
  result.catch(() => {}); // surfaced through iteration or by awaiting result

  async function* follow<X>(list: readonly X[]): AsyncGenerator<X> {
    let next = 0;
    let finished = false;
    try {
      for (;;) {
        if (next < list.length) {
          yield list[next++];
          continue;
        }
        if (done) {
          finished = true;
          if (failure) throw failure;
          return;
        }
        await new Promise<void>((r) => waiting.add(r));
      }
    } finally {
      // The reader left the loop before the end: nobody reads on, stop probing.
      if (!finished && !done) controller.abort(new Error('measurement abandoned by its reader'));
    }
  }

  return {
    result,
    records,
    batches: () => ({ [Symbol.asyncIterator]: () => follow(batches) }),
    abort: () => controller.abort(new Error('measurement aborted')),
    [Symbol.asyncIterator]: () => follow(records),
  };
}
