import { bytesToIpv6, ipv6ToBytes } from './addr';
import { checkField, EmitError, fail, ok, type Result } from './errors';

export const IPV6_HEADER_LEN = 40;

export interface Ipv6Header {
  version: 6;
  trafficClass: number;
  flowLabel: number;
  payloadLength: number;
  nextHeader: number;
  hopLimit: number;
  src: string;
  dst: string;
}

/** An extension header as it stood, next-header and length bytes included. */
export interface Ipv6ExtensionHeader {
  type: number;
  bytes: Uint8Array;
}

export interface Ipv6Fragment {
  /** Fragment offset in bytes. */
  offset: number;
  more: boolean;
  id: number;
}

export interface Ipv6Packet {
  header: Ipv6Header;
  /**
   * Upper-layer protocol after the extension headers (the fragment's next header for a
   * fragment; 59 "no next header"; 50 ESP, whose contents are opaque).
   */
  protocol: number;
  /** Extension headers walked to reach it, as their next-header numbers. */
  extensions: number[];
  extensionHeaders: Ipv6ExtensionHeader[];
  /** The fragment header's fields, when there is one. Only offset 0 carries the upper-layer header. */
  fragment: Ipv6Fragment | null;
  /** Upper-layer bytes (after extension headers). */
  payload: Uint8Array;
  /** Everything after the fixed header: extension headers + payload (emitIpv6 takes this). */
  body: Uint8Array;
  truncated: boolean;
}

export const IPV6_EXT = { HOP_BY_HOP: 0, ROUTING: 43, FRAGMENT: 44, ESP: 50, AH: 51, NO_NEXT: 59, DEST_OPTS: 60 } as const;
// Headers in the common (next, length in 8-octet units beyond the first) format: hop-by-hop,
// routing, destination options, mobility, HIP, shim6. The experimental 253/254 are left as
// upper-layer protocols, as Linux treats them (it answers them with "unrecognized next header").
const GENERIC = new Set([0, 43, 60, 135, 139, 140]);
const MAX_EXTENSIONS = 8;

export function parseIpv6(b: Uint8Array, opts: { allowTruncated?: boolean } = {}): Result<Ipv6Packet> {
  if (b.length < IPV6_HEADER_LEN) return fail('truncated', 'ipv6', `${b.length} bytes, header needs 40`);
  const version = b[0] >> 4;
  if (version !== 6) return fail('bad-version', 'ipv6', `version ${version}`);
  const header: Ipv6Header = {
    version: 6,
    trafficClass: ((b[0] & 0x0f) << 4) | (b[1] >> 4),
    flowLabel: ((b[1] & 0x0f) << 16) | (b[2] << 8) | b[3],
    payloadLength: (b[4] << 8) | b[5],
    nextHeader: b[6],
    hopLimit: b[7],
    src: bytesToIpv6(b, 8),
    dst: bytesToIpv6(b, 24),
  };
  const end = IPV6_HEADER_LEN + header.payloadLength;
  const truncated = end > b.length;
  if (truncated && !opts.allowTruncated) return fail('truncated', 'ipv6', `${b.length} bytes, payload length says ${end}`);
  const body = b.subarray(IPV6_HEADER_LEN, Math.min(end, b.length));
  let protocol = header.nextHeader;
  let off = 0;
  const extensions: number[] = [];
  const extensionHeaders: Ipv6ExtensionHeader[] = [];
  let fragment: Ipv6Fragment | null = null;
  while (extensions.length < MAX_EXTENSIONS && (GENERIC.has(protocol) || protocol === IPV6_EXT.FRAGMENT || protocol === IPV6_EXT.AH)) {
    if (body.length < off + 8) return fail('truncated', 'ipv6', `extension header ${protocol} cut short`);
    const len = protocol === IPV6_EXT.FRAGMENT ? 8 : protocol === IPV6_EXT.AH ? (body[off + 1] + 2) * 4 : (body[off + 1] + 1) * 8;
    if (off + len > body.length) return fail('truncated', 'ipv6', `extension header ${protocol} runs past the packet`);
    if (protocol === IPV6_EXT.FRAGMENT) {
      const w = (body[off + 2] << 8) | body[off + 3];
      fragment = {
        offset: w & 0xfff8,
        more: (w & 1) === 1,
        id: ((body[off + 4] << 24) | (body[off + 5] << 16) | (body[off + 6] << 8) | body[off + 7]) >>> 0,
      };
    }
    extensions.push(protocol);
    extensionHeaders.push({ type: protocol, bytes: body.slice(off, off + len) });
    protocol = body[off];
    off += len;
    // Past a non-first fragment's header come data bytes, not further headers.
    if (fragment !== null && fragment.offset !== 0) break;
  }
  return ok({ header, protocol, extensions, extensionHeaders, fragment, payload: body.subarray(off), body, truncated });
}

export type Ipv6HeaderInput = Partial<Omit<Ipv6Header, 'version' | 'src' | 'dst' | 'nextHeader'>> &
  Pick<Ipv6Header, 'src' | 'dst' | 'nextHeader'>;

export function emitIpv6(h: Ipv6HeaderInput, payload: Uint8Array): Uint8Array {
  const payloadLength = h.payloadLength ?? payload.length;
  if (payloadLength > 0xffff) throw new EmitError('ipv6', `payload of ${payloadLength} bytes needs a jumbogram`);
  const tc = checkField('ipv6', 'traffic class', h.trafficClass ?? 0, 0xff);
  const fl = checkField('ipv6', 'flow label', h.flowLabel ?? 0, 0xfffff);
  const out = new Uint8Array(IPV6_HEADER_LEN + payload.length);
  out[0] = 0x60 | (tc >> 4);
  out[1] = ((tc & 0x0f) << 4) | (fl >> 16);
  out[2] = (fl >> 8) & 0xff;
  out[3] = fl & 0xff;
  out[4] = payloadLength >> 8;
  out[5] = payloadLength & 0xff;
  out[6] = checkField('ipv6', 'next header', h.nextHeader, 0xff);
  out[7] = checkField('ipv6', 'hop limit', h.hopLimit ?? 64, 0xff);
  out.set(ipv6ToBytes(h.src), 8);
  out.set(ipv6ToBytes(h.dst), 24);
  out.set(payload, IPV6_HEADER_LEN);
  return out;
}
