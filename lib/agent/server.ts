import { timingSafeEqual, createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import type { Readable, Writable } from 'node:stream';
import type { IpVersion, ProbeRecord } from '../record';
import {
  ArgumentError, Engine, ENGINE_DEFAULTS, PrivilegeError, mda, path, sample, trace, probeBatch,
  routeSource, ipVersionOf, checkInt, checkNumber, Session, interfaceMtu, type SessionTraceOptions, type MeasurementRun, type ProbeSpec, type ProberStats,
} from '../probe';
import { localAddresses } from '../probe/source';
import {
  LineSplitter, METHOD_RUNS, METHODS, PROTOCOL_VERSION, SESSION_METHODS, SUPPORTED_VERSIONS,
  type AgentLimits, type AgentMessage, type ErrorCode, type MethodRun,
} from './protocol';

export interface AgentOptions {
  /** Probes per second for the whole agent, every connection together (per IP version). */
  rate?: number;
  burst?: number;
  maxInFlight?: number;
  device?: string;
  /** Required on every connection when set; a TCP listener refuses to start without one. */
  token?: string;
  maxLineBytes?: number;
  /** Requests running at once, per connection. */
  maxRequests?: number;
  maxConnections?: number;
  maxBatch?: number;
  /** Records one request may produce (a method run's probes). */
  maxProbesPerRequest?: number;
  maxRequestMs?: number;
  /** A connection with nothing running and nothing received for this long is closed. */
  idleMs?: number;
  /** The hello (with the token) must come within this many ms. */
  helloMs?: number;
  log?: (line: string) => void;
}

export const AGENT_DEFAULTS = {
  maxLineBytes: 1 << 20,
  maxRequests: 64,
  maxConnections: 32,
  maxBatch: 10_000,
  maxProbesPerRequest: 100_000,
  maxRequestMs: 3_600_000,
  idleMs: 600_000,
  helloMs: 5_000,
} as const;

const RUNNERS: Record<MethodRun, (target: string, options: never) => MeasurementRun<unknown>> = {
  trace: trace as never,
  mda: mda as never,
  path: path as never,
  sample: sample as never,
};

/** Options a caller may not set from across the wire: they would bypass the agent's cap or are not data. */
const WITHHELD = ['prober', 'signal', 'rate'];
const MAX_SESSIONS = 8;

class RequestError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Shares one probe engine per IP version between every connection: one rate cap. */
export class AgentServer {
  readonly limits: AgentLimits;
  private readonly engines = new Map<IpVersion, Engine>();
  private readonly tokenDigest: Buffer | null;
  private readonly servers: net.Server[] = [];
  private readonly connections = new Set<Connection>();
  private readonly socketPaths: string[] = [];
  private closed = false;

  constructor(private readonly options: AgentOptions = {}) {
    const rate = checkNumber('rate', options.rate ?? ENGINE_DEFAULTS.rate, 0.1, 1_000_000);
    this.limits = {
      maxLineBytes: checkInt('maxLineBytes', options.maxLineBytes ?? AGENT_DEFAULTS.maxLineBytes, 1024, 64 << 20),
      maxRequests: checkInt('maxRequests', options.maxRequests ?? AGENT_DEFAULTS.maxRequests, 1, 10_000),
      maxBatch: checkInt('maxBatch', options.maxBatch ?? AGENT_DEFAULTS.maxBatch, 1, 1_000_000),
      maxProbesPerRequest: checkInt('maxProbesPerRequest', options.maxProbesPerRequest ?? AGENT_DEFAULTS.maxProbesPerRequest, 1, 100_000_000),
      maxRequestMs: checkNumber('maxRequestMs', options.maxRequestMs ?? AGENT_DEFAULTS.maxRequestMs, 1, 7 * 86_400_000),
      idleMs: checkNumber('idleMs', options.idleMs ?? AGENT_DEFAULTS.idleMs, 10, 7 * 86_400_000),
      rate,
    };
    checkInt('maxConnections', options.maxConnections ?? AGENT_DEFAULTS.maxConnections, 1, 10_000);
    if (options.token !== undefined && (typeof options.token !== 'string' || options.token.length < 16)) {
      throw new ArgumentError('token', 'a string of at least 16 characters', options.token === undefined ? options.token : '(hidden)');
    }
    // Compared as fixed-length digests: timingSafeEqual needs equal lengths, and the length of the token stays hidden.
    this.tokenDigest = options.token ? digest(options.token) : null;
  }

  /** The engine for an IP version, opened on first use; each version has the agent's rate cap. */
  engine(ipVersion: IpVersion): Engine {
    let e = this.engines.get(ipVersion);
    if (!e) {
      e = Engine.open({
        ipVersion, rate: this.limits.rate, burst: this.options.burst, maxInFlight: this.options.maxInFlight,
        device: this.options.device, receive: ['icmp', 'tcp'],
      });
      this.engines.set(ipVersion, e);
    }
    return e;
  }

  stats(): ProberStats & { connections: number } {
    const total: Required<ProberStats> = { sent: 0, answered: 0, timedOut: 0, foreign: 0, late: 0, duplicates: 0, malformed: 0, sendErrors: 0, rewritten: 0 };
    for (const e of this.engines.values()) {
      const s = e.stats();
      for (const k of Object.keys(total) as (keyof ProberStats)[]) total[k] += s[k] ?? 0;
    }
    return { ...total, connections: this.connections.size };
  }

  checkToken(token: unknown): boolean {
    if (!this.tokenDigest) return true;
    if (typeof token !== 'string') return false;
    return timingSafeEqual(this.tokenDigest, digest(token));
  }

  get requiresToken(): boolean {
    return this.tokenDigest !== null;
  }

  /** Serves one connection (stdio, or an accepted socket); resolves when it ends. */
  serve(input: Readable, output: Writable, label: string): Promise<void> {
    const max = this.options.maxConnections ?? AGENT_DEFAULTS.maxConnections;
    if (this.connections.size >= max) {
      output.write(line({ type: 'error', id: null, code: 'too-many-requests', message: `the agent serves at most ${max} connections at once` }));
      closeGently(input, output);
      return Promise.resolve();
    }
    const c = new Connection(this, input, output, label, this.options.helloMs ?? AGENT_DEFAULTS.helloMs);
    this.connections.add(c);
    this.log(`${label}: connected`);
    return c.done.finally(() => {
      this.connections.delete(c);
      this.log(`${label}: closed`);
    });
  }

  listenUnix(path: string, mode = 0o600): Promise<net.Server> {
    if (existsSync(path)) {
      if (!lstatSync(path).isSocket()) throw new ArgumentError('listen', 'a path that is free or an old socket', path);
      unlinkSync(path); // a stale socket from an earlier agent
    }
    const server = net.createServer((s) => void this.serve(s, s, `unix:${path}`));
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, () => {
        chmodSync(path, mode);
        this.servers.push(server);
        this.socketPaths.push(path);
        resolve(server);
      });
    });
  }

  /** TCP on `host` (default loopback); refuses to start without a token. */
  listenTcp(port: number, host = '127.0.0.1'): Promise<net.Server> {
    if (!this.tokenDigest) throw new ArgumentError('token', 'set (a TCP agent serves nobody without a token: --token-file FILE or HOPSCOPE_AGENT_TOKEN)', undefined);
    checkInt('port', port, 0, 65535);
    const server = net.createServer((s) => {
      s.setNoDelay(true);
      void this.serve(s, s, `tcp:${s.remoteAddress}:${s.remotePort}`);
    });
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        this.servers.push(server);
        resolve(server);
      });
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of this.servers) s.close();
    for (const c of this.connections) c.end('the agent is shutting down');
    for (const e of this.engines.values()) e.close();
    for (const p of this.socketPaths) {
      try {
        unlinkSync(p);
      } catch {
        /* already gone */
      }
    }
  }

  log(message: string): void {
    this.options.log?.(message);
  }
}

