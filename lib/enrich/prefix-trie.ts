import { addrFamily, addrToBytes, bytesToIpv4, bytesToIpv6 } from '../packet/addr';

interface Node<T> {
  zero?: Node<T>;
  one?: Node<T>;
  value?: T;
}

/** Longest-prefix match over IPv4 and IPv6 prefixes (one binary trie per family). */
export class PrefixTrie<T> {
  private readonly roots: Record<4 | 6, Node<T>> = { 4: {}, 6: {} };
  private count = 0;

  get size(): number {
    return this.count;
  }

  /** Stores `value` for `prefix/length`; a second insert of the same prefix replaces the first. */
  insert(prefix: string, length: number, value: T): void {
    const family = addrFamily(prefix);
    if (family === 0) throw new RangeError(`prefix must be an IPv4 or IPv6 address, got ${JSON.stringify(prefix)}`);
    const bits = family === 4 ? 32 : 128;
    if (!Number.isInteger(length) || length < 0 || length > bits) throw new RangeError(`prefix length must be an integer from 0 to ${bits}, got ${length}`);
    const bytes = addrToBytes(prefix);
    let node = this.roots[family];
    for (let i = 0; i < length; i++) {
      const bit = (bytes[i >> 3] >> (7 - (i & 7))) & 1;
      const key = bit ? 'one' : 'zero';
      node = node[key] ??= {};
    }
    if (node.value === undefined) this.count++;
    node.value = value;
  }

  /** The value of the longest prefix holding `addr`, with that prefix; null when none does. */
  lookup(addr: string): { value: T; prefix: string; length: number } | null {
    const family = addrFamily(addr);
    if (family === 0) return null;
    const bytes = addrToBytes(addr);
    const bits = family === 4 ? 32 : 128;
    let node: Node<T> | undefined = this.roots[family];
    let best: { value: T; length: number } | null = null;
    for (let i = 0; node; i++) {
      if (node.value !== undefined) best = { value: node.value, length: i };
      if (i === bits) break;
      node = (bytes[i >> 3] >> (7 - (i & 7))) & 1 ? node.one : node.zero;
    }
    return best && { value: best.value, length: best.length, prefix: maskedPrefix(bytes, best.length, family) };
  }
}

/** `addr` with every bit past `length` cleared, as `a.b.c.d/len` or `x::/len`. */
export function maskedPrefix(bytes: Uint8Array, length: number, family: 4 | 6): string {
  const b = Uint8Array.from(bytes);
  for (let i = length; i < b.length * 8; i++) b[i >> 3] &= ~(1 << (7 - (i & 7)));
  return `${family === 4 ? bytesToIpv4(b) : bytesToIpv6(b)}/${length}`;
}
