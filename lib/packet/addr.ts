import net from 'node:net';
import { EmitError } from './errors';

export function ipv4ToBytes(addr: string): Uint8Array {
  if (!net.isIPv4(addr)) throw new EmitError('addr', `not an IPv4 address: ${addr}`);
  return Uint8Array.from(addr.split('.').map(Number));
}

export function bytesToIpv4(b: Uint8Array, offset = 0): string {
  return `${b[offset]}.${b[offset + 1]}.${b[offset + 2]}.${b[offset + 3]}`;
}

export function ipv6ToBytes(addr: string): Uint8Array {
  if (!net.isIPv6(addr)) throw new EmitError('addr', `not an IPv6 address: ${addr}`);
  const out = new Uint8Array(16);
  // A zone (fe80::1%eth0) is not part of the address bytes.
  let text = addr.replace(/%.*$/, '');
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hextets.
  const v4 = text.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (v4) {
    const b = ipv4ToBytes(v4[1]);
    text = text.slice(0, -v4[1].length) + `${((b[0] << 8) | b[1]).toString(16)}:${((b[2] << 8) | b[3]).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, null];
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = tail === null ? h : [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  groups.forEach((g, i) => {
    const v = parseInt(g, 16);
    out[i * 2] = v >> 8;
    out[i * 2 + 1] = v & 0xff;
  });
  return out;
}

/**
 * Text form exactly as Node prints socket addresses (libuv's inet_ntop, RFC 5952):
 * lower case, the first longest run of two or more zero groups as '::', and an
 * embedded dotted quad for IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible
 * (::a.b.c.d) addresses.
 */
export function bytesToIpv6(b: Uint8Array, offset = 0): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push((b[offset + i * 2] << 8) | b[offset + i * 2 + 1]);
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best === 0 && (bestLen === 6 || (bestLen === 5 && groups[5] === 0xffff))) {
    return `::${bestLen === 5 ? 'ffff:' : ''}${bytesToIpv4(b, offset + 12)}`;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export function addrToBytes(addr: string): Uint8Array {
  return net.isIPv4(addr) ? ipv4ToBytes(addr) : ipv6ToBytes(addr);
}

/** 4 or 6 for an address string, 0 when it is neither. */
export function addrFamily(addr: string): 0 | 4 | 6 {
  return net.isIP(addr) as 0 | 4 | 6;
}
