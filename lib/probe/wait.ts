/**
 * How long a trace waits for a probe, as traceroute's `-w MAX,HERE,NEAR` (defaults 3, 10):
 * once a later hop has answered, the path is known to carry replies back, so a probe waits
 * NEAR times that hop's RTT; else, once another probe of its own hop has answered, HERE
 * times that RTT; else the full MAX. Always within [min, MAX]. A silent stretch with
 * nothing answering after it (a black hole, a firewall) therefore waits MAX, while a
 * merely silent router among answering ones costs little; a slow router is never cut off
 * by the RTTs of faster ones before it.
 */
export class AdaptiveWait {
  /** Largest RTT answered at each TTL. */
  private readonly rtts = new Map<number, number>();

  constructor(
    readonly maxMs: number,
    readonly minMs: number,
    readonly here = 3,
    readonly near = 10,
  ) {}

  /** Records an answer at `ttl` (from the hop itself or, beyond it, the destination). */
  seen(ttl: number, rttMs: number): void {
    const was = this.rtts.get(ttl);
    if (was === undefined || rttMs > was) this.rtts.set(ttl, rttMs);
  }

  waitMs(ttl: number): number {
    let near = -1;
    for (const [t, rtt] of this.rtts) if (t > ttl && rtt > near) near = rtt;
    if (near >= 0) return this.clamp(this.near * near);
    const here = this.rtts.get(ttl);
    if (here !== undefined) return this.clamp(this.here * here);
    return this.maxMs;
  }

  /** The wait of a probe at `ttl`, re-read while it waits (answers elsewhere shorten it). */
  forTtl(ttl: number): () => number {
    return () => this.waitMs(ttl);
  }

  private clamp(ms: number): number {
    return Math.min(this.maxMs, Math.max(this.minMs, ms));
  }
}
