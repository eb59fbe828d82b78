import { setMaxListeners } from 'node:events';
import type { IpVersion, ProbeRecord } from '../record';
import type { ProbeSpec } from './spec';

export interface ProbeWaitOptions {
  /**
   * How long to wait for the reply; a function is re-read while waiting (adaptive timeouts).
   * A prober that cannot call it where the probe waits (an agent across a pipe) waits
   * there for an upper bound and expires the probe on the caller's side when the function
   * says so: either way the probe resolves unanswered, it does not reject.
   */
  timeoutMs?: number | (() => number);
  signal?: AbortSignal;
}

export interface ProberStats {
  sent: number;
  answered: number;
  timedOut: number;
  /** Packets that decoded but belonged to no probe in flight. */
  foreign: number;
  /** Replies to probes that had already timed out. */
  late: number;
  /** Second replies to an already answered probe. */
  duplicates: number;
  /** Packets that failed to decode. */
  malformed: number;
  sendErrors: number;
  /** Of `answered`: replies matched by IP-ID alone because a NAT had rewritten the quoted probe (absent from older agents). */
  rewritten?: number;
}

/**
 * The unit every probing method is written against: send probes, get their records.
 * Implemented in-process by Engine; a privileged agent implements the same interface.
 * Everything that crosses it is plain JSON data (ProbeSpec in, ProbeRecord and
 * ProberStats out) except the signal and a function timeout, which stay on the caller's
 * side. Contract: a record for every probe that was sent (answered or not); a rejection
 * only for an abort or a probe that could not be built or sent; replies matched by the
 * probe's identity only (see spec.ts keys; through a quote-rewriting NAT, its IP-ID), never by arrival order.
 */
export interface Prober {
  readonly ipVersion: IpVersion;
  /**
   * Resolves with the probe's record when it is answered or its wait runs out; rejects with
   * the signal's reason when aborted, or when the probe cannot be built or sent.
   */
  probe(spec: ProbeSpec, options?: ProbeWaitOptions): Promise<ProbeRecord>;
  /**
   * Optional: a whole batch in one call (an agent sends it as one request). Use the
   * `probeBatch` function, which falls back to `probe` per spec when this is absent.
   */
  probeBatch?(specs: readonly ProbeSpec[], options?: ProbeWaitOptions): AsyncIterable<ProbeRecord>;
  stats(): ProberStats;
  /** Ends every probe in flight (they resolve unanswered) and releases the sockets. */
  close(): void;
  /**
   * Optional, for probers whose sockets live elsewhere (an agent in another namespace or on
   * another host): the source address their host uses towards `dst`, and that host's own
   * addresses. Absent: this process's routes and addresses are the prober's.
   */
  sourceFor?(dst: string): Promise<string>;
  hostAddresses?(ipVersion: IpVersion): Promise<string[]>;
}

/**
 * Sends a batch of probes through a prober (rate cap and in-flight window are the
 * prober's) and yields each record as soon as it is complete, in completion order.
 * Aborting the signal, or leaving the loop early, drops the probes still queued or in
 * flight; an abort ends the iteration by throwing the signal's reason.
 */
export async function* probeBatch(prober: Prober, specs: readonly ProbeSpec[], options: ProbeWaitOptions = {}): AsyncGenerator<ProbeRecord> {
  const inner = new AbortController();
  setMaxListeners(0, inner.signal); // one listener per probe in flight
  const outer = options.signal;
  const onAbort = () => inner.abort(outer!.reason);
  if (outer?.aborted) throw outer.reason;
  outer?.addEventListener('abort', onAbort, { once: true });
  try {
    if (prober.probeBatch) {
      for await (const r of prober.probeBatch(specs, { ...options, signal: inner.signal })) yield r;
      return;
    }
    const settled: ({ ok: true; record: ProbeRecord } | { ok: false; error: unknown })[] = [];
    let wake: (() => void) | null = null;
    for (const spec of specs) {
      prober.probe(spec, { timeoutMs: options.timeoutMs, signal: inner.signal }).then(
        (record) => settled.push({ ok: true, record }),
        (error) => settled.push({ ok: false, error }),
      ).finally(() => {
        const w = wake;
        wake = null;
        w?.();
      });
    }
    for (let left = specs.length; left > 0; left--) {
      while (settled.length === 0) await new Promise<void>((r) => (wake = r));
      const s = settled.shift()!;
      if (!s.ok) throw inner.signal.aborted ? inner.signal.reason : s.error;
      yield s.record;
    }
  } finally {
    outer?.removeEventListener('abort', onAbort);
    inner.abort(new Error('probe batch ended'));
  }
}
