import { internetChecksum, pseudoHeader } from './checksum';
import { checkField, fail, ok, type Result } from './errors';

export const UDP_HEADER_LEN = 8;
export const IPPROTO_UDP = 17;

export interface UdpHeader {
  sport: number;
  dport: number;
  length: number;
  checksum: number;
}

export interface UdpDatagram {
  header: UdpHeader;
  payload: Uint8Array;
}

/** Parses a UDP header; with allowTruncated the payload may be shorter than length (quotes). */
export function parseUdp(b: Uint8Array, opts: { allowTruncated?: boolean } = {}): Result<UdpDatagram> {
  if (b.length < UDP_HEADER_LEN) return fail('truncated', 'udp', `${b.length} bytes, header needs 8`);
  const header: UdpHeader = {
    sport: (b[0] << 8) | b[1],
    dport: (b[2] << 8) | b[3],
    length: (b[4] << 8) | b[5],
    checksum: (b[6] << 8) | b[7],
  };
  if (header.length < UDP_HEADER_LEN) return fail('bad-length', 'udp', `length ${header.length}`);
  if (header.length > b.length && !opts.allowTruncated) return fail('truncated', 'udp', `${b.length} bytes, length says ${header.length}`);
  return ok({ header, payload: b.subarray(UDP_HEADER_LEN, Math.min(header.length, b.length)) });
}

/** Emits a UDP datagram; the checksum is computed over the pseudo-header unless given. */
export function emitUdp(h: { sport: number; dport: number; checksum?: number }, payload: Uint8Array, src: string, dst: string): Uint8Array {
  const out = new Uint8Array(UDP_HEADER_LEN + payload.length);
  const length = checkField('udp', 'length', out.length, 0xffff);
  checkField('udp', 'source port', h.sport, 0xffff);
  checkField('udp', 'destination port', h.dport, 0xffff);
  out[0] = h.sport >> 8;
  out[1] = h.sport & 0xff;
  out[2] = h.dport >> 8;
  out[3] = h.dport & 0xff;
  out[4] = length >> 8;
  out[5] = length & 0xff;
  out.set(payload, UDP_HEADER_LEN);
  let c = h.checksum;
  if (c === undefined) {
    c = internetChecksum(pseudoHeader(src, dst, IPPROTO_UDP, length), out);
    if (c === 0) c = 0xffff; // zero means "no checksum" in UDP
  }
  out[6] = c >> 8;
  out[7] = c & 0xff;
  return out;
}

/** True when the checksum verifies, or (IPv4 only) is 0, meaning the sender computed none. */
export function udpChecksumValid(datagram: Uint8Array, src: string, dst: string): boolean {
  if (datagram.length >= 8 && datagram[6] === 0 && datagram[7] === 0 && !src.includes(':')) return true;
  return internetChecksum(pseudoHeader(src, dst, IPPROTO_UDP, datagram.length), datagram) === 0;
}
