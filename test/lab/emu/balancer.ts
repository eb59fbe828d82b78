// Load balancers of emulated routers: which of a multipath route's next hops a packet takes.
//
// - per-flow: a hash of the source and destination addresses, the protocol and the first
//   four bytes of the transport header (UDP/TCP: both ports; ICMP: type, code, checksum —
//   what classic router hardware hashes, and what Paris traceroute keeps constant), seeded
//   per router so that consecutive balancers do not split the same flows the same way;
// - per-destination: a hash of the destination address alone (and the seed): every flow to
//   one address takes one next hop, other addresses spread;
// - per-packet: round robin, whatever the flow.

export type BalancerKind = 'per-flow' | 'per-packet' | 'per-destination';

/** The fields a balancer may look at. `l4` is the first four bytes of the transport header (fewer if absent). */
export interface FlowFields {
  src: Uint8Array;
  dst: Uint8Array;
  proto: number;
  l4: Uint8Array;
}

/** FNV-1a over the seed and the given byte strings, finished with a murmur-style mix. */
export function hashBytes(seed: number, ...parts: (Uint8Array | number)[]): number {
  // The seed enters once, as bytes: XORing it into the basis too cancelled it out for seeds < 256.
  let h = 0x811c9dc5;
  const eat = (b: number) => {
    h ^= b & 0xff;
    h = Math.imul(h, 0x01000193) >>> 0;
  };
  for (let i = 0; i < 4; i++) eat(seed >>> (i * 8));
  for (const p of parts) {
    if (typeof p === 'number') eat(p);
    else for (let i = 0; i < p.length; i++) eat(p[i]);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

export function flowHash(seed: number, f: FlowFields): number {
  return hashBytes(seed, f.src, f.dst, f.proto, f.l4.subarray(0, 4));
}

export function destinationHash(seed: number, dst: Uint8Array): number {
  return hashBytes(seed, dst);
}

/**
 * A hash onto 0..n-1 by its high bits (multiply-shift): FNV's low bits are a linear
 * function of the input's low bits whatever the seed, so `% 2` would split every router's
 * flows alike (perfect polarization).
 */
function spread(hash: number, n: number): number {
  return Math.floor((hash / 4294967296) * n);
}

export class Balancer {
  private counter = 0;
  constructor(
    readonly kind: BalancerKind,
    readonly seed = 0,
  ) {}

  /** Index 0..n-1 of the next hop this packet takes. */
  pick(n: number, f: FlowFields): number {
    if (n <= 1) return 0;
    switch (this.kind) {
      case 'per-packet':
        return this.counter++ % n;
      case 'per-destination':
        return spread(destinationHash(this.seed, f.dst), n);
      case 'per-flow':
        return spread(flowHash(this.seed, f), n);
    }
  }
}
