import { execFileSync } from 'node:child_process';
import net from 'node:net';
import type { ProbeRecord } from '../record';
import { decodeIpv4Packet, decodeTcpSegment6, TCP_FLAGS } from '../packet';
import { checkInt, checkNumber, ArgumentError } from './errors';
import { Engine } from './engine';
import { allocateFlowBase, newRunId } from './ids';
import { RawIo } from './sockets';
import { ipVersionOf } from './source';

export interface SessionOptions {
  /** Connect timeout, ms. */
  timeoutMs?: number;
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
}

export interface SessionTraceResult {
  type: 'session-trace';
  dst: string;
  port: number;
  reached: boolean;
  /** Highest TTL that answered. */
  lastAnswered: number | null;
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
        s.once('timeout', onTimeout);
        s.once('error', reject);
        s.once('connect', () => {
          // The timeout was for connecting only: an idle session must stay open.
          s.setTimeout(0);
          s.removeListener('timeout', onTimeout);
          s.removeListener('error', reject);
          resolve(s);
        });
      });
      // The SYN-ACK was read on the raw socket at the same moment: give the event loop a turn.
      for (let i = 0; i < 50 && !synAcks.has(socket.localPort!); i++) await new Promise((r) => setTimeout(r, 10));
      const sa = synAcks.get(socket.localPort!);
      if (!sa) {
        socket.destroy();
        throw new Error('connected, but the SYN-ACK was not seen on the raw socket');
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
  async settle(maxMs = 1000): Promise<boolean> {
    const deadline = performance.now() + maxMs;
    for (;;) {
      const out = execFileSync('ss', ['-tinH', 'state', 'all', 'src', `${bracket(this.src)}:${this.sport}`, 'dst', `${bracket(this.dst)}:${this.port}`], { encoding: 'utf8', timeout: 5000 });
      // bytes_acked counts the SYN as one byte: settled once every byte written is acknowledged.
      const acked = out.match(/bytes_acked:(\d+)/);
      if (acked ? Number(acked[1]) >= this.bytesSent + 1 : !/unacked:\d+/.test(out)) return true;
      if (performance.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Resolves with the retransmission total once it rises above what it is now (or null after timeoutMs). */
  async watch(timeoutMs = 10_000): Promise<number | null> {
    const start = this.retransmissions()?.total ?? 0;
    const deadline = performance.now() + checkNumber('timeoutMs', timeoutMs, 1, 3_600_000);
    while (performance.now() < deadline && !this.closed) {
      const now = this.retransmissions();
      if (now && now.total > start) return now.total;
      await new Promise((r) => setTimeout(r, 100));
    }
    return null;
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
    await this.settle();
    // Segments the server sent before now may still wait in the raw socket's buffer (settle
    // blocks the event loop while it asks ss): let them be read, as foreign, before probing.
    await new Promise((r) => setTimeout(r, 50));
    const records: ProbeRecord[] = [];
    let reached = false;
    let lastAnswered: number | null = null;
    let silent = 0;
    const ipVersion = net.isIPv6(this.dst) ? 6 : 4;
    for (let ttl = 1; ttl <= maxTtl && !reached; ttl++) {
      let answered = false;
      for (let attempt = 0; attempt < queries; attempt++) {
        const payload = this.bytesSent > 0 ? 1 : 0;
        const seq = (this.sndNxt - 1) >>> 0;
        const r = await this.engine.probe(
          {
            ipVersion, proto: 'tcp', src: this.src, dst: this.dst, ttl, attempt, run: this.run, sport: this.sport, dport: this.port,
            tcpSeq: seq, tcpAck: this.rcvNxt, tcpFlags: flags, tcpWindow: 502, expectAck: this.sndNxt,
            size: (ipVersion === 4 ? 20 : 40) + 20 + payload, ipId: (this.base + this.probesSent++) & 0xffff, flowId: 0,
          },
          { timeoutMs: waitMs },
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
    return { type: 'session-trace', dst: this.dst, port: this.port, reached, lastAnswered, records };
  }

  /** Closes the connection and the probing sockets; safe to call twice. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.engine.close();
    this.socket.destroy();
  }
}

function bracket(addr: string): string {
  return net.isIPv6(addr) ? `[${addr}]` : addr;
}
