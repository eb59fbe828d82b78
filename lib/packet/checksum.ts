import { addrToBytes } from './addr';

/** Ones'-complement sum of 16-bit words, not yet complemented (carries folded). */
export function onesSum(data: Uint8Array, initial = 0): number {
  let sum = initial;
  const n = data.length & ~1;
  for (let i = 0; i < n; i += 2) sum += (data[i] << 8) | data[i + 1];
  if (data.length & 1) sum += data[data.length - 1] << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** Internet checksum (RFC 1071) of the concatenated parts. */
export function internetChecksum(...parts: Uint8Array[]): number {
  let sum = 0;
  let odd: number | null = null;
  for (const p of parts) {
    let start = 0;
    if (odd !== null && p.length > 0) {
      sum += (odd << 8) | p[0];
      odd = null;
      start = 1;
    }
    const body = p.subarray(start);
    sum = onesSum(body.subarray(0, body.length & ~1), sum);
    if (body.length & 1) odd = body[body.length - 1];
  }
  if (odd !== null) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** IPv4 or IPv6 pseudo-header for transport checksums (RFC 768 / RFC 8200 §8.1). */
export function pseudoHeader(src: string, dst: string, protocol: number, length: number): Uint8Array {
  const s = addrToBytes(src);
  const d = addrToBytes(dst);
  if (s.length === 4) {
    const p = new Uint8Array(12);
    p.set(s, 0);
    p.set(d, 4);
    p[9] = protocol;
    p[10] = length >> 8;
    p[11] = length & 0xff;
    return p;
  }
  const p = new Uint8Array(40);
  p.set(s, 0);
  p.set(d, 16);
  new DataView(p.buffer).setUint32(32, length);
  p[39] = protocol;
  return p;
}

/** Ones'-complement a + b of 16-bit values. */
export function onesAdd(a: number, b: number): number {
  const s = a + b;
  return (s & 0xffff) + (s >>> 16);
}

/**
 * The 16-bit word to put at an even offset of a checksummed region so that its
 * checksum comes out as `wanted`, given the ones'-sum of the region with that word
 * zero (and the checksum field zero). This is how Paris probes steer a checksum.
 */
export function compensationWord(sumWithoutWord: number, wanted: number): number {
  // checksum = ~(S0 + X)  =>  X = ~wanted - S0 = ~wanted + ~S0 (ones' complement)
  const x = onesAdd(~wanted & 0xffff, ~sumWithoutWord & 0xffff);
  return x === 0xffff ? 0 : x & 0xffff;
}
