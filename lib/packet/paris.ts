/**
 * Paris traceroute keeps every field a load balancer hashes constant and carries the
 * probe id where balancers do not look: in the UDP checksum (by choosing two payload
 * bytes), or, for ICMP echo, in id/seq while two payload bytes hold the checksum fixed.
 */

/** Ones'-complement a + b. */
function onesAdd(a: number, b: number): number {
  const s = a + b;
  return (s & 0xffff) + (s >>> 16);
}

/**
 * The 16-bit word to put at an even offset of a checksummed region so that its
 * checksum comes out as `wanted`, given the ones'-sum of the region with that word
 * zero (and the checksum field zero).
 */
export function compensationWord(sumWithoutWord: number, wanted: number): number {
  // checksum = ~(S0 + X)  =>  X = ~wanted - S0 = ~wanted + ~S0 (ones' complement)
  const x = onesAdd(~wanted & 0xffff, ~sumWithoutWord & 0xffff);
  return x === 0xffff ? 0 : x & 0xffff;
}
