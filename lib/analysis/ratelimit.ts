import type { ProbeRecord } from '../record';
import type { HopRow } from './hops';

export type RateVerdict =
  | { verdict: 'rate-limited'; ratePerSec: number; burst: number; fastAnswered: number; slowAnswered: number; probes: number }
  | { verdict: 'lossy'; loss: number; fastAnswered: number; slowAnswered: number; probes: number }
  | { verdict: 'clean'; fastAnswered: number; slowAnswered: number; probes: number };

/** Round numbers the two-rate test stamps on its records. */
export const FAST_ROUND = 0;
export const SLOW_ROUND = 1;

/**
 * Token bucket or loss? Records of one hop probed first in a fast burst (round 0) and then
 * slowly (round 1). A rate limiter answers about `burst + rate * T` of the burst but keeps up
 * with the slow probes; ordinary loss takes the same share at both rates.
 */
export function rateLimitVerdict(records: readonly ProbeRecord[]): RateVerdict {
  const phase = (round: number) => records.filter((r) => r.round === round).sort((a, b) => (a.sentAt ?? 0) - (b.sentAt ?? 0));
  const fast = phase(FAST_ROUND);
  const slow = phase(SLOW_ROUND);
  const answered = (rs: ProbeRecord[]) => rs.filter((r) => r.addr !== null).length;
  const [fa, sa] = [answered(fast), answered(slow)];
  const probes = fast.length + slow.length;
  const fastShare = fast.length ? fa / fast.length : 1;
  const slowShare = slow.length ? sa / slow.length : 1;
  if (fastShare >= 0.95 && slowShare >= 0.95) return { verdict: 'clean', fastAnswered: fa, slowAnswered: sa, probes };
  if (slowShare - fastShare >= 0.25) {
    // The initial burst: answers before the first unanswered fast probe; then the steady rate.
    const firstLost = fast.findIndex((r) => r.addr === null);
    const burst = firstLost < 0 ? fa : firstLost;
    const span = (rs: ProbeRecord[]) => Math.max(1e-3, ((rs.at(-1)?.sentAt ?? 0) - (rs[0]?.sentAt ?? 0)) / 1000);
    // Refill seen in the burst, or (a burst is often too short to see any) the pace the
    // slow probes were kept up with: a lower bound on the rate.
    const steadyFast = (fa - burst) / span(fast);
    const slowPace = slow.length > 1 ? (sa - 1) / span(slow) : 0;
    const ratePerSec = Math.round(Math.max(steadyFast, slowPace) * 10) / 10;
    return { verdict: 'rate-limited', ratePerSec, burst, fastAnswered: fa, slowAnswered: sa, probes };
  }
  return { verdict: 'lossy', loss: Math.round((1 - (fa + sa) / Math.max(1, probes)) * 1000) / 1000, fastAnswered: fa, slowAnswered: sa, probes };
}

/**
 * Loss at a hop that later hops do not show is not forwarding loss: those probes went
 * through, the router only did not answer (ICMP rate limiting or deprioritised generation).
 */
export function lossNotCarried(hops: readonly HopRow[], tolerance = 0.05): { ttl: number; loss: number; forwarding: boolean }[] {
  return hops
    .filter((h) => h.loss > 0)
    .map((h) => {
      const later = hops.filter((x) => x.ttl > h.ttl && x.sent > 0);
      const carried = later.length > 0 && later.every((x) => x.loss >= h.loss - tolerance);
      return { ttl: h.ttl, loss: h.loss, forwarding: later.length === 0 ? true : carried };
    });
}
