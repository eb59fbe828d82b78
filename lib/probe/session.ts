import { execFileSync } from 'node:child_process';
import net from 'node:net';
import type { ProbeRecord } from '../record';
import { decodeIpv4Packet, decodeTcpSegment6, TCP_FLAGS } from '../packet';
import { checkInt, checkNumber, ArgumentError } from './errors';
import { Engine } from './engine';
import type { ProberStats } from './prober';
import { allocateFlowBase, newRunId } from './ids';
import { RawIo } from './sockets';
import { ipVersionOf } from './source';
import { interruptible, InterruptedError } from './interrupt';

export interface SessionOptions {
  /** Connect timeout, ms. */
  timeoutMs?: number;
  /** Aborts connecting (so does `interruptAll()`). */
  signal?: AbortSignal;
}

export interface SessionTraceOptions {
  maxTtl?: number;
  queries?: number;
  /** Wait per probe, ms. */
  waitMs?: number;
  /** Stop after this many silent TTLs. */
  gapLimit?: number;
  /** TCP flags of the probes (default PSH|ACK). */
  flags?: number;
  /**
   * proberoute's --simulate: every probe carries the session's next byte (sequence snd_nxt),
   * so the first probe that gets through really delivers it and the server acknowledges it
   * as new data; afterwards the same byte is written through the real socket, which the
   * server takes as a duplicate, and both ends agree again. Without it, probes repeat the
   * last byte already sent (snd_nxt - 1) and the server never sees new data.
   */
  simulate?: boolean;
  /**
   * Stops the trace (so does `interruptAll()`): `trace()` then rejects with the abort reason,
   * the probes collected so far are in `session.lastTrace`, and the session stays open and
   * consistent.
   */
  signal?: AbortSignal;
}

export interface SessionTraceResult {
  type: 'session-trace';
  dst: string;
  port: number;
  reached: boolean;
  /** Highest TTL that answered. */
  lastAnswered: number | null;
  /** The probes carried new data (--simulate) and the byte was then written through the socket. */
  simulated: boolean;
  /** The trace was stopped before its end (abort or interrupt); records hold what was collected. */
  interrupted: boolean;
  records: ProbeRecord[];
}

/** Parses `ss -tinH` output for a connection's retransmission counters (current/total). */
export function parseSsRetrans(ssOutput: string): { current: number; total: number } | null {
  const m = ssOutput.match(/retrans:(\d+)\/(\d+)/);
  if (m) return { current: Number(m[1]), total: Number(m[2]) };
  return ssOutput.trim() ? { current: 0, total: 0 } : null;
}

/**
 * A real kernel TCP connection whose sequence state hopscope learns from the handshake
 * (a raw receive socket sees the SYN-ACK), so that TTL-limited probes can travel inside
 * the session: same ports, in-window sequence numbers, the peer's acknowledgement.
 */
export class Session {
  private bytesSent = 0;
  private bytesReceived = 0;
  private closed = false;
  private readonly engine: Engine;
  private probesSent = 0;
  private tracing = false;
  /** The last trace's result, also when it was interrupted (then with what was collected). */
  lastTrace: SessionTraceResult | null = null;
  private readonly base = allocateFlowBase();
  readonly run = newRunId('session');

  private constructor(
    readonly socket: net.Socket,
    readonly dst: string,
    readonly port: number,
    readonly src: string,
    readonly sport: number,
    /** Client and server initial sequence numbers, from the SYN-ACK. */
    readonly clientIsn: number,
    readonly serverIsn: number,
  ) {
    this.engine = Engine.open({ ipVersion: net.isIPv6(dst) ? 6 : 4, receive: ['icmp', 'tcp'] });
    socket.on('data', (d) => (this.bytesReceived += d.length));
    socket.on('error', () => {});
  }

  /** Connects to target:port; resolves once the handshake is complete and its numbers are known. */
  static async open(target: string, port: number, options: SessionOptions = {}): Promise<Session> {
    const ipVersion = ipVersionOf(target);
    if (!ipVersion) throw new ArgumentError('target', 'an IP address', target);
    checkInt('port', port, 1, 65535);
    const timeoutMs = checkNumber('timeoutMs', options.timeoutMs ?? 3000, 1, 60_000);
    return interruptible(options.signal, (signal) => Session.connect(target, port, ipVersion, timeoutMs, signal));
  }

