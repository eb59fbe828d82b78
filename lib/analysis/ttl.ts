/**
 * Initial-TTL inference and return hop counts from the TTL of a reply.
 * Two published rules: tracepath's (64/128/255) and TNT's (32/64/128/255).
 */

export type InitialTtlRule = 'tracepath' | 'tnt';

/** The initial TTL a reply most likely left its sender with. */
export function guessInitialTtl(replyTtl: number, rule: InitialTtlRule = 'tnt'): number {
  if (!Number.isInteger(replyTtl) || replyTtl < 0 || replyTtl > 255) {
    throw new RangeError(`replyTtl must be an integer from 0 to 255, got ${replyTtl}`);
  }
  if (rule === 'tracepath') return replyTtl <= 64 ? 64 : replyTtl <= 128 ? 128 : 255;
  return replyTtl > 128 ? 255 : replyTtl > 64 ? 128 : replyTtl > 32 ? 64 : 32;
}

/**
 * Return hop count on the same scale as the forward TTL: a directly connected router's
 * reply arrives undecremented and counts as 1 hop, so hops = iTTL - replyTtl + 1
 * (tracepath's 65 - r for iTTL 64). Compare it with the probe TTL that drew the reply.
 */
export function returnHops(replyTtl: number, initialTtl: number): number {
  if (replyTtl > initialTtl) {
    throw new RangeError(`replyTtl ${replyTtl} exceeds initialTtl ${initialTtl}`);
  }
  return initialTtl - replyTtl + 1;
}
