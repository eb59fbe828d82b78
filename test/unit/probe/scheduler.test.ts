// The trace scheduler (TTL window, stop rules, waits, abort) against a scripted path: a
// Prober that answers from a list of hops with given delays, so timing is exact. The real
// engine on the lab is in test/integration/trace-lab.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trace, type Prober, type ProberStats, type ProbeSpec, type ProbeWaitOptions } from '../../../lib/probe';
import { buildProbe } from '../../../lib/probe/codec';
import { makeRecord, type ProbeRecord, type ReplyKind } from '../../../lib/record';

interface Hop {
  addr: string;
  rttMs: number;
  kind?: ReplyKind;
}

/** Answers probe at TTL t from hops[t-1] (null: silent); the last hop is the destination. */
class ScriptedPath implements Prober {
  readonly ipVersion = 4 as const;
  inFlight = 0;
  maxInFlight = 0;
  sent: { ttl: number; at: number }[] = [];
  aborted = 0;
  private closed = false;

  constructor(private readonly hops: (Hop | null)[]) {}

  probe(spec: ProbeSpec, options: ProbeWaitOptions = {}): Promise<ProbeRecord> {
    if (this.closed) return Promise.reject(new Error('closed'));
    const fields = buildProbe(spec).fields;
    const t0 = performance.now();
    this.sent.push({ ttl: spec.ttl, at: t0 });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const hop = spec.ttl <= this.hops.length ? this.hops[spec.ttl - 1] : this.hops.at(-1)!;
    const last = spec.ttl >= this.hops.length;
    return new Promise((resolve, reject) => {
      const done = (r: ProbeRecord | null, err?: unknown) => {
        clearTimeout(answer);
        clearInterval(watch);
        options.signal?.removeEventListener('abort', onAbort);
        this.inFlight--;
        if (r) resolve(r);
        else reject(err);
      };
      const answer = hop
        ? setTimeout(() => done(makeRecord(fields, { addr: hop.addr, rttMs: hop.rttMs, kind: hop.kind ?? (last ? 'port-unreachable' : 'time-exceeded') })), hop.rttMs)
        : undefined;
      const limit = () => (typeof options.timeoutMs === 'function' ? options.timeoutMs() : options.timeoutMs ?? 3000);
      const watch = setInterval(() => {
        if (performance.now() - t0 >= limit()) done(makeRecord(fields));
      }, 2);
      const onAbort = () => {
        this.aborted++;
        done(null, options.signal!.reason);
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  stats(): ProberStats {
    return { sent: this.sent.length, answered: 0, timedOut: 0, foreign: 0, late: 0, duplicates: 0, malformed: 0, sendErrors: 0 };
  }

  close(): void {
    this.closed = true;
  }
}

const hop = (n: number, rttMs = 1): Hop => ({ addr: `198.18.${n}.1`, rttMs });
const DST = '198.18.5.1';
const opts = { src: '127.0.0.1', sport: 40000 };

test('scheduler: the TTL window is 16 probes like traceroute -N 16, and nothing beyond the destination is reported', async () => {
  const path = new ScriptedPath([hop(1), hop(2), hop(3), hop(4), hop(5)]);
  const run = trace(DST, { ...opts, prober: path, queries: 3 });
  const records: ProbeRecord[] = [];
  for await (const r of run) records.push(r);
  const s = await run.summary;
  assert.equal(s.stopReason, 'reached');
  assert.equal(s.lastTtl, 5);
  assert.deepEqual(records.map((r) => r.ttl), [1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5]);
  assert.ok(path.maxInFlight <= 15, `in flight ${path.maxInFlight}`);
  assert.equal(path.sent.filter((p) => p.ttl <= 5).length, 15);
  assert.equal(path.inFlight, 0, 'probes beyond the destination were called off');
});

test('scheduler: a black hole ends the trace after gapLimit silent TTLs, each waiting the full wait once', async () => {
  const path = new ScriptedPath([hop(1), hop(2), null, null, null, null, null, null, null, null]);
  const t0 = performance.now();
  const run = trace(DST, { ...opts, prober: path, queries: 2, waitMs: 150, gapLimit: 3, parallelTtls: 8 });
  const s = await run.summary;
  const ms = performance.now() - t0;
  assert.equal(s.stopReason, 'silent-hops');
  assert.equal(s.lastTtl, 5);
  assert.ok(ms >= 145 && ms < 400, `took ${ms} ms: silent TTLs wait -w (150 ms) in parallel, not one after another`);
  assert.deepEqual(run.records.filter((r) => r.ttl >= 3).map((r) => r.addr), Array(6).fill(null));
});

test('scheduler: a silent router among answering ones costs the short wait, not the full one', async () => {
  const path = new ScriptedPath([hop(1), null, hop(3), hop(5)]);
  const t0 = performance.now();
  const s = await trace(DST, { ...opts, prober: path, waitMs: 2000, minWaitMs: 60 }).summary;
  const ms = performance.now() - t0;
  assert.equal(s.stopReason, 'reached');
  assert.ok(ms >= 55 && ms < 600, `took ${ms} ms (hop 3 answered after 1 ms: hop 2 waits max(60, 10 x 1) ms)`);
});

test('scheduler: a slow router is waited for while nothing after it has answered', async () => {
  // Hop 2 answers after 400 ms, far beyond 10x the RTT of hop 1; nothing after it answers.
  const run = trace(DST, { ...opts, prober: new ScriptedPath([hop(1), hop(2, 400), null, null]), waitMs: 1000, minWaitMs: 50, gapLimit: 2, maxTtl: 4 });
  const records: ProbeRecord[] = [];
  for await (const r of run) records.push(r);
  assert.equal((await run.summary).stopReason, 'silent-hops');
  assert.deepEqual(records.filter((r) => r.ttl === 2).map((r) => r.addr), Array(3).fill('198.18.2.1'));
});

test('scheduler: an unreachable ends the trace there', async () => {
  const path = new ScriptedPath([hop(1), hop(2), { addr: '198.18.3.1', rttMs: 1, kind: 'unreachable' }, hop(4), hop(5)]);
  const run = trace(DST, { ...opts, prober: path });
  const s = await run.summary;
  assert.equal(s.stopReason, 'unreachable');
  assert.equal(s.lastTtl, 3);
  assert.ok(run.records.every((r) => r.ttl <= 3));
});

test('scheduler: abort() stops at once, calls off every probe in flight and sends no more', async () => {
  const path = new ScriptedPath([hop(1), null, null, null, null, null, null, null]);
  const run = trace(DST, { ...opts, prober: path, waitMs: 5000 });
  setTimeout(() => run.abort(), 50);
  const t0 = performance.now();
  const s = await run.summary;
  assert.equal(s.stopReason, 'aborted');
  assert.ok(performance.now() - t0 < 1000);
  const sentAtAbort = path.sent.length;
  assert.equal(path.inFlight, 0);
  assert.ok(path.aborted > 0);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(path.sent.length, sentAtAbort);
});

test('scheduler: a trace aborted before it starts (Ctrl-C while the target resolves) sends nothing', async () => {
  const path = new ScriptedPath([hop(1), hop(2), hop(5)]);
  const ac = new AbortController();
  ac.abort(new Error('interrupted'));
  const s = await trace(DST, { ...opts, prober: path, signal: ac.signal }).summary;
  assert.equal(s.stopReason, 'aborted');
  assert.equal(path.sent.length, 0);
  const late = new ScriptedPath([hop(1), hop(2), hop(5)]);
  const ac2 = new AbortController();
  const run = trace(DST, { ...opts, prober: late, signal: ac2.signal });
  ac2.abort(new Error('interrupted')); // before the first probe is sent (resolution is asynchronous)
  assert.equal((await run.summary).stopReason, 'aborted');
  assert.equal(late.sent.length, 0);
});