/** Ends our side after the last line is written; the peer gets a second to read it (its writes are drained meanwhile). */
function closeGently(input: Readable, output: Writable): void {
  output.end();
  input.resume();
  setTimeout(() => input.destroy?.(), 1000).unref();
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s, 'utf8').digest();
}

function line(m: AgentMessage): string {
  return JSON.stringify(m) + '\n';
}

interface Running {
  controller: AbortController;
  /** The wait the caller last asked for (a function timeout on its side, updated by 'timeout' messages). */
  timeoutMs: number;
}

class Connection {
  readonly done: Promise<void>;
  private finish!: () => void;
  private hello = false;
  private readonly running = new Map<string, Running>();
  private readonly sessions = new Map<string, Session>();
  private nextSession = 1;
  private idleTimer: NodeJS.Timeout | null = null;
  private helloTimer: NodeJS.Timeout | null;
  private ended = false;
  /** Lines that did not parse or had bad fields: counted and answered, then skipped. */
  malformed = 0;

  constructor(
    private readonly agent: AgentServer,
    private readonly input: Readable,
    private readonly output: Writable,
    private readonly label: string,
    helloMs: number,
  ) {
    this.done = new Promise((r) => (this.finish = r));
    const splitter = new LineSplitter(agent.limits.maxLineBytes, (l) => this.onLine(l), (head) => {
      this.malformed++;
      // The request id, when the line began like a request: that request fails instead of waiting forever.
      const id = /^\s*\{\s*"type"\s*:\s*"request"\s*,\s*"id"\s*:\s*"([^"\\]{1,64})"/.exec(head)?.[1] ?? null;
      this.send({ type: 'error', id, code: 'too-large', message: `a line over ${agent.limits.maxLineBytes} bytes was dropped` });
    });
    input.on('data', (chunk: Buffer) => splitter.push(chunk));
    input.on('end', () => this.end(null));
    input.on('close', () => this.end(null));
    input.on('error', () => this.end(null));
    output.on('error', () => this.end(null));
    this.helloTimer = setTimeout(() => this.refuse('unauthorized', `no hello within ${helloMs} ms`), helloMs);
  }

  private send(m: AgentMessage): void {
    if (this.ended) return;
    this.output.write(line(m));
  }

  private refuse(code: ErrorCode, message: string): void {
    this.agent.log(`${this.label}: refused: ${message}`);
    this.send({ type: 'error', id: null, code, message });
    this.end(null);
  }

  end(reason: string | null): void {
    if (this.ended) return;
    if (reason) this.send({ type: 'error', id: null, code: 'failed', message: reason });
    this.ended = true;
    if (this.helloTimer) clearTimeout(this.helloTimer);
    if (this.idleTimer) clearTimeout(this.idleTimer);
    for (const r of this.running.values()) r.controller.abort(new Error('connection closed'));
    this.running.clear();
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
    if (this.output !== process.stdout) closeGently(this.input, this.output);
    else this.input.destroy?.();
    this.finish();
  }

  private touch(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = null;
    if (this.running.size === 0 && !this.ended) {
      this.idleTimer = setTimeout(() => this.refuse('failed', `idle for ${this.agent.limits.idleMs} ms: connection closed`), this.agent.limits.idleMs);
      this.idleTimer.unref?.();
    }
  }

  private onLine(text: string): void {
    if (this.ended) return;
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(text);
      if (typeof m !== 'object' || m === null || Array.isArray(m)) throw new Error('not an object');
    } catch {
      this.malformed++;
      this.send({ type: 'error', id: null, code: 'bad-request', message: 'a line that is not a JSON object was skipped' });
      return;
    }
    if (!this.hello) {
      if (m.type !== 'hello') return this.refuse('bad-request', 'the first message must be {"type":"hello","versions":[1],"token":…}');
      if (!this.agent.checkToken(m.token)) return this.refuse('unauthorized', m.token === undefined ? 'this agent requires a token' : 'wrong token');
      const versions = Array.isArray(m.versions) ? m.versions : [];
      if (!versions.includes(PROTOCOL_VERSION)) {
        return this.refuse('unsupported-version', `this agent speaks protocol version ${SUPPORTED_VERSIONS.join(', ')}; the client offered ${JSON.stringify(m.versions)}`);
      }
      this.hello = true;
      if (this.helloTimer) clearTimeout(this.helloTimer);
      this.helloTimer = null;
      this.send({ type: 'hello', version: PROTOCOL_VERSION, agent: 'hopscope', pid: process.pid, methods: METHODS, limits: this.agent.limits });
      this.touch();
      return;
    }
    const id = typeof m.id === 'string' && m.id.length > 0 && m.id.length <= 64 ? m.id : null;
    switch (m.type) {
      case 'ping':
        this.send({ type: 'pong' });
        this.touch();
        return;
      case 'cancel': {
        if (id) this.running.get(id)?.controller.abort(new Error('cancelled by the client'));
        return;
      }
      case 'timeout': {
        const r = id ? this.running.get(id) : undefined;
        if (r && typeof m.timeoutMs === 'number' && Number.isFinite(m.timeoutMs) && m.timeoutMs > 0) r.timeoutMs = Math.min(m.timeoutMs, 600_000);
        return;
      }
      case 'request':
        break;
      default:
        this.malformed++;
        this.send({ type: 'error', id, code: 'bad-request', message: `unknown message type ${JSON.stringify(m.type)}` });
        return;
    }
    if (!id) {
      this.malformed++;
      this.send({ type: 'error', id: null, code: 'bad-request', message: 'a request needs an id: a string of 1 to 64 characters' });
      return;
    }
    if (this.running.has(id)) {
      this.send({ type: 'error', id, code: 'bad-request', message: `request id ${JSON.stringify(id)} is already running` });
      return;
    }
    if (this.running.size >= this.agent.limits.maxRequests) {
      this.send({ type: 'error', id, code: 'too-many-requests', message: `at most ${this.agent.limits.maxRequests} requests run at once on a connection` });
      return;
    }
    const controller = new AbortController();
    const running: Running = { controller, timeoutMs: ENGINE_DEFAULTS.defaultTimeoutMs };
    this.running.set(id, running);
    this.touch();
    const limit = setTimeout(() => controller.abort(new RequestError('budget', `over the agent's time budget of ${this.agent.limits.maxRequestMs} ms`)), this.agent.limits.maxRequestMs);
    void this.handle(id, String(m.method), m.params, running)
      .then(
        (r) => this.send({ type: 'result', id, result: r.result, ...(r.stats ? { stats: r.stats } : {}) }),
        (err) => this.send({ type: 'error', id, ...describe(err, controller.signal) }),
      )
      .finally(() => {
        clearTimeout(limit);
        this.running.delete(id);
        this.touch();
      });
  }

  private async handle(id: string, method: string, params: unknown, running: Running): Promise<{ result: unknown; stats?: unknown }> {
    const signal = running.controller.signal;
    const p = (params ?? {}) as Record<string, unknown>;
    if (typeof p !== 'object' || Array.isArray(p)) throw new RequestError('bad-request', 'params must be an object');
    if ((SESSION_METHODS as readonly string[]).includes(method)) return { result: await this.sessionMethod(method, p, signal) };
    if (!(METHODS as readonly string[]).includes(method)) throw new RequestError('unknown-method', `unknown method ${JSON.stringify(method)}; this agent serves ${METHODS.join(', ')}`);
    const wait = { timeoutMs: () => running.timeoutMs, signal };
    const takeTimeout = () => {
      if (p.timeoutMs !== undefined) running.timeoutMs = checkNumber('timeoutMs', p.timeoutMs, 1, 600_000);
    };
    switch (method) {
      case 'stats':
        return { result: this.agent.stats() };
      case 'addresses': {
        const v = p.ipVersion === 6 ? 6 : 4;
        // Loopback and link-local addresses are no use to a peer.
        return { result: localAddresses(v).filter((a) => !/^(127\.|::1$|fe80:)/i.test(a)) };
      }
      case 'route': {
        const dst = String(p.dst);
        const v = ipVersionOf(dst);
        if (!v) throw new ArgumentError('dst', 'an IP address', p.dst);
        return { result: await routeSource(dst, v) };
      }
      case 'probe': {
        const spec = checkSpec(p.spec);
        takeTimeout();
        const engine = this.agent.engine(spec.ipVersion);
        const record = await engine.probe(spec, wait);
        return { result: record, stats: engine.stats() };
      }
      case 'probeBatch': {
        if (!Array.isArray(p.specs)) throw new ArgumentError('specs', 'an array of probe specs', typeof p.specs);
        if (p.specs.length > this.agent.limits.maxBatch) throw new RequestError('budget', `a batch holds at most ${this.agent.limits.maxBatch} probes, got ${p.specs.length}`);
        const specs = p.specs.map(checkSpec);
        takeTimeout();
        const v = specs[0]?.ipVersion ?? 4;
        if (specs.some((s) => s.ipVersion !== v)) throw new ArgumentError('specs', 'probes of one IP version', 'mixed');
        const engine = this.agent.engine(v);
        let n = 0;
        for await (const record of probeBatch(engine, specs, wait)) {
          this.send({ type: 'record', id, record });
          n++;
        }
        return { result: { count: n }, stats: engine.stats() };
      }
      default:
        return this.runMethod(id, method as MethodRun, p, signal);
    }
  }

  /** Sessions live as long as their connection (or until session.close); at most MAX_SESSIONS per connection. */
  private async sessionMethod(method: string, p: Record<string, unknown>, signal: AbortSignal): Promise<unknown> {
    if (method === 'session.open') {
      if (this.sessions.size >= MAX_SESSIONS) throw new RequestError('too-many-requests', `at most ${MAX_SESSIONS} sessions are open at once on a connection`);
      const port = checkInt('port', p.port, 1, 65535);
      const s = await Session.open(String(p.target), port, { timeoutMs: p.timeoutMs === undefined ? undefined : checkNumber('timeoutMs', p.timeoutMs, 1, 60_000), signal });
      if (this.ended) {
        s.close();
        throw new RequestError('cancelled', 'the connection closed while the session was opening');
      }
      const id = `s${this.nextSession++}`;
      this.sessions.set(id, s);
      return { session: id, dst: s.dst, port: s.port, src: s.src, sport: s.sport, mtu: interfaceMtu(s.src), run: s.run };
    }
    const id = String(p.session);
    const s = this.sessions.get(id);
    if (!s) throw new ArgumentError('session', `an open session of this connection (${[...this.sessions.keys()].join(', ') || 'none'})`, p.session);
    switch (method) {
      case 'session.send':
        await s.send(p.n === undefined ? 1 : checkInt('n', p.n, 1, 65536));
        return { sent: s.sent };
      case 'session.retransmissions':
        return s.retransmissions();
      case 'session.trace': {
        const o = (p.options ?? {}) as Record<string, unknown>;
        const pick = (k: string) => (o[k] === undefined ? {} : { [k]: o[k] });
        return await s.trace({ ...pick('maxTtl'), ...pick('queries'), ...pick('waitMs'), ...pick('gapLimit'), ...pick('flags'), ...pick('simulate'), signal } as SessionTraceOptions);
      }
      default: // session.close
        s.close();
        this.sessions.delete(id);
        return { closed: id };
    }
  }

  private async runMethod(id: string, method: MethodRun, p: Record<string, unknown>, signal: AbortSignal): Promise<{ result: unknown }> {
    if (typeof p.target !== 'string' || p.target.length === 0) throw new ArgumentError('target', 'an IP address', p.target);
    const raw = (p.options ?? {}) as Record<string, unknown>;
    if (typeof raw !== 'object' || Array.isArray(raw)) throw new ArgumentError('options', 'an object', raw);
    const options: Record<string, unknown> = Object.fromEntries(Object.entries(raw).filter(([k]) => !WITHHELD.includes(k)));
    const dstVersion = ipVersionOf(p.target) ?? (raw.ipVersion === 6 ? 6 : 4);
    const engine = this.agent.engine(dstVersion);
    const run = RUNNERS[method](p.target, { ...options, prober: engine, signal } as never);
    if (method === 'trace') {
      (run as unknown as { settings: Promise<unknown> }).settings.then(
        (settings) => this.send({ type: 'progress', id, stage: 'settings', settings }),
        () => {},
      );
    }
    let count = 0;
    const budget = this.agent.limits.maxProbesPerRequest;
    for await (const batch of run.batches()) {
      count += batch.length;
      this.send({ type: 'records', id, records: batch as ProbeRecord[] });
      if (count >= budget) {
        run.abort();
        await run.result.catch(() => {});
        throw new RequestError('budget', `over the agent's budget of ${budget} probes per request`);
      }
    }
    return { result: await run.result };
  }
}

