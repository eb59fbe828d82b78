import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import type { IpVersion, MultipathResult, ProbeRecord, TraceSummary } from '../record';
import {
  startRun, type MdaOptions, type MdaRun, type PathOptions, type PathRun, type Prober, type ProberStats,
  type ProbeSpec, type ProbeWaitOptions, type ResolvedTrace, type SampleOptions, type SampleRun, type TraceOptions, type TraceRun,
  type PathResult, type SampleResult,
} from '../probe';
import {
  AgentError, LineSplitter, PROTOCOL_VERSION, parseAgentAddress, type AgentMessage, type ErrorCode, type HelloReply, type MethodRun,
} from './protocol';
import { RemoteSession } from './remote-session';

export interface AgentConnectOptions {
  /** Presented in the hello; required by TCP agents. */
  token?: string;
  /** The IP version `probe` serves as a Prober (the agent itself serves both). Default 4. */
  ipVersion?: IpVersion;
  /** Connect and hello must complete within this, ms. Default 5000. */
  timeoutMs?: number;
  /** For 'stdio': the command that starts the agent (default: this hopscope's `agent --listen stdio`). */
  command?: readonly string[];
  /** Longest wait after a cancel for the agent's last word before the call rejects anyway, ms. Default 10000. */
  cancelGraceMs?: number;
}

interface Pending {
  onRecord?: (r: ProbeRecord) => void;
  onRecords?: (rs: ProbeRecord[]) => void;
  onProgress?: (m: Record<string, unknown>) => void;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/** How to run this hopscope's CLI as a child (compiled, or from the sources under tsx). */
function defaultAgentCommand(): string[] {
  const ts = __filename.endsWith('.ts');
  const main = join(__dirname, '..', 'cli', ts ? 'main.ts' : 'main.js');
  return [process.execPath, ...(ts ? ['--import', 'tsx'] : []), main, 'agent', '--listen', 'stdio'];
}

const EMPTY_STATS: ProberStats = { sent: 0, answered: 0, timedOut: 0, foreign: 0, late: 0, duplicates: 0, malformed: 0, sendErrors: 0 };
const TIMEOUT_POLL_MS = 20;

/**
 * A connection to a hopscope agent, usable wherever a Prober is (trace, mda, path, sample
 * take `prober: agent`), and able to run whole measurements inside the agent (`agent.trace`
 * …), which is what a caller in another network namespace or host needs: the agent picks
 * the source address from its own routes. A disconnect or an agent crash rejects every
 * running call with an AgentError('disconnected').
 */
export class AgentProber implements Prober {
  readonly ipVersion: IpVersion;
  private readonly pending = new Map<string, Pending>();
  private readonly timeoutFns = new Map<string, { fn: () => number; last: number }>();
  private timeoutPoll: NodeJS.Timeout | null = null;
  private nextId = 1;
  /** Requests sent and not yet settled, and those waiting for a free slot. */
  private readonly started = new Set<string>();
  private waiting: { id: string; start: () => void }[] = [];
  private lastStats: ProberStats = { ...EMPTY_STATS };
  private closedReason: string | null = null;
  private helloWaiter: { resolve: (h: HelloReply) => void; reject: (e: unknown) => void } | null = null;
  info: HelloReply | null = null;
  /** Lines from the agent that did not parse (counted and skipped). */
  malformed = 0;

  private constructor(
    readonly address: string,
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly options: AgentConnectOptions,
    private readonly child: ChildProcess | null,
  ) {
    this.ipVersion = options.ipVersion ?? 4;
    const splitter = new LineSplitter(64 << 20, (l) => this.onLine(l), () => this.malformed++);
    input.on('data', (c: Buffer) => splitter.push(c));
    const lost = (why: string) => this.lost(why);
    input.on('close', () => lost('the connection closed'));
    input.on('end', () => lost('the connection closed'));
    input.on('error', (e) => lost(e.message));
    output.on('error', (e) => lost(e.message));
    child?.on('exit', (code, signal) => lost(signal ? `the agent was killed by ${signal}` : `the agent exited with status ${code}`));
    child?.on('error', (e) => lost(`the agent could not be started: ${e.message}`));
  }

