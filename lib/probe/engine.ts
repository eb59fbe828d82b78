import { makeRecord, type IpVersion, type ProbeRecord, type ProbeFields, type ReplyFields } from '../record';
import { checkInt, checkNumber } from './errors';
import type { Prober, ProberStats, ProbeWaitOptions } from './prober';
import { buildProbe, decodePacket } from './codec';
import { RawIo, type RecvProto } from './sockets';
import type { ProbeSpec } from './spec';
import { TokenBucket } from './token-bucket';

export interface EngineOptions {
  ipVersion: IpVersion;
  /** Send at most this many probes per second (whole engine). */
  rate?: number;
  /** Probes the rate cap lets out back to back. */
  burst?: number;
  /** Probes waiting for an answer at once. */
  maxInFlight?: number;
  /** SO_BINDTODEVICE. */
  device?: string;
  receive?: readonly RecvProto[];
  /** Wait used when a probe call gives none, ms. */
  defaultTimeoutMs?: number;
}

export const ENGINE_DEFAULTS = { rate: 1000, burst: 32, maxInFlight: 256, defaultTimeoutMs: 3000 } as const;

interface Pending {
  keys: string[];
  rewrittenKey: string | null;
  probe: ProbeFields;
  sentHr: bigint;
  timeout: number | (() => number);
  resolve: (r: ProbeRecord) => void;
  reject: (e: unknown) => void;
  cleanup: () => void;
}

interface Queued {
  spec: ProbeSpec;
  options: ProbeWaitOptions;
  resolve: (r: ProbeRecord) => void;
  reject: (e: unknown) => void;
}

const LATE_MEMORY = 8192;
const SWEEP_MS = 5;
/** A sweep this late means the event loop stalled (see sweep). */
const STALL_MS = 50;

/** In-process prober: raw sockets, global rate cap, in-flight window, reply matching. */
export class Engine implements Prober {
  readonly ipVersion: IpVersion;
  private readonly io: RawIo;
  private readonly bucket: TokenBucket;
  private readonly maxInFlight: number;
  private readonly defaultTimeoutMs: number;
  private readonly pending = new Map<string, Pending>();
  /** In-flight probes by their NAT-proof identity (several when IP-IDs repeat: then none matches by it). */
  private readonly byRewrittenKey = new Map<string, Set<Pending>>();
  private readonly queue: Queued[] = [];
  /** Keys of probes recently finished, to tell late and duplicate replies from foreign ones. */
  private readonly recent = new Map<string, 'late' | 'answered'>();
  private readonly counters: ProberStats = { sent: 0, answered: 0, timedOut: 0, foreign: 0, late: 0, duplicates: 0, malformed: 0, sendErrors: 0, rewritten: 0 };
  private sending = 0;
  private pumpTimer: NodeJS.Timeout | null = null;
  private sweepTimer: NodeJS.Timeout | null = null;
  private lastSweep = 0n;
  private probesInFlight = 0;
  private closed = false;
  // hrtime → epoch milliseconds, fixed once so send times are mutually consistent.
  private readonly epochBase = Date.now();
  private readonly hrBase = process.hrtime.bigint();

  private constructor(options: EngineOptions) {
    this.ipVersion = options.ipVersion;
    const rate = checkNumber('rate', options.rate ?? ENGINE_DEFAULTS.rate, 0.1, 1_000_000);
    const burst = checkInt('burst', options.burst ?? ENGINE_DEFAULTS.burst, 1, 100_000);
    this.maxInFlight = checkInt('maxInFlight', options.maxInFlight ?? ENGINE_DEFAULTS.maxInFlight, 1, 65_536);
    this.defaultTimeoutMs = checkNumber('timeoutMs', options.defaultTimeoutMs ?? ENGINE_DEFAULTS.defaultTimeoutMs, 1, 600_000);
    this.bucket = new TokenBucket(rate, burst);
    this.io = RawIo.open({ ipVersion: options.ipVersion, receive: options.receive ?? ['icmp', 'tcp'], device: options.device });
    this.io.onPacket((p) => this.onPacket(p.bytes, p.from, p.proto, p.at, p.hopLimit));
  }

  /** Opens the raw sockets; throws PrivilegeError before sending anything when not allowed. */
  static open(options: EngineOptions): Engine {
    return new Engine(options);
  }

  stats(): ProberStats {
    return { ...this.counters };
  }

