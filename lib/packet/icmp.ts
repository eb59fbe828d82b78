import { internetChecksum, pseudoHeader } from './checksum';
import { fail, ok, type Result } from './errors';

export const IPPROTO_ICMP = 1;
export const IPPROTO_ICMPV6 = 58;
export const ICMP_HEADER_LEN = 8;

export const ICMP4 = { ECHO_REPLY: 0, UNREACHABLE: 3, ECHO_REQUEST: 8, TIME_EXCEEDED: 11, PARAM_PROBLEM: 12 } as const;
export const ICMP6 = { UNREACHABLE: 1, PACKET_TOO_BIG: 2, TIME_EXCEEDED: 3, PARAM_PROBLEM: 4, ECHO_REQUEST: 128, ECHO_REPLY: 129 } as const;

/** ICMPv4 destination-unreachable codes (RFC 792, 1122, 1812). */
export const ICMP4_UNREACH_CODES = [
  'net', 'host', 'protocol', 'port', 'frag-needed', 'source-route-failed', 'net-unknown', 'host-unknown',
  'source-isolated', 'net-prohibited', 'host-prohibited', 'net-tos', 'host-tos', 'admin-prohibited',
  'host-precedence', 'precedence-cutoff',
] as const;
/** ICMPv6 destination-unreachable codes (RFC 4443, 7915). */
export const ICMP6_UNREACH_CODES = [
  'no-route', 'admin-prohibited', 'beyond-scope', 'address', 'port', 'policy-failed', 'reject-route', 'source-routing-header',
] as const;

/**
 * An ICMP or ICMPv6 message. `rest` is bytes 4..7 as they were; the derived fields
 * (echo id/seq, MTU, pointer, RFC 4884 length) interpret it per type.
 */
export interface IcmpMessage {
  ipVersion: 4 | 6;
  type: number;
  code: number;
  checksum: number;
  rest: number;
  body: Uint8Array;
}

export function isIcmpError(ipVersion: 4 | 6, type: number): boolean {
  return ipVersion === 4 ? type === 3 || type === 11 || type === 12 || type === 4 || type === 5 : type < 128;
}

export function isEcho(ipVersion: 4 | 6, type: number): boolean {
  return ipVersion === 4 ? type === 0 || type === 8 : type === 128 || type === 129;
}

export function parseIcmp(b: Uint8Array, ipVersion: 4 | 6): Result<IcmpMessage> {
  const layer = ipVersion === 4 ? 'icmp' : 'icmpv6';
  if (b.length < ICMP_HEADER_LEN) return fail('truncated', layer, `${b.length} bytes, header needs 8`);
  return ok({
    ipVersion,
    type: b[0],
    code: b[1],
    checksum: (b[2] << 8) | b[3],
    rest: ((b[4] << 24) | (b[5] << 16) | (b[6] << 8) | b[7]) >>> 0,
    body: b.subarray(ICMP_HEADER_LEN),
  });
}

export function echoIds(m: IcmpMessage): { id: number; seq: number } {
  return { id: m.rest >>> 16, seq: m.rest & 0xffff };
}

/** Next-hop MTU of an ICMPv4 frag-needed or ICMPv6 packet-too-big; null otherwise. */
export function icmpMtu(m: IcmpMessage): number | null {
  if (m.ipVersion === 4 && m.type === 3 && m.code === 4) return m.rest & 0xffff;
  if (m.ipVersion === 6 && m.type === 2) return m.rest;
  return null;
}

/** RFC 4884 "length of original datagram" in bytes (0 when absent / legacy); null for types without it. */
export function rfc4884Length(m: IcmpMessage): number | null {
  if (m.ipVersion === 4 && (m.type === 3 || m.type === 11 || m.type === 12)) return ((m.rest >>> 16) & 0xff) * 4;
  if (m.ipVersion === 6 && (m.type === 1 || m.type === 3)) return (m.rest >>> 24) * 8;
  return null;
}

/** Parameter-problem pointer; null for other types. */
export function icmpPointer(m: IcmpMessage): number | null {
  if (m.ipVersion === 4 && m.type === 12) return m.rest >>> 24;
  if (m.ipVersion === 6 && m.type === 4) return m.rest;
  return null;
}

/** ICMPv6 checksums need the addresses of the enclosing IPv6 header. */
export interface Icmpv6Addrs {
  src: string;
  dst: string;
}

export function icmpChecksum(message: Uint8Array, v6?: Icmpv6Addrs): number {
  const copy = message.slice();
  copy[2] = 0;
  copy[3] = 0;
  return v6 ? internetChecksum(pseudoHeader(v6.src, v6.dst, IPPROTO_ICMPV6, copy.length), copy) : internetChecksum(copy);
}

export function icmpChecksumValid(message: Uint8Array, v6?: Icmpv6Addrs): boolean {
  return message.length >= 4 && icmpChecksum(message, v6) === ((message[2] << 8) | message[3]);
}

/** Emits a message; the checksum is computed unless given (ICMPv6 needs the addresses). */
export function emitIcmp(m: Omit<IcmpMessage, 'checksum' | 'ipVersion'> & { checksum?: number }, v6?: Icmpv6Addrs): Uint8Array {
  const out = new Uint8Array(ICMP_HEADER_LEN + m.body.length);
  out[0] = m.type;
  out[1] = m.code;
  new DataView(out.buffer).setUint32(4, m.rest >>> 0);
  out.set(m.body, ICMP_HEADER_LEN);
  const c = m.checksum ?? icmpChecksum(out, v6);
  out[2] = c >> 8;
  out[3] = c & 0xff;
  return out;
}

export function echoRest(id: number, seq: number): number {
  return (((id & 0xffff) << 16) | (seq & 0xffff)) >>> 0;
}
