import { addrFamily, addrToBytes } from './addr';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Ones'-complement sum of 16-bit words, not yet complemented (carries folded). */
export function onesSum(data: Uint8Array, initial = 0): number {
  let sum = initial;
  const n = data.length & ~1;
  let i = 0;
  if (n >= 64 && (data.byteOffset & 1) === 0) {
    // Whole native words are faster; the ones'-complement sum is byte-order independent
    // (RFC 1071 §2 B), so sum them as they lie and swap the folded result.
    const words = new Uint16Array(data.buffer, data.byteOffset, n >>> 1);
    let w = 0;
    for (let k = 0; k < words.length; k++) w += words[k];
    while (w > 0xffff) w = (w & 0xffff) + (w >>> 16);
    sum += LITTLE_ENDIAN ? ((w & 0xff) << 8) | (w >>> 8) : w;
    i = n;
  }
  for (; i < n; i += 2) sum += (data[i] << 8) | data[i + 1];
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

const addrSums = new Map<string, number | null>();

/**
 * Ones'-sum of the two addresses of a pseudo-header (protocol and length are added by
 * the caller), or null unless both are addresses of one family. Memoised: a prober sees
 * the same few address pairs again and again, and parsing address text is the slow part.
 */
export function pseudoAddrSum(src: string, dst: string): number | null {
  const key = `${src} ${dst}`;
  let sum = addrSums.get(key);
  if (sum === undefined) {
    const f = addrFamily(src);
    sum = f !== 0 && f === addrFamily(dst) ? onesSum(pseudoHeader(src, dst, 0, 0)) : null;
    if (addrSums.size >= 4096) addrSums.clear();
    addrSums.set(key, sum);
  }
  return sum;
}