const SPEC_NUMBERS = ['ttl', 'sport', 'dport', 'icmpId', 'icmpSeq', 'checksum', 'tcpSeq', 'tcpAck', 'tcpFlags', 'tcpWindow', 'expectAck', 'flowLabel', 'tos', 'ipId', 'size'];

/** A spec from the wire: the fields the engine reads, checked; metadata passed through. */
function checkSpec(x: unknown): ProbeSpec {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new ArgumentError('spec', 'a probe spec object', x);
  const s = x as Record<string, unknown>;
  if (s.ipVersion !== 4 && s.ipVersion !== 6) throw new ArgumentError('spec.ipVersion', '4 or 6', s.ipVersion);
  if (s.proto !== 'udp' && s.proto !== 'icmp' && s.proto !== 'tcp') throw new ArgumentError('spec.proto', 'udp, icmp or tcp', s.proto);
  for (const k of ['src', 'dst']) if (ipVersionOf(String(s[k])) !== s.ipVersion) throw new ArgumentError(`spec.${k}`, `an IPv${s.ipVersion} address`, s[k]);
  for (const k of SPEC_NUMBERS) if (s[k] !== undefined && (typeof s[k] !== 'number' || !Number.isFinite(s[k]))) throw new ArgumentError(`spec.${k}`, 'a number', s[k]);
  checkInt('spec.ttl', s.ttl, 1, 255);
  if (s.tcpOptions !== undefined && !Array.isArray(s.tcpOptions)) throw new ArgumentError('spec.tcpOptions', 'an array', s.tcpOptions);
  return s as unknown as ProbeSpec;
}

function describe(err: unknown, signal: AbortSignal): { code: ErrorCode; message: string } {
  if (err instanceof RequestError) return { code: err.code, message: err.message };
  if (signal.aborted && signal.reason instanceof RequestError) return { code: signal.reason.code, message: signal.reason.message };
  if (signal.aborted) return { code: 'cancelled', message: String((signal.reason as Error)?.message ?? 'cancelled') };
  if (err instanceof ArgumentError) return { code: 'argument', message: err.message };
  if (err instanceof PrivilegeError) return { code: 'privilege', message: `the agent cannot probe: ${err.message}` };
  return { code: 'failed', message: (err as Error)?.message ?? String(err) };
}
