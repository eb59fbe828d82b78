/**
 * Recording and replaying a notebook's probing calls (issue #9, sharing and replay).
 *
 *   const rec = hs.replay.recorder("01-first-trace");
 *   const run = rec.trace("first", TARGET, { queries: 3 });   // a TraceRun, live or replayed
 *
 * Every probing call gets a name. Live (the default), the call probes as `hs.probe.*` does and,
 * once it ends, its probe records, their grouping (a trace: one batch per hop) and its result
 * are written to `data/<notebook>.jsonl` beside the notebook (or `$HOPSCOPE_RECORD_DIR`).
 * With `HOPSCOPE_REPLAY=1` (or the kernel "TypeScript (hopscope, replay)", or
 * `{ mode: 'replay' }`) nothing is sent: each call hands back what was recorded under its
 * name, as the same kind of object (a MeasurementRun streams its recorded batches), so the
 * analysis, table and chart cells after it give the same results without root, raw sockets
 * or the lab. Replay is only ever chosen explicitly: a probe that fails live fails, and a
 * call with no recording, or recorded with another target or options, is an error.
 *
 * The file is hopscope JSON lines: each call is a `{"type":"call",…}` line, its probe records
 * one per line in the canonical form, then a `{"type":"end",…}` line with the batch sizes and
 * the result. `hopscope analyze data/01-first-trace.jsonl` and `io.fromJsonl` read the records.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import type { ProbeRecord, TraceSummary } from '../record';
import { recordProblem, toJsonl } from '../io/jsonl';
import * as probe from '../probe';

export type RecorderMode = 'record' | 'live' | 'replay';

export interface RecorderOptions {
  /** Where recordings live: default `$HOPSCOPE_RECORD_DIR`, else `data/` under the working directory (the notebook's). */
  dir?: string;
  /**
   * `record` (probe and save), `live` (probe, save nothing), `replay` (send nothing, read the
   * recording). Default: `replay` when `HOPSCOPE_REPLAY` is 1/true/yes, `live` when
   * `HOPSCOPE_RECORD` is 0/false/no, else `record`.
   */
  mode?: RecorderMode;
}

/** A call that cannot be replayed (no recording, another target or options), or a bad recording. */
export class ReplayError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReplayError';
  }
}

const FORMAT = 1;

/** One recorded call. */
export interface RecordedCall {
  call: string;
  kind: string;
  /** Target and options (or arguments) the call was made with, as JSON. */
  args: unknown[];
  recordedAt: string;
  records: ProbeRecord[];
  /** Sizes of the batches the records came in (sum = records.length). */
  batches: number[];
  /** The result (JSON); a `records` field equal to the call's records is stored as "$records". */
  result?: unknown;
  /** The trace's resolved settings (trace calls). */
  settings?: unknown;
  /** The call failed with this message. */
  error?: string;
}

function envFlag(name: string): boolean | null {
  const v = process.env[name];
  if (v === undefined || v === '') return null;
  if (/^(1|true|yes|on)$/i.test(v)) return true;
  if (/^(0|false|no|off)$/i.test(v)) return false;
  throw new ReplayError(`${name}=${JSON.stringify(v)}: expected 1 or 0`);
}

/** The mode a recorder takes without `options.mode` (from HOPSCOPE_REPLAY / HOPSCOPE_RECORD). */
export function defaultMode(): RecorderMode {
  if (envFlag('HOPSCOPE_REPLAY')) return 'replay';
  if (envFlag('HOPSCOPE_RECORD') === false) return 'live';
  return 'record';
}

/** True when HOPSCOPE_REPLAY asks for replay (the kernel's privilege check says so). */
export function replayRequested(): boolean {
  try {
    return envFlag('HOPSCOPE_REPLAY') === true;
  } catch {
    return false;
  }
}

/**
 * JSON form of a value: no abort signals or functions, fields in their order (a table shows
 * its columns in that order); `sorted` also sorts the keys, for comparing options.
 */
