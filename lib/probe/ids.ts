import { randomBytes } from 'node:crypto';

// Probe ids of traces running in one process must not collide: each trace takes a
// block of ids starting at a different place in the 16-bit space.
let nextBase = randomBytes(2).readUInt16BE(0);

export function allocateFlowBase(): number {
  const base = nextBase;
  nextBase = (nextBase + 0x1000) & 0xffff;
  return base;
}

export function newRunId(kind: string): string {
  return `${kind}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/**
 * Probe id number `n` of a block: 1..65535, never 0 (an IPv6 UDP checksum cannot be 0, and
 * Linux replaces an IP-ID of 0 in a header-included datagram with its own).
 */
export function probeIdAt(base: number, n: number): number {
  return ((base + n) % 0xffff) + 1;
}
