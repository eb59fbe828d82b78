// Time in the emulator: link delays, jitter and slow paths are real timers in the running
// emulator and virtual time in unit tests. A packet carries the emulated time it is at
// (`t`); each delay is added to that, and the timer is set for what remains of it, so
// timer lateness does not pile up along a path of many delayed links.

export interface Scheduler {
  /** Milliseconds on a monotonic clock. */
  now(): number;
  /** Runs `fn` at time `at` (ms, on now()'s clock); at once (synchronously) if that is not in the future. */
  at(at: number, fn: () => void): void;
}

/** Real timers (the running emulator). Pending timers are unref'd: they never keep the process alive alone. */
export class RealScheduler implements Scheduler {
  private pending = new Set<NodeJS.Timeout>();
  now(): number {
    return performance.now();
  }
  at(at: number, fn: () => void): void {
    const wait = at - performance.now();
    if (wait < 0.5) return fn();
    const timer = setTimeout(() => {
      this.pending.delete(timer);
      fn();
    }, wait);
    timer.unref();
    this.pending.add(timer);
  }
  /** Drops every pending packet (shutdown). */
  cancelAll(): void {
    for (const t of this.pending) clearTimeout(t);
    this.pending.clear();
  }
}

/** Virtual time for tests: nothing runs until `run()`, which runs events in time order. */
export class VirtualScheduler implements Scheduler {
  private time = 0;
  private seq = 0;
  private queue: { at: number; seq: number; fn: () => void }[] = [];
  now(): number {
    return this.time;
  }
  at(at: number, fn: () => void): void {
    if (at <= this.time) return fn();
    this.queue.push({ at, seq: this.seq++, fn });
  }
  /** Runs events up to `until` (default: until none are left); returns the time reached. */
  run(until = Infinity): number {
    for (;;) {
      this.queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.queue[0];
      if (!next || next.at > until) break;
      this.queue.shift();
      this.time = next.at;
      next.fn();
    }
    if (until !== Infinity) this.time = Math.max(this.time, until);
    return this.time;
  }
  /** Moves time on without events (e.g. to refill token buckets). */
  advance(ms: number): void {
    this.run(this.time + ms);
  }
}

/** One draw of a delay of `ms` with uniform jitter 0..jitterMs. */
export function jittered(ms: number, jitterMs: number, random: () => number): number {
  return ms + (jitterMs > 0 ? random() * jitterMs : 0);
}