function plain(x: unknown, sorted = false): unknown {
  if (x === undefined || typeof x === 'function' || (typeof AbortSignal !== 'undefined' && x instanceof AbortSignal)) return undefined;
  if (Array.isArray(x)) return x.map((v) => plain(v, sorted) ?? null);
  if (x !== null && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    const keys = Object.keys(x);
    for (const k of sorted ? keys.sort() : keys) {
      const v = plain((x as Record<string, unknown>)[k], sorted);
      if (v !== undefined) out[k] = v;
    }
    return out;
  }
  return x;
}

const same = (a: unknown, b: unknown) => JSON.stringify(plain(a, true)) === JSON.stringify(plain(b, true));

/** Parses a recording (the text of a `.jsonl` file). */
export function parseRecording(text: string, file = 'recording'): Map<string, RecordedCall> {
  const calls = new Map<string, RecordedCall>();
  let open: RecordedCall | null = null;
  const bad = (line: number, why: string) => new ReplayError(`${file}:${line}: ${why}`);
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(line) as Record<string, unknown>;
    } catch (err) {
      throw bad(i + 1, `not JSON: ${(err as Error).message}`);
    }
    if (v.type === 'call') {
      if (open) throw bad(i + 1, `call ${JSON.stringify(open.call)} has no end line`);
      if (v.format !== FORMAT) throw bad(i + 1, `recording format ${JSON.stringify(v.format)}, this hopscope reads ${FORMAT}`);
      if (typeof v.call !== 'string' || typeof v.kind !== 'string' || !Array.isArray(v.args)) throw bad(i + 1, 'a call line needs call, kind and args');
      open = { call: v.call, kind: v.kind, args: v.args, recordedAt: String(v.recordedAt ?? ''), records: [], batches: [] };
    } else if (v.type === 'end') {
      if (!open) throw bad(i + 1, 'an end line without its call line');
      const batches = v.batches;
      if (!Array.isArray(batches) || batches.some((n) => !Number.isInteger(n) || (n as number) < 1)) throw bad(i + 1, 'batches must be positive integers');
      const sum = (batches as number[]).reduce((a, b) => a + b, 0);
      if (sum !== open.records.length) throw bad(i + 1, `batches add up to ${sum}, the call has ${open.records.length} records`);
      open.batches = batches as number[];
      if ('result' in v) open.result = v.result;
      if ('settings' in v) open.settings = v.settings;
      if (typeof v.error === 'string') open.error = v.error;
      calls.set(open.call, open);
      open = null;
    } else {
      if (!open) throw bad(i + 1, 'a probe record outside a call');
      const problem = recordProblem(v);
      if (problem) throw bad(i + 1, `not a probe record: ${problem}`);
      open.records.push(v as unknown as ProbeRecord);
    }
  });
  if (open) throw new ReplayError(`${file}: call ${JSON.stringify((open as RecordedCall).call)} has no end line (a truncated recording?)`);
  return calls;
}

/** Writes recorded calls in the recording format. */
export function formatRecording(calls: Iterable<RecordedCall>): string {
  let out = '';
  for (const c of calls) {
    out += JSON.stringify({ type: 'call', format: FORMAT, call: c.call, kind: c.kind, args: c.args, recordedAt: c.recordedAt }) + '\n';
    out += toJsonl(c.records);
    const end: Record<string, unknown> = { type: 'end', call: c.call, batches: c.batches };
    if (c.settings !== undefined) end.settings = c.settings;
    if (c.result !== undefined) end.result = c.result;
    if (c.error !== undefined) end.error = c.error;
    out += JSON.stringify(end) + '\n';
  }
  return out;
}

/** A result's `records` that are the call's own records are stored once, as "$records". */
function packResult(result: unknown, records: readonly ProbeRecord[]): unknown {
  if (result === null || typeof result !== 'object' || !('records' in result)) return plain(result);
  const rs = (result as { records: unknown }).records;
  if (Array.isArray(rs) && rs.length === records.length && rs.every((r, i) => r === records[i] || same(r, records[i]))) {
    return plain({ ...(result as object), records: '$records' });
  }
  return plain(result);
}

function unpackResult<T>(result: unknown, records: ProbeRecord[]): T {
  if (result !== null && typeof result === 'object' && (result as { records?: unknown }).records === '$records') {
    return { ...(result as object), records: records.slice() } as T;
  }
  return result as T;
}