  private static async connect(target: string, port: number, ipVersion: 4 | 6, timeoutMs: number, signal: AbortSignal): Promise<Session> {
    // Listen before connecting, or the SYN-ACK is gone.
    const io = RawIo.open({ ipVersion, receive: ['tcp'] });
    const synAcks = new Map<number, { seq: number; ack: number }>();
    io.onPacket((p) => {
      const r = ipVersion === 4 ? decodeIpv4Packet(p.bytes) : decodeTcpSegment6(p.bytes, { src: p.from });
      if (!r.ok || !r.value.tcp || r.value.src !== target || r.value.tcp.sport !== port) return;
      const t = r.value.tcp;
      if ((t.flags & (TCP_FLAGS.SYN | TCP_FLAGS.ACK)) === (TCP_FLAGS.SYN | TCP_FLAGS.ACK)) synAcks.set(t.dport, { seq: t.seq, ack: t.ack });
    });
    try {
      const socket = await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect({ host: target, port, timeout: timeoutMs });
        const onTimeout = () => {
          s.destroy();
          reject(new Error(`connecting to ${target} port ${port} timed out after ${timeoutMs} ms`));
        };
        const onAbort = () => {
          s.destroy();
          reject(signal.reason);
        };
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        s.once('close', () => signal.removeEventListener('abort', onAbort));
        s.once('timeout', onTimeout);
        s.once('error', reject);
        s.once('connect', () => {
          signal.removeEventListener('abort', onAbort);
          // The timeout was for connecting only: an idle session must stay open.
          s.setTimeout(0);
          s.removeListener('timeout', onTimeout);
          s.removeListener('error', reject);
          resolve(s);
        });
      });
      // The SYN-ACK was read on the raw socket at the same moment: give the event loop a turn.
      for (let i = 0; i < 50 && !synAcks.has(socket.localPort!) && !signal.aborted; i++) await new Promise((r) => setTimeout(r, 10));
      const sa = synAcks.get(socket.localPort!);
      if (!sa || signal.aborted) {
        socket.destroy();
        throw signal.aborted ? signal.reason : new Error('connected, but the SYN-ACK was not seen on the raw socket');
      }
      return new Session(socket, target, port, socket.localAddress!, socket.localPort!, (sa.ack - 1) >>> 0, sa.seq);
    } finally {
      io.close();
    }
  }

  /** Next sequence number the client will send. */
  get sndNxt(): number {
    return (this.clientIsn + 1 + this.bytesSent) >>> 0;
  }

  /** Next sequence number expected from the server. */
  get rcvNxt(): number {
    return (this.serverIsn + 1 + this.bytesReceived) >>> 0;
  }

  get sent(): number {
    return this.bytesSent;
  }

  /** Writes n zero bytes through the real socket (one per call, as proberoute --interact does with Enter). */
  send(n = 1): Promise<void> {
    checkInt('n', n, 1, 65536);
    if (this.closed) return Promise.reject(new Error('session is closed'));
    this.bytesSent += n;
    return new Promise((resolve, reject) => this.socket.write(Buffer.alloc(n), (err) => (err ? reject(err) : resolve())));
  }

  /** The kernel's retransmission counters for this connection (from `ss`), null when it is gone. */
  retransmissions(): { current: number; total: number } | null {
    const out = execFileSync('ss', ['-tinH', 'state', 'all', 'src', `${bracket(this.src)}:${this.sport}`, 'dst', `${bracket(this.dst)}:${this.port}`], { encoding: 'utf8', timeout: 5000 });
    return parseSsRetrans(out);
  }

  /**
   * Waits (at most maxMs) until the kernel has no unacknowledged data on the connection: in a
   * healthy session the server's ACKs of real data carry the same acknowledgement number as its
   * answers to probes, so probing starts only once they are done. A stalled session never
   * settles; it is probed after maxMs.
   */
  async settle(maxMs = 1000, signal?: AbortSignal): Promise<boolean> {
    const deadline = performance.now() + maxMs;
    for (;;) {
      signal?.throwIfAborted();
      const out = execFileSync('ss', ['-tinH', 'state', 'all', 'src', `${bracket(this.src)}:${this.sport}`, 'dst', `${bracket(this.dst)}:${this.port}`], { encoding: 'utf8', timeout: 5000 });
      // bytes_acked counts the SYN as one byte: settled once every byte written is acknowledged.
      const acked = out.match(/bytes_acked:(\d+)/);
      if (acked ? Number(acked[1]) >= this.bytesSent + 1 : !/unacked:\d+/.test(out)) return true;
      if (performance.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /**
   * Resolves with the retransmission total once it rises above what it is now, or null after
   * timeoutMs, when the session closes, or on an abort / `interruptAll()`.
   */
  async watch(timeoutMs = 10_000, signal?: AbortSignal): Promise<number | null> {
    const deadline = performance.now() + checkNumber('timeoutMs', timeoutMs, 1, 3_600_000);
    const start = this.retransmissions()?.total ?? 0;
    return interruptible(signal, async (inner) => {
      while (performance.now() < deadline && !this.closed && !inner.aborted) {
        const now = this.retransmissions();
        if (now && now.total > start) return now.total;
        await new Promise((r) => setTimeout(r, 100));
      }
      return null;
    });
  }

  /**
   * TTL-limited segments inside the session, one TTL at a time (every probe carries the
   * session's own 4-tuple). Sequence number snd_nxt - 1: with data sent, the probe carries
   * one zero byte identical to the last byte the socket wrote, so the server treats it as a
   * duplicate (or, if that byte never arrived, as the very byte the kernel would resend);
   * before any data, an empty keepalive-style segment. Either way the server answers with an
   * ACK of snd_nxt, which is how the destination is recognised.
   */
  async trace(options: SessionTraceOptions = {}): Promise<SessionTraceResult> {
    const maxTtl = checkInt('maxTtl', options.maxTtl ?? 30, 1, 255);
    const queries = checkInt('queries', options.queries ?? 3, 1, 10);
    const waitMs = checkNumber('waitMs', options.waitMs ?? 1000, 1, 60_000);
    const gapLimit = checkInt('gapLimit', options.gapLimit ?? 3, 1, 255);
    const flags = checkInt('flags', options.flags ?? TCP_FLAGS.PSH | TCP_FLAGS.ACK, 0, 255);
    const simulate = options.simulate === true;
    if (this.closed) throw new Error('session is closed');
    if (this.tracing) throw new Error('a trace is already running in this session');
    this.tracing = true;
    const records: ProbeRecord[] = [];
    let reached = false;
    let lastAnswered: number | null = null;
    let probed = false;
    let stopped: unknown = null;
    try {
      await interruptible(options.signal, async (signal) => {
        await this.settle(1000, signal);
        // Segments the server sent before now may still wait in the raw socket's buffer (settle
        // blocks the event loop while it asks ss): let them be read, as foreign, before probing.
        await new Promise((r) => setTimeout(r, 50));
        let silent = 0;
        const ipVersion = net.isIPv6(this.dst) ? 6 : 4;
        // With --simulate the probe is the next byte; otherwise a copy of the last one (or an
        // empty segment before any data).
        const payload = simulate || this.bytesSent > 0 ? 1 : 0;
        const seq = simulate ? this.sndNxt : (this.sndNxt - 1) >>> 0;
        const expectAck = simulate ? (this.sndNxt + 1) >>> 0 : this.sndNxt;
        for (let ttl = 1; ttl <= maxTtl && !reached && !signal.aborted; ttl++) {
          let answered = false;
          for (let attempt = 0; attempt < queries && !signal.aborted; attempt++) {
            probed = true;
            const r = await this.engine.probe(
              {
                ipVersion, proto: 'tcp', src: this.src, dst: this.dst, ttl, attempt, run: this.run, sport: this.sport, dport: this.port,
                tcpSeq: seq, tcpAck: this.rcvNxt, tcpFlags: flags, tcpWindow: 502, expectAck,
                size: (ipVersion === 4 ? 20 : 40) + 20 + payload, ipId: (this.base + this.probesSent++) & 0xffff, flowId: 0,
              },
              { timeoutMs: waitMs, signal },
            );
            records.push(r);
            if (r.addr !== null) {
              answered = true;
              lastAnswered = ttl;
              if (r.addr === this.dst) reached = true;
            }
          }
          silent = answered ? 0 : silent + 1;
          if (silent >= gapLimit) break;
        }
      });
    } catch (err) {
      if (!isAbort(err, options.signal)) throw err;
      stopped = err;
    } finally {
      this.tracing = false;
      // The server may hold the byte a probe delivered: the socket writes it too, so the
      // kernel's sequence numbers catch up with what the server has (a duplicate to it).
      if (simulate && probed && !this.closed) await this.send(1);
    }
    this.lastTrace = { type: 'session-trace', dst: this.dst, port: this.port, reached, lastAnswered, simulated: simulate && probed, interrupted: stopped !== null, records };
    if (stopped !== null) throw stopped;
    return this.lastTrace;
  }

  /** Counters of the probes this session has sent (see ProberStats). */
  probeStats(): ProberStats {
    return this.engine.stats();
  }

  /** Closes the connection and the probing sockets; safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.engine.close();
    this.socket.destroy();
  }
}

/** An abort of the trace: by its own signal or by `interruptAll()`, not a failure. */
function isAbort(err: unknown, outer: AbortSignal | undefined): boolean {
  return err instanceof InterruptedError || (err as Error | null)?.name === 'InterruptedError' || (outer?.aborted === true && err === outer.reason);
}

/** Opens an in-session tracing connection (see Session). */
export function openSession(target: string, port: number, options: SessionOptions = {}): Promise<Session> {
  return Session.open(target, port, options);
}

function bracket(addr: string): string {
  return net.isIPv6(addr) ? `[${addr}]` : addr;
}