  probe(spec: ProbeSpec, options: ProbeWaitOptions = {}): Promise<ProbeRecord> {
    if (this.closed) return Promise.reject(new Error('prober is closed'));
    if (spec.ipVersion !== this.ipVersion) {
      return Promise.reject(new Error(`this prober sends IPv${this.ipVersion}, the probe is IPv${spec.ipVersion}`));
    }
    if (options.signal?.aborted) return Promise.reject(options.signal.reason);
    return new Promise((resolve, reject) => {
      this.queue.push({ spec, options, resolve, reject });
      this.pump();
    });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.pumpTimer) clearTimeout(this.pumpTimer);
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    const err = new Error('prober closed');
    for (const q of this.queue.splice(0)) q.reject(err);
    for (const p of new Set(this.pending.values())) this.finish(p, null);
    this.io.close();
  }

  private epochMs(hr: bigint): number {
    return this.epochBase + Number(hr - this.hrBase) / 1e6;
  }

  private pump(): void {
    if (this.pumpTimer || this.closed) return;
    while (this.queue.length > 0 && this.inFlight() + this.sending < this.maxInFlight) {
      // An aborted probe leaves without a token: a cancelled batch must not hold up the others.
      const head = this.queue[0];
      if (head.options.signal?.aborted) {
        this.queue.shift();
        head.reject(head.options.signal.reason);
        continue;
      }
      if (!this.bucket.take()) {
        this.pumpTimer = setTimeout(() => {
          this.pumpTimer = null;
          this.pump();
        }, Math.max(1, this.bucket.waitMs()));
        return;
      }
      this.launch(this.queue.shift()!);
    }
  }

  private launch(q: Queued): void {
    const { spec, options } = q;
    if (options.signal?.aborted) {
      q.reject(options.signal.reason);
      return;
    }
    let built: ReturnType<typeof buildProbe>;
    try {
      built = buildProbe(spec);
    } catch (err) {
      q.reject(err);
      return;
    }
    const clash = built.keys.find((k) => this.pending.has(k));
    if (clash) {
      q.reject(new Error(`a probe with the same identity is already in flight (${clash}); give each probe its own probe id`));
      return;
    }
    for (const k of built.keys) this.recent.delete(k);
    if (built.rewrittenKey !== null) this.recent.delete(built.rewrittenKey);
    // Register before sending: a reply on loopback can arrive before send's callback.
    const p: Pending = {
      keys: built.keys,
      rewrittenKey: built.rewrittenKey,
      probe: built.fields,
      sentHr: process.hrtime.bigint(),
      timeout: options.timeoutMs ?? this.defaultTimeoutMs,
      resolve: q.resolve,
      reject: q.reject,
      cleanup: () => {},
    };
    if (options.signal) {
      const signal = options.signal;
      const onAbort = () => {
        if (this.pending.get(p.keys[0]) === p) {
          this.unregister(p);
          p.cleanup();
          p.reject(signal.reason);
          this.pump();
        }
      };
      signal.addEventListener('abort', onAbort, { once: true });
      p.cleanup = () => signal.removeEventListener('abort', onAbort);
    }
    for (const k of p.keys) this.pending.set(k, p);
    if (p.rewrittenKey !== null) {
      const same = this.byRewrittenKey.get(p.rewrittenKey) ?? new Set<Pending>();
      same.add(p);
      this.byRewrittenKey.set(p.rewrittenKey, same);
    }
    this.probesInFlight++;
    this.sending++;
    this.io.send(built.datagram, spec.dst).then(
      (at) => {
        this.sending--;
        p.sentHr = at;
        p.probe.sentAt = this.epochMs(at);
        this.counters.sent++;
        this.ensureSweep();
      },
      (err) => {
        this.sending--;
        this.counters.sendErrors++;
        if (this.pending.get(p.keys[0]) === p) this.unregister(p);
        p.cleanup();
        p.reject(new Error(`sending to ${spec.dst} failed: ${(err as Error).message}${sendHint((err as Error).message)}`));
        this.pump();
      },
    );
  }

  private ensureSweep(): void {
    if (this.sweepTimer) return;
    this.lastSweep = process.hrtime.bigint();
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_MS);
  }

  private sweep(): void {
    const now = process.hrtime.bigint();
    const sinceLast = Number(now - this.lastSweep) / 1e6;
    this.lastSweep = now;
    // After the event loop stalled (GC, a busy CPU), replies may be waiting in the socket
    // buffers: timers run before I/O in a loop turn, so expire nothing this turn and let the
    // receive callbacks see them first.
    if (sinceLast > STALL_MS) return;
    for (const p of new Set(this.pending.values())) {
      if (p.probe.sentAt === null) continue; // still being sent
      const limit = typeof p.timeout === 'function' ? p.timeout() : p.timeout;
      if (Number(now - p.sentHr) / 1e6 >= limit) {
        this.counters.timedOut++;
        for (const k of p.keys) this.remember(k, 'late');
        if (p.rewrittenKey !== null) this.remember(p.rewrittenKey, 'late');
        this.finish(p, null);
      }
    }
    if (this.pending.size === 0 && this.sweepTimer) {
      clearInterval(this.sweepTimer);
      this.sweepTimer = null;
      this.lastSweep = 0n;
    }
    this.pump();
  }

  private remember(key: string, how: 'late' | 'answered'): void {
    this.recent.set(key, how);
    if (this.recent.size > LATE_MEMORY) this.recent.delete(this.recent.keys().next().value as string);
  }

  private unregister(p: Pending): void {
    if (this.pending.get(p.keys[0]) === p) this.probesInFlight--;
    for (const k of p.keys) this.pending.delete(k);
    const same = p.rewrittenKey === null ? undefined : this.byRewrittenKey.get(p.rewrittenKey);
    if (same?.delete(p) && same.size === 0) this.byRewrittenKey.delete(p.rewrittenKey!);
  }

  /**
   * The probe a reply answers when its quote was rewritten on the way (a NAT changed the
   * source address or port, and so the checksum, and did not translate the quote back):
   * the only probe in flight with the quote's destination, protocol, port and IP-ID —
   * and only if the quote really differs from what that probe carried, so that an
   * unrewritten reply never matches anything but its own exact identity.
   */
  private rewrittenMatch(key: string | null, reply: Omit<ReplyFields, 'rttMs'>): Pending | null {
    const same = key === null ? undefined : this.byRewrittenKey.get(key);
    if (!same || same.size !== 1) return null;
    const p = same.values().next().value as Pending;
    const moved = reply.quotedSrc !== p.probe.src || (p.probe.sport !== null && reply.quotedSport !== p.probe.sport);
    return moved ? p : null;
  }

  /** Probes in flight (each is filed under one or more keys). */
  private inFlight(): number {
    return this.probesInFlight;
  }

  private finish(p: Pending, reply: Omit<ReplyFields, 'rttMs'> | null, at?: bigint): void {
    this.unregister(p);
    p.cleanup();
    if (reply && at !== undefined) {
      // Kernel receive stamps and the pre-send stamp are microseconds apart on loopback: never below 0.
      const rttMs = Math.max(0, Math.round(Number(at - p.sentHr) / 1000) / 1000);
      p.resolve(makeRecord(p.probe, { ...reply, rttMs }));
    } else {
      p.resolve(makeRecord(p.probe));
    }
  }

  private onPacket(bytes: Uint8Array, from: string, proto: RecvProto, at: bigint, hopLimit: number | null): void {
    // Never let a bad packet escape into the socket's event loop.
    let decoded: ReturnType<typeof decodePacket>;
    try {
      decoded = decodePacket({ ipVersion: this.ipVersion, proto, bytes, from, hopLimit: hopLimit ?? undefined });
    } catch {
      this.counters.malformed++;
      return;
    }
    if (!decoded.ok) {
      if (decoded.malformed) this.counters.malformed++;
      else this.counters.foreign++;
      return;
    }
    for (const key of decoded.keys) {
      const p = this.pending.get(key);
      if (p) {
        this.counters.answered++;
        for (const k of p.keys) this.remember(k, 'answered');
        this.finish(p, decoded.reply, at);
        this.pump();
        return;
      }
    }
    const rewritten = this.rewrittenMatch(decoded.rewrittenKey, decoded.reply);
    if (rewritten) {
      this.counters.answered++;
      this.counters.rewritten = (this.counters.rewritten ?? 0) + 1;
      for (const k of rewritten.keys) this.remember(k, 'answered');
      this.remember(decoded.rewrittenKey!, 'answered');
      this.finish(rewritten, decoded.reply, at);
      this.pump();
      return;
    }
    const seen = [...decoded.keys, decoded.rewrittenKey ?? ''].map((k) => this.recent.get(k)).find((v) => v !== undefined);
    if (seen === 'late') this.counters.late++;
    else if (seen === 'answered') this.counters.duplicates++;
    else this.counters.foreign++;
  }
}

/** What a send error usually means, for the message. */
function sendHint(message: string): string {
  if (/not permitted|EPERM/i.test(message)) return ' (a firewall on this host drops the probe, e.g. an nftables/iptables output rule)';
  if (/unreachable|ENETUNREACH|EHOSTUNREACH/i.test(message)) return ' (this host has no usable route to it)';
  if (/No buffer space|ENOBUFS/i.test(message)) return ' (the interface queue is full: lower --rate)';
  return '';
}

/** The prober a measurement uses: the one it was given, or an engine of its own (owned: close it). */
export function proberFor(
  t: { ipVersion: IpVersion; proto: 'udp' | 'icmp' | 'tcp' },
  options: { prober?: Prober; rate?: number; device?: string },
): { prober: Prober; owned: boolean } {
  if (options.prober) return { prober: options.prober, owned: false };
  const receive: RecvProto[] = t.proto === 'tcp' ? ['icmp', 'tcp'] : ['icmp'];
  return { prober: Engine.open({ ipVersion: t.ipVersion, rate: options.rate, device: options.device, receive }), owned: true };
}