const NAME = /^[A-Za-z0-9][\w.-]{0,99}$/;
const CALL = /^[A-Za-z0-9][\w.#/-]{0,99}$/;

/** The probing functions of `hs.probe`, each with a call name first: recorded, or replayed. */
export class Recorder {
  readonly name: string;
  readonly mode: RecorderMode;
  /** The recording's path. */
  readonly file: string;
  private readonly calls: Map<string, RecordedCall>;
  private readonly used = new Set<string>();

  constructor(name: string, options: RecorderOptions = {}) {
    if (typeof name !== 'string' || !NAME.test(name)) throw new ReplayError(`recorder name ${JSON.stringify(name)}: use letters, digits, '.', '_' or '-' (e.g. the notebook's file name)`);
    this.name = name;
    this.mode = options.mode ?? defaultMode();
    if (!['record', 'live', 'replay'].includes(this.mode)) throw new ReplayError(`mode ${JSON.stringify(this.mode)}: record, live or replay`);
    this.file = resolve(options.dir ?? (process.env.HOPSCOPE_RECORD_DIR || 'data'), `${name}.jsonl`);
    if (this.mode === 'replay' && !existsSync(this.file)) {
      throw new ReplayError(`replay: there is no recording ${this.file}; run the notebook once where probing works (as root against the lab) to record it, or point HOPSCOPE_RECORD_DIR at the recordings`);
    }
    this.calls = this.mode !== 'live' && existsSync(this.file) ? parseRecording(readFileSync(this.file, 'utf8'), this.file) : new Map();
  }

  get replaying(): boolean {
    return this.mode === 'replay';
  }

  /** One line saying what this recorder does (for a notebook's first cell). */
  describe(): string {
    const rel = relative(process.cwd(), this.file);
    const file = rel.startsWith('..') ? this.file : rel;
    if (this.mode === 'replay') {
      const when = [...this.calls.values()].map((c) => c.recordedAt).sort().pop();
      return `replay: the probing calls read ${file} (${this.calls.size} calls${when ? `, recorded ${when}` : ''}); nothing is sent`;
    }
    return this.mode === 'record' ? `live: probing, every call recorded to ${file}` : 'live: probing, nothing recorded';
  }

  /** Names of the calls in the recording. */
  recordedCalls(): string[] {
    return [...this.calls.keys()];
  }

  /** The recorded call (replay, or after a live call ended). */
  recorded(call: string): RecordedCall | undefined {
    return this.calls.get(call);
  }

  /** Enters the network namespace live (probe.enterNetns); in replay nothing is entered (no root needed). */
  enterNetns(name: string): void {
    if (this.mode !== 'replay') probe.enterNetns(name);
  }

  trace(call: string, target: string, options: probe.TraceOptions = {}): probe.TraceRun {
    const args = [target, options];
    if (this.mode === 'replay') {
      const c = this.take(call, 'trace', args);
      const run = this.replayRun<TraceSummary>(c);
      const settings = c.settings !== undefined ? Promise.resolve(c.settings as probe.ResolvedTrace) : run.result.then(() => Promise.reject(new ReplayError(`call ${JSON.stringify(call)}: its settings were not recorded`)));
      settings.catch(() => {});
      return Object.assign(run, { summary: run.result, settings });
    }
    const run = probe.trace(target, options);
    let settings: unknown;
    run.settings.then((s) => (settings = s), () => {});
    this.capture(call, 'trace', args, run, () => settings);
    return run;
  }

  mda(call: string, target: string, options: probe.MdaOptions = {}): probe.MdaRun {
    return this.measurement(call, 'mda', [target, options], () => probe.mda(target, options));
  }

  sample(call: string, target: string, options: probe.SampleOptions = {}): probe.SampleRun {
    return this.measurement(call, 'sample', [target, options], () => probe.sample(target, options));
  }

  path(call: string, target: string, options: probe.PathOptions = {}): probe.PathRun {
    return this.measurement(call, 'path', [target, options], () => probe.path(target, options));
  }

  rateTest(call: string, target: string, options: probe.RateTestOptions): Promise<probe.RateTestResult> {
    return this.value(call, 'rateTest', [target, options], () => probe.rateTest(target, options), (r) => r.records);
  }

  /** An in-session tracing connection whose every call (send, watch, trace, …) is recorded as `call.method#n`. */
  async openSession(call: string, target: string, port: number, options: probe.SessionOptions = {}): Promise<RecordedSession> {
    let live: probe.Session | null = null;
    const info = await this.value(call, 'openSession', [target, port, options], async () => {
      const s = await probe.openSession(target, port, options);
      live = s;
      return { dst: s.dst, port: s.port, src: s.src, sport: s.sport, clientIsn: s.clientIsn, serverIsn: s.serverIsn };
    });
    return new RecordedSession(this, call, info, live);
  }

  // ---- internals ----

  /** The recorded call to replay, checked against how it is called now. */
  private take(call: string, kind: string, args: unknown[]): RecordedCall {
    const c = this.calls.get(call);
    if (!c) {
      const known = this.recordedCalls();
      throw new ReplayError(`replay: no call ${JSON.stringify(call)} in ${this.file} (${known.length ? `it has ${known.map((k) => JSON.stringify(k)).join(', ')}` : 'it is empty'}); run the notebook live to record it`);
    }
    if (c.kind !== kind || !same(c.args, args)) {
      throw new ReplayError(`replay: call ${JSON.stringify(call)} was recorded as ${c.kind}(${JSON.stringify(c.args).slice(1, -1)}), now it is ${kind}(${JSON.stringify(plain(args)).slice(1, -1)}); run it live to record it again`);
    }
    this.used.add(call);
    return c;
  }

  private replayRun<T>(c: RecordedCall): probe.MeasurementRun<T> {
    return probe.startRun<T>(async (emit) => {
      let at = 0;
      for (const n of c.batches) {
        emit(c.records.slice(at, at + n));
        at += n;
        await new Promise((r) => setImmediate(r)); // a live display sees the batches arrive one by one
      }
      if (c.error !== undefined) throw new ReplayError(`replayed call ${JSON.stringify(c.call)} failed when it was recorded: ${c.error}`);
      return unpackResult<T>(c.result, c.records.slice());
    });
  }

  private measurement<T>(call: string, kind: string, args: unknown[], start: () => probe.MeasurementRun<T>): probe.MeasurementRun<T> {
    if (this.mode === 'replay') return this.replayRun<T>(this.take(call, kind, args));
    const run = start();
    this.capture(call, kind, args, run);
    return run;
  }

  /** Saves a live run once it ends (before the caller's own `await` of its result resumes). */
  private capture<T>(call: string, kind: string, args: unknown[], run: probe.MeasurementRun<T>, settings?: () => unknown): void {
    this.checkCall(call);
    const batches: number[] = [];
    const reader = (async () => {
      for await (const b of run.batches()) batches.push(b.length);
    })();
    reader.catch(() => {});
    const save = (result: unknown, error?: string) => {
      const records = run.records.slice();
      const counted = batches.reduce((a, b) => a + b, 0);
      // Batches the reader has not seen yet (the result settles first) make one last batch.
      const sizes = counted === records.length ? batches.slice() : counted < records.length ? [...batches, records.length - counted] : [records.length];
      this.store({ call, kind, args: plain(args) as unknown[], recordedAt: new Date().toISOString(), records, batches: sizes.filter((n) => n > 0), result: error === undefined ? packResult(result, records) : undefined, settings: plain(settings?.()), error });
    };
    run.result.then((r) => save(r), (err: unknown) => save(undefined, (err as Error)?.message ?? String(err)));
  }

  /** A call that returns a value (no record stream): recorded with the records `recordsOf` finds in it. */
  async value<T>(call: string, kind: string, args: unknown[], live: () => Promise<T>, recordsOf: (v: T) => readonly ProbeRecord[] = () => []): Promise<T> {
    if (this.mode === 'replay') {
      const c = this.take(call, kind, args);
      if (c.error !== undefined) throw new ReplayError(`replayed call ${JSON.stringify(call)} failed when it was recorded: ${c.error}`);
      return unpackResult<T>(c.result, c.records.slice());
    }
    this.checkCall(call);
    const base = { call, kind, args: plain(args) as unknown[], recordedAt: new Date().toISOString() };
    let v: T;
    try {
      v = await live();
    } catch (err) {
      this.store({ ...base, records: [], batches: [], error: (err as Error)?.message ?? String(err) });
      throw err;
    }
    const records = recordsOf(v).slice();
    this.store({ ...base, records, batches: records.length ? [records.length] : [], result: packResult(v, records) });
    return v;
  }

  private checkCall(call: string): void {
    if (typeof call !== 'string' || !CALL.test(call)) throw new ReplayError(`call name ${JSON.stringify(call)}: give each probing call a short name (letters, digits, '.', '_', '-', '#', '/')`);
  }

  private store(c: RecordedCall): void {
    this.calls.set(c.call, c);
    if (this.mode !== 'record') return;
    mkdirSync(dirname(this.file), { recursive: true });
    const tmp = `${this.file}.${process.pid}.tmp`;
    writeFileSync(tmp, formatRecording(this.calls.values()));
    renameSync(tmp, this.file);
  }
}

export interface SessionInfo {
  dst: string;
  port: number;
  src: string;
  sport: number;
  clientIsn: number;
  serverIsn: number;
}

/**
 * `probe.Session`'s notebook methods, recorded or replayed: each call is saved as
 * `<session call>.<method>#<n>` (the n-th call of that method), so cells re-run in the same
 * order replay the same answers.
 */
export class RecordedSession implements SessionInfo {
  readonly dst: string;
  readonly port: number;
  readonly src: string;
  readonly sport: number;
  readonly clientIsn: number;
  readonly serverIsn: number;
  /** The last in-session trace's result. */
  lastTrace: probe.SessionTraceResult | null = null;
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly rec: Recorder,
    readonly call: string,
    info: SessionInfo,
    /** The live session (null in replay). */
    readonly session: probe.Session | null,
  ) {
    ({ dst: this.dst, port: this.port, src: this.src, sport: this.sport, clientIsn: this.clientIsn, serverIsn: this.serverIsn } = info);
  }

  private key(method: string): string {
    const n = (this.counts.get(method) ?? 0) + 1;
    this.counts.set(method, n);
    return `${this.call}.${method}#${n}`;
  }

  private live(): probe.Session {
    if (!this.session) throw new ReplayError('replay: no live session');
    return this.session;
  }

  /** Writes n bytes through the connection. */
  send(n = 1): Promise<void> {
    return this.rec.value(this.key('send'), 'session.send', [n], async () => {
      await this.live().send(n);
      return null;
    }) as Promise<unknown> as Promise<void>;
  }

  /** Waits up to timeoutMs for retransmissions; their count, or null when the data was acknowledged. */
  watch(timeoutMs = 10_000): Promise<number | null> {
    return this.rec.value(this.key('watch'), 'session.watch', [timeoutMs], () => this.live().watch(timeoutMs));
  }

  /** The kernel's retransmission counters for this connection. */
  retransmissions(): Promise<{ current: number; total: number } | null> {
    return this.rec.value(this.key('retransmissions'), 'session.retransmissions', [], async () => this.live().retransmissions());
  }

  /** Traces inside the session (see probe.Session.trace). */
  async trace(options: probe.SessionTraceOptions = {}): Promise<probe.SessionTraceResult> {
    const r = await this.rec.value(this.key('trace'), 'session.trace', [options], () => this.live().trace(options), (v) => v.records);
    this.lastTrace = r;
    return r;
  }

  /** Closes the connection (nothing to do in replay). */
  close(): void {
    this.session?.close();
  }
}

/** A recorder for the notebook `name` (see the module's documentation). */
export function recorder(name: string, options: RecorderOptions = {}): Recorder {
  return new Recorder(name, options);
}

/** Reads a recording file: every call with its records and result. */
export function readRecording(file: string): RecordedCall[] {
  return [...parseRecording(readFileSync(file, 'utf8'), file).values()];
}
