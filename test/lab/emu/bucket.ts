// Token-bucket ICMP rate limiting, as routers do it: `perSec` tokens a second, at most
// `burst` saved up; each ICMP error takes one, none left means it is not sent.

export class TokenBucket {
  private tokens: number;
  private last: number;
  /** ICMP errors refused for want of a token. */
  refused = 0;

  constructor(
    readonly perSec: number,
    readonly burst: number,
    now: number,
  ) {
    if (!(perSec > 0) || !(burst >= 1)) throw new RangeError(`token bucket: perSec ${perSec} > 0 and burst ${burst} >= 1 needed`);
    this.tokens = burst;
    this.last = now;
  }

  /** Takes a token at time `now` (ms); false when the bucket is empty. */
  take(now: number): boolean {
    if (now > this.last) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSec) / 1000);
      this.last = now;
    }
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    this.refused++;
    return false;
  }
}