  /** Connects to 'unix:/path', 'tcp://host:port' or 'stdio' (spawns an agent) and says hello. */
  static async connect(address: string, options: AgentConnectOptions = {}): Promise<AgentProber> {
    const a = parseAgentAddress(address);
    const timeoutMs = options.timeoutMs ?? 5000;
    let agent: AgentProber;
    if (a.kind === 'stdio') {
      const [cmd, ...args] = options.command ?? defaultAgentCommand();
      const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] });
      agent = new AgentProber(address, child.stdout!, child.stdin!, options, child);
    } else {
      const socket = a.kind === 'unix' ? net.connect(a.path) : net.connect(a.port, a.host);
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => {
          socket.destroy();
          reject(new AgentError('disconnected', `agent ${address}: no connection within ${timeoutMs} ms`));
        }, timeoutMs);
        socket.once('connect', () => {
          clearTimeout(t);
          resolve();
        });
        socket.once('error', (e) => {
          clearTimeout(t);
          reject(new AgentError('disconnected', `agent ${address}: cannot connect: ${e.message}`));
        });
      });
      socket.setNoDelay?.(true);
      agent = new AgentProber(address, socket, socket, options, null);
    }
    try {
      await agent.sayHello(timeoutMs);
    } catch (err) {
      agent.close();
      throw err;
    }
    return agent;
  }

  private sayHello(timeoutMs: number): Promise<HelloReply> {
    return new Promise<HelloReply>((resolve, reject) => {
      const t = setTimeout(() => reject(new AgentError('disconnected', `agent ${this.address}: no hello within ${timeoutMs} ms`)), timeoutMs);
      this.helloWaiter = {
        resolve: (h) => {
          clearTimeout(t);
          this.info = h;
          resolve(h);
        },
        reject: (e) => {
          clearTimeout(t);
          reject(e);
        },
      };
      this.write({ type: 'hello', versions: [PROTOCOL_VERSION], ...(this.options.token !== undefined ? { token: this.options.token } : {}) });
    });
  }

  private write(m: object): void {
    if (this.closedReason) return;
    this.output.write(JSON.stringify(m) + '\n');
  }

  private onLine(text: string): void {
    let m: AgentMessage;
    try {
      m = JSON.parse(text);
    } catch {
      this.malformed++;
      return;
    }
    if (m.type === 'hello') {
      this.helloWaiter?.resolve(m);
      this.helloWaiter = null;
      return;
    }
    if (m.type === 'pong') return;
    if (m.type === 'error' && m.id === null) {
      // About the connection: refused hello, oversize line, shutdown.
      const err = new AgentError(m.code, `agent ${this.address}: ${m.message}`);
      if (this.helloWaiter) {
        this.helloWaiter.reject(err);
        this.helloWaiter = null;
      }
      if (m.code === 'unauthorized' || m.code === 'unsupported-version' || m.code === 'failed') this.lost(m.message, m.code);
      return;
    }
    const p = 'id' in m && typeof m.id === 'string' ? this.pending.get(m.id) : undefined;
    if (!p) return; // a request already given up (cancelled)
    switch (m.type) {
      case 'record':
        p.onRecord?.(m.record as ProbeRecord);
        return;
      case 'records':
        p.onRecords?.(m.records as ProbeRecord[]);
        return;
      case 'progress':
        p.onProgress?.(m);
        return;
      case 'result':
        if (m.stats) this.lastStats = m.stats as ProberStats;
        this.settle(m.id);
        p.resolve(m.result);
        return;
      case 'error':
        this.settle(m.id!);
        p.reject(new AgentError(m.code, `agent ${this.address}: ${m.message}`));
        return;
    }
  }

  private settle(id: string): void {
    this.pending.delete(id);
    this.timeoutFns.delete(id);
    if (this.started.delete(id)) {
      const next = this.waiting.shift();
      next?.start();
    } else this.waiting = this.waiting.filter((w) => w.id !== id);
  }

  /** The connection is gone: every running call rejects. */
  private lost(why: string, code: ErrorCode | 'disconnected' = 'disconnected'): void {
    if (this.closedReason) return;
    this.closedReason = why;
    const err = new AgentError(code, `agent ${this.address}: ${why}`);
    this.helloWaiter?.reject(err);
    this.helloWaiter = null;
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
    this.timeoutFns.clear();
    this.started.clear();
    this.waiting = [];
    if (this.timeoutPoll) clearInterval(this.timeoutPoll);
    this.timeoutPoll = null;
    this.input.destroy();
    this.output.destroy();
  }

  /**
   * One request: resolves with its result, rejects with its error. `cancel()` asks the agent
   * to stop; the call still settles with what the agent says, or rejects after cancelGraceMs.
   */
  request<T>(method: string, params: object, handlers: Omit<Pending, 'resolve' | 'reject'> = {}, timeout?: number | (() => number)): { id: string; result: Promise<T>; cancel: () => void } {
    const id = String(this.nextId++);
    let cancel = () => {};
    const result = new Promise<T>((resolve, reject) => {
      if (this.closedReason) {
        reject(new AgentError('disconnected', `agent ${this.address}: ${this.closedReason}`));
        return;
      }
      this.pending.set(id, { ...handlers, resolve: resolve as (v: unknown) => void, reject });
      const start = () => {
        this.started.add(id);
        const timeoutMs = typeof timeout === 'function' ? timeout() : timeout;
        this.write({ type: 'request', id, method, params: timeoutMs === undefined ? params : { ...params, timeoutMs } });
        if (typeof timeout === 'function') this.watchTimeout(id, timeout, timeoutMs!);
      };
      // The agent runs at most maxRequests at once per connection: the rest wait here, in order.
      if (this.started.size < (this.info?.limits.maxRequests ?? 1)) start();
      else this.waiting.push({ id, start });
      cancel = () => {
        if (!this.pending.has(id)) return;
        if (!this.started.has(id)) {
          this.settle(id);
          reject(new AgentError('cancelled', `agent ${this.address}: request ${id} cancelled before it was sent`));
          return;
        }
        this.write({ type: 'cancel', id });
        const grace = this.options.cancelGraceMs ?? 10_000;
        setTimeout(() => {
          if (!this.pending.has(id)) return;
          this.settle(id);
          reject(new AgentError('cancelled', `agent ${this.address}: no answer within ${grace} ms of cancelling request ${id}`));
        }, grace).unref();
      };
    });
    return { id, result, cancel: () => cancel() };
  }

  /** Function timeouts stay here: their new values are sent as they change. */
  private watchTimeout(id: string, fn: () => number, first: number): void {
    this.timeoutFns.set(id, { fn, last: first });
    this.timeoutPoll ??= setInterval(() => {
      for (const [tid, t] of this.timeoutFns) {
        const v = t.fn();
        if (v !== t.last && Number.isFinite(v) && v > 0) {
          t.last = v;
          this.write({ type: 'timeout', id: tid, timeoutMs: v });
        }
      }
      if (this.timeoutFns.size === 0 && this.timeoutPoll) {
        clearInterval(this.timeoutPoll);
        this.timeoutPoll = null;
      }
    }, TIMEOUT_POLL_MS);
    this.timeoutPoll.unref?.();
  }

  probe(spec: ProbeSpec, options: ProbeWaitOptions = {}): Promise<ProbeRecord> {
    if (spec.ipVersion !== this.ipVersion) {
      return Promise.reject(new Error(`this prober sends IPv${this.ipVersion}, the probe is IPv${spec.ipVersion}`));
    }
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(signal.reason);
    const req = this.request<ProbeRecord>('probe', { spec }, {}, options.timeoutMs);
    if (!signal) return req.result;
    return new Promise<ProbeRecord>((resolve, reject) => {
      const onAbort = () => {
        req.cancel();
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      req.result.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** Sent in requests the agent accepts: at most maxBatch probes, and lines under maxLineBytes. */
  async *probeBatch(specs: readonly ProbeSpec[], options: ProbeWaitOptions = {}): AsyncIterable<ProbeRecord> {
    const max = this.info?.limits.maxBatch ?? 10_000;
    // Room for the request's own fields around the specs.
    const maxBytes = (this.info?.limits.maxLineBytes ?? 1 << 20) - 1024;
    let chunk: ProbeSpec[] = [];
    let bytes = 0;
    for (const spec of specs) {
      const size = Buffer.byteLength(JSON.stringify(spec)) + 1;
      if (chunk.length > 0 && (chunk.length >= max || bytes + size > maxBytes)) {
        yield* this.oneBatch(chunk, options);
        chunk = [];
        bytes = 0;
      }
      chunk.push(spec);
      bytes += size;
    }
    if (chunk.length > 0) yield* this.oneBatch(chunk, options);
  }

  private async *oneBatch(specs: readonly ProbeSpec[], options: ProbeWaitOptions): AsyncGenerator<ProbeRecord> {
    const queue: ProbeRecord[] = [];
    let wake: (() => void) | null = null;
    let finished = false;
    let failure: unknown = null;
    const poke = () => {
      const w = wake;
      wake = null;
      w?.();
    };
    const req = this.request<unknown>('probeBatch', { specs }, { onRecord: (r) => (queue.push(r), poke()) }, options.timeoutMs);
    req.result.then(
      () => ((finished = true), poke()),
      (e) => ((failure = e), (finished = true), poke()),
    );
    const signal = options.signal;
    const onAbort = () => {
      failure = signal!.reason;
      finished = true;
      req.cancel();
      poke();
    };
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        while (queue.length > 0 && !(signal?.aborted)) yield queue.shift()!;
        if (finished) {
          if (failure) throw failure;
          if (queue.length === 0) return;
          continue;
        }
        await new Promise<void>((r) => (wake = r));
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
      req.cancel(); // left early: the rest need not be sent
    }
  }

  /** The agent's engine counters as of its last answer (see agentStats for fresh ones). */
  stats(): ProberStats {
    return { ...this.lastStats };
  }

  /** The agent's counters now (all its connections; sent, answered, …). */
  async agentStats(): Promise<ProberStats & { connections: number }> {
    const s = await this.request<ProberStats & { connections: number }>('stats', {}).result;
    this.lastStats = s;
    return s;
  }

  /** The agent host's own addresses of an IP version (loopback excluded). */
  addresses(ipVersion: IpVersion = 4): Promise<string[]> {
    return this.request<string[]>('addresses', { ipVersion }).result;
  }

  /** The source address the agent would use towards dst. */
  route(dst: string): Promise<string> {
    return this.request<string>('route', { dst }).result;
  }

  /** Prober: probes built here carry the agent host's source address, not this process's. */
  sourceFor(dst: string): Promise<string> {
    return this.route(dst);
  }

  hostAddresses(ipVersion: IpVersion): Promise<string[]> {
    return this.addresses(ipVersion);
  }

  /** Runs a whole measurement inside the agent; records stream back as it completes them. */
  run<T>(method: MethodRun, target: string, options: object = {}): { run: ReturnType<typeof startRun<T>>; settings: Promise<ResolvedTrace> } {
    const { signal, prober, ...wire } = options as { signal?: AbortSignal; prober?: unknown };
    void prober;
    let settle!: { resolve: (t: ResolvedTrace) => void; reject: (e: unknown) => void };
    const settings = new Promise<ResolvedTrace>((resolve, reject) => (settle = { resolve, reject }));
    settings.catch(() => {});
    const run = startRun<T>(async (emit, s) => {
      const req = this.request<T>(method, { target, options: wire }, {
        onRecords: (rs) => emit(rs),
        onProgress: (m) => {
          if (m.stage === 'settings') settle.resolve(m.settings as ResolvedTrace);
        },
      });
      const onAbort = () => req.cancel();
      if (s.aborted) onAbort();
      s.addEventListener('abort', onAbort, { once: true });
      try {
        return await req.result;
      } catch (err) {
        settle.reject(err);
        throw err;
      } finally {
        s.removeEventListener('abort', onAbort);
      }
    }, signal);
    return { run, settings };
  }

  trace(target: string, options: Omit<TraceOptions, 'prober'> = {}): TraceRun {
    const { run, settings } = this.run<TraceSummary>('trace', target, options);
    return Object.assign(run, { summary: run.result, settings });
  }

  mda(target: string, options: Omit<MdaOptions, 'prober'> = {}): MdaRun {
    return this.run<MultipathResult>('mda', target, options).run;
  }

  path(target: string, options: Omit<PathOptions, 'prober'> = {}): PathRun {
    return this.run<PathResult>('path', target, options).run;
  }

  sample(target: string, options: Omit<SampleOptions, 'prober'> = {}): SampleRun {
    return this.run<SampleResult>('sample', target, options).run;
  }

  /** Opens a TCP connection from the agent to target:port for in-session tracing (see Session). */
  async openSession(target: string, port: number, options: { timeoutMs?: number } = {}): Promise<RemoteSession> {
    const r = await this.request<{ session: string; dst: string; port: number; src: string; sport: number; mtu: number; run: string }>('session.open', { target, port, ...options }).result;
    return new RemoteSession(this, r.session, r.dst, r.port, r.src, r.sport, r.mtu, r.run);
  }

  /** Ends the connection (a spawned agent exits when its stdin closes); running calls reject. */
  close(): void {
    if (this.closedReason) return;
    this.output.end();
    this.lost('closed by the client');
    if (this.child && this.child.exitCode === null) {
      const child = this.child;
      setTimeout(() => child.exitCode === null && child.kill('SIGTERM'), 2000).unref();
    }
  }

  get connected(): boolean {
    return this.closedReason === null;
  }
}

/** Connects to an agent: 'unix:/path', 'tcp://host:port' (with a token) or 'stdio' (spawns one). */
export function connectAgent(address: string, options: AgentConnectOptions = {}): Promise<AgentProber> {
  return AgentProber.connect(address, options);
}
