import { Resolver } from 'node:dns/promises';

export type NameStatus = 'name' | 'nxdomain' | 'timeout' | 'error';

export interface NameResult {
  addr: string;
  name: string | null;
  status: NameStatus;
}

export interface ReverseDnsOptions {
  /** DNS servers to ask instead of the system's (`addr` or `addr:port`, `[v6]:port`). */
  servers?: string[];
  /** Per-query timeout, ms (default 800), and attempts (default 1). */
  timeoutMs?: number;
  tries?: number;
  /** Lookups in flight at once (default 16); the rest wait their turn. */
  concurrency?: number;
}

/**
 * Reverse DNS with a timeout, a cache (answers and failures alike: an address is asked once
 * per instance) and bounded concurrency.
 */
export class ReverseDns {
  private readonly resolver: Resolver;
  private readonly cache = new Map<string, Promise<NameResult>>();
  private readonly concurrency: number;
  private readonly timeoutMs: number;
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(options: ReverseDnsOptions = {}) {
    const timeoutMs = (this.timeoutMs = options.timeoutMs ?? 800);
    if (!Number.isFinite(timeoutMs) || timeoutMs < 1 || timeoutMs > 60_000) throw new RangeError(`timeoutMs must be from 1 to 60000, got ${timeoutMs}`);
    const tries = options.tries ?? 1;
    if (!Number.isInteger(tries) || tries < 1 || tries > 10) throw new RangeError(`tries must be an integer from 1 to 10, got ${tries}`);
    this.concurrency = options.concurrency ?? 16;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1 || this.concurrency > 1024) throw new RangeError(`concurrency must be an integer from 1 to 1024, got ${this.concurrency}`);
    this.resolver = new Resolver({ timeout: timeoutMs, tries });
    if (options.servers) this.resolver.setServers(options.servers);
  }

  /** The name of `addr` (cached after the first lookup). Never rejects. */
  lookup(addr: string): Promise<NameResult> {
    let r = this.cache.get(addr);
    if (!r) {
      r = this.ask(addr);
      this.cache.set(addr, r);
    }
    return r;
  }

  /** Whether `addr` has been asked (its answer may still be on its way). */
  has(addr: string): boolean {
    return this.cache.has(addr);
  }

  private async ask(addr: string): Promise<NameResult> {
    if (this.running >= this.concurrency) await new Promise<void>((r) => this.waiting.push(r));
    this.running++;
    const started = performance.now();
    try {
      const names = await this.resolver.reverse(addr);
      return names[0] ? { addr, name: names[0], status: 'name' } : { addr, name: null, status: 'nxdomain' };
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // c-ares reports a server that never answered as ENOTFOUND too, after its timeout: a
      // real "no such name" comes back in one round trip, far sooner.
      const waitedOut = performance.now() - started >= this.timeoutMs;
      const status: NameStatus = code === 'ETIMEOUT' || (waitedOut && (code === 'ENOTFOUND' || code === 'ECONNREFUSED')) ? 'timeout' : code === 'ENOTFOUND' || code === 'ENODATA' ? 'nxdomain' : 'error';
      return { addr, name: null, status };
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }

  close(): void {
    this.resolver.cancel();
  }
}

/**
 * Names for printing hop lines as they come: lookups start when an address is first seen,
 * and printing waits for a name at most `waitMs` after its lookup began (so a silent DNS
 * server costs the output about `waitMs` once, not once per hop). Probing never waits.
 */
export class NameCache {
  private readonly deadlines = new Map<string, number>();
  readonly dns: ReverseDns;

  constructor(
    private readonly waitMs = 300,
    servers?: string[],
  ) {
    this.dns = new ReverseDns({ servers, timeoutMs: 800, tries: 1 });
  }

  lookup(addr: string): Promise<string | null> {
    if (!this.deadlines.has(addr)) this.deadlines.set(addr, performance.now() + this.waitMs);
    return this.dns.lookup(addr).then((r) => r.name);
  }

  /** The name if it arrives before the address's deadline, else null. */
  async nameOf(addr: string): Promise<string | null> {
    const name = this.lookup(addr);
    const left = this.deadlines.get(addr)! - performance.now();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((r) => (timer = setTimeout(() => r(null), Math.max(0, left))));
    try {
      return await Promise.race([name, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(): void {
    this.dns.close();
  }
}
