import { bytesToIpv4, ipv4ToBytes } from './addr';
import { internetChecksum } from './checksum';
import { checkField, EmitError, fail, ok, type Result } from './errors';

export const IPV4_HEADER_LEN = 20;

export interface Ipv4Header {
  version: 4;
  /** Header length in bytes (20..60). */
  headerLength: number;
  tos: number;
  totalLength: number;
  id: number;
  df: boolean;
  mf: boolean;
  /** Fragment offset in bytes. */
  fragOffset: number;
  ttl: number;
  protocol: number;
  checksum: number;
  src: string;
  dst: string;
  /** Option bytes as they were (may be empty). */
  options: Uint8Array;
}

export interface Ipv4Packet {
  header: Ipv4Header;
  payload: Uint8Array;
  /** The buffer held fewer bytes than totalLength says (as in an ICMP quote). */
  truncated: boolean;
  checksumValid: boolean;
}

export interface Ipv4ParseOptions {
  /** Accept totalLength beyond the buffer (ICMP quotes carry a cut datagram). */
  allowTruncated?: boolean;
}

export function parseIpv4(b: Uint8Array, opts: Ipv4ParseOptions = {}): Result<Ipv4Packet> {
  if (b.length < IPV4_HEADER_LEN) return fail('truncated', 'ipv4', `${b.length} bytes, header needs 20`);
  const version = b[0] >> 4;
  if (version !== 4) return fail('bad-version', 'ipv4', `version ${version}`);
  const headerLength = (b[0] & 0x0f) * 4;
  if (headerLength < IPV4_HEADER_LEN) return fail('bad-header', 'ipv4', `header length ${headerLength}`);
  if (b.length < headerLength) return fail('truncated', 'ipv4', `${b.length} bytes, header says ${headerLength}`);
  const totalLength = (b[2] << 8) | b[3];
  if (totalLength < headerLength) return fail('bad-length', 'ipv4', `total length ${totalLength} < header ${headerLength}`);
  const truncated = totalLength > b.length;
  if (truncated && !opts.allowTruncated) return fail('truncated', 'ipv4', `${b.length} bytes, total length ${totalLength}`);
  const flags = (b[6] << 8) | b[7];
  const header: Ipv4Header = {
    version: 4,
    headerLength,
    tos: b[1],
    totalLength,
    id: (b[4] << 8) | b[5],
    df: (flags & 0x4000) !== 0,
    mf: (flags & 0x2000) !== 0,
    fragOffset: (flags & 0x1fff) * 8,
    ttl: b[8],
    protocol: b[9],
    checksum: (b[10] << 8) | b[11],
    src: bytesToIpv4(b, 12),
    dst: bytesToIpv4(b, 16),
    options: b.slice(IPV4_HEADER_LEN, headerLength),
  };
  return ok({
    header,
    payload: b.subarray(headerLength, Math.min(totalLength, b.length)),
    truncated,
    checksumValid: internetChecksum(b.subarray(0, headerLength)) === 0,
  });
}

export type Ipv4HeaderInput = Partial<Omit<Ipv4Header, 'version' | 'src' | 'dst' | 'protocol'>> &
  Pick<Ipv4Header, 'src' | 'dst' | 'protocol'>;

/**
 * Emits header + payload. headerLength, totalLength and checksum are computed unless
 * given (give them to reproduce captured bytes exactly).
 */
export function emitIpv4(h: Ipv4HeaderInput, payload: Uint8Array): Uint8Array {
  const options = h.options ?? new Uint8Array(0);
  if (options.length % 4 !== 0 || options.length > 40) throw new EmitError('ipv4', 'options must be a multiple of 4 bytes, at most 40');
  const headerLength = IPV4_HEADER_LEN + options.length;
  const totalLength = h.totalLength ?? headerLength + payload.length;
  if (totalLength > 0xffff) throw new EmitError('ipv4', `datagram of ${totalLength} bytes exceeds 65535`);
  const out = new Uint8Array(headerLength + payload.length);
  out[0] = 0x40 | (headerLength / 4);
  out[1] = checkField('ipv4', 'tos', h.tos ?? 0, 0xff);
  out[2] = totalLength >> 8;
  out[3] = totalLength & 0xff;
  const id = checkField('ipv4', 'id', h.id ?? 0, 0xffff);
  out[4] = id >> 8;
  out[5] = id & 0xff;
  const fragOffset = h.fragOffset ?? 0;
  if (fragOffset % 8 !== 0 || fragOffset > 0xfff8) throw new EmitError('ipv4', `fragment offset ${fragOffset} must be a multiple of 8 up to 65528`);
  const flags = (h.df ? 0x4000 : 0) | (h.mf ? 0x2000 : 0) | (fragOffset / 8);
  out[6] = flags >> 8;
  out[7] = flags & 0xff;
  out[8] = checkField('ipv4', 'ttl', h.ttl ?? 64, 0xff);
  out[9] = checkField('ipv4', 'protocol', h.protocol, 0xff);
  out.set(ipv4ToBytes(h.src), 12);
  out.set(ipv4ToBytes(h.dst), 16);
  out.set(options, IPV4_HEADER_LEN);
  const checksum = h.checksum ?? internetChecksum(out.subarray(0, headerLength));
  checkField('ipv4', 'checksum', checksum, 0xffff);
  out[10] = checksum >> 8;
  out[11] = checksum & 0xff;
  out.set(payload, headerLength);
  return out;
}
