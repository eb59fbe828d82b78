import { bytesToIpv6, ipv6ToBytes } from './addr';
import { EmitError, fail, ok, type Result } from './errors';

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

export interface Ipv6Packet {
  header: Ipv6Header;
  /** Upper-layer protocol after any extension headers. */
  protocol: number;
  /** Extension headers skipped to reach it, as their next-header numbers. */
  extensions: number[];
  /** Upper-layer bytes (after extension headers). */
  payload: Uint8Array;
  truncated: boolean;
}

// Hop-by-hop, routing, destination options: skippable by their length byte.
const SKIPPABLE = new Set([0, 43, 60]);
const FRAGMENT = 44;
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
  while ((SKIPPABLE.has(protocol) || protocol === FRAGMENT) && extensions.length < MAX_EXTENSIONS) {
    if (body.length < off + 8) return fail('truncated', 'ipv6', `extension header ${protocol} cut short`);
    const len = protocol === FRAGMENT ? 8 : (body[off + 1] + 1) * 8;
    extensions.push(protocol);
    protocol = body[off];
    off += len;
    if (off > body.length) return fail('truncated', 'ipv6', 'extension header runs past the packet');
  }
  return ok({ header, protocol, extensions, payload: body.subarray(off), truncated });
}

export type Ipv6HeaderInput = Partial<Omit<Ipv6Header, 'version' | 'src' | 'dst' | 'nextHeader'>> &
  Pick<Ipv6Header, 'src' | 'dst' | 'nextHeader'>;

export function emitIpv6(h: Ipv6HeaderInput, payload: Uint8Array): Uint8Array {
  const payloadLength = h.payloadLength ?? payload.length;
  if (payloadLength > 0xffff) throw new EmitError('ipv6', `payload of ${payloadLength} bytes needs a jumbogram`);
  const tc = h.trafficClass ?? 0;
  const fl = h.flowLabel ?? 0;
  if (fl < 0 || fl > 0xfffff) throw new EmitError('ipv6', `flow label ${fl} out of 0..0xfffff`);
  const out = new Uint8Array(IPV6_HEADER_LEN + payload.length);
  out[0] = 0x60 | (tc >> 4);
  out[1] = ((tc & 0x0f) << 4) | (fl >> 16);
  out[2] = (fl >> 8) & 0xff;
  out[3] = fl & 0xff;
  out[4] = payloadLength >> 8;
  out[5] = payloadLength & 0xff;
  out[6] = h.nextHeader;
  out[7] = h.hopLimit ?? 64;
  out.set(ipv6ToBytes(h.src), 8);
  out.set(ipv6ToBytes(h.dst), 24);
  out.set(payload, IPV6_HEADER_LEN);
  return out;
}
