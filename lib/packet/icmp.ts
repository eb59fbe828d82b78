import { internetChecksum, onesSum, pseudoAddrSum } from './checksum';
import { checkField, EmitError, fail, ok, type Result } from './errors';
import { buildErrorBody, splitErrorBody, type ExtensionLayout, type IcmpExtensionObject } from './icmp-ext';

export const IPPROTO_ICMP = 1;
export const IPPROTO_ICMPV6 = 58;
export const ICMP_HEADER_LEN = 8;

export const ICMP4 = { ECHO_REPLY: 0, UNREACHABLE: 3, ECHO_REQUEST: 8, TIME_EXCEEDED: 11, PARAM_PROBLEM: 12 } as const;
export const ICMP6 = { UNREACHABLE: 1, PACKET_TOO_BIG: 2, TIME_EXCEEDED: 3, PARAM_PROBLEM: 4, ECHO_REQUEST: 128, ECHO_REPLY: 129 } as const;

/** ICMPv4 destination-unreachable codes 0..15 (RFC 792, 1122, 1812). */
export const ICMP4_UNREACH_CODES = [
  'net', 'host', 'protocol', 'port', 'frag-needed', 'source-route-failed', 'net-unknown', 'host-unknown',
  'source-isolated', 'net-prohibited', 'host-prohibited', 'net-tos', 'host-tos', 'admin-prohibited',
  'host-precedence', 'precedence-cutoff',
] as const;
/** ICMPv6 destination-unreachable codes 0..7 (RFC 4443, 6550). */
export const ICMP6_UNREACH_CODES = [
  'no-route', 'admin-prohibited', 'beyond-scope', 'address', 'port', 'policy-failed', 'reject-route', 'source-routing-header',
] as const;

export type Icmp4UnreachReason = (typeof ICMP4_UNREACH_CODES)[number];
export type Icmp6UnreachReason = (typeof ICMP6_UNREACH_CODES)[number];

/** The name of a destination-unreachable code ('port', 'admin-prohibited', …); `code-N` when unassigned. */
export function unreachableReason(ipVersion: 4 | 6, code: number): string {
  const names: readonly string[] = ipVersion === 4 ? ICMP4_UNREACH_CODES : ICMP6_UNREACH_CODES;
  return names[code] ?? `code-${code}`;
}

/**
 * An ICMP or ICMPv6 message, raw: `rest` is bytes 4..7 as they were; the helpers below
 * (echo id/seq, MTU, pointer, RFC 4884 length) interpret it per type. Round-trips
 * byte for byte through emitIcmp. The typed forms are Icmpv4Repr / Icmpv6Repr.
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
  if (!v6) return internetChecksum(copy);
  const addrs = pseudoAddrSum(v6.src, v6.dst);
  if (addrs === null) throw new EmitError('icmpv6', `not a pair of IPv6 addresses: ${v6.src}, ${v6.dst}`);
  const len = copy.length;
  return ~onesSum(copy, addrs + IPPROTO_ICMPV6 + (len >>> 16) + (len & 0xffff)) & 0xffff;
}

export function icmpChecksumValid(message: Uint8Array, v6?: Icmpv6Addrs): boolean {
  return message.length >= 4 && icmpChecksum(message, v6) === ((message[2] << 8) | message[3]);
}

/** Emits a message; the checksum is computed unless given (ICMPv6 needs the addresses). */
export function emitIcmp(m: Omit<IcmpMessage, 'checksum' | 'ipVersion'> & { checksum?: number }, v6?: Icmpv6Addrs): Uint8Array {
  const out = new Uint8Array(ICMP_HEADER_LEN + m.body.length);
  out[0] = checkField('icmp', 'type', m.type, 0xff);
  out[1] = checkField('icmp', 'code', m.code, 0xff);
  new DataView(out.buffer).setUint32(4, checkField('icmp', 'rest of header', m.rest, 0xffffffff));
  out.set(m.body, ICMP_HEADER_LEN);
  const c = m.checksum ?? icmpChecksum(out, v6);
  out[2] = c >> 8;
  out[3] = c & 0xff;
  return out;
}

export function echoRest(id: number, seq: number): number {
  return (((id & 0xffff) << 16) | (seq & 0xffff)) >>> 0;
}

// ---- Typed messages (ICMPv4 here, ICMPv6 in icmpv6.ts) ----

export interface IcmpEcho {
  kind: 'echo-request' | 'echo-reply';
  id: number;
  seq: number;
  data: Uint8Array;
}

/** What follows the header of an ICMP error. */
export interface IcmpErrorPayload {
  /** The original-datagram field: the quoted datagram (zero-padded to 128 bytes when extensions follow). */
  quote: Uint8Array;
  /** RFC 4884 extension objects; null when the message carries none (or none that parse). */
  extensions: IcmpExtensionObject[] | null;
  /** Where they sit: after the length-field-sized quote, or at offset 128 with length 0 (legacy). */
  extensionLayout: ExtensionLayout | null;
}

/** A message of a type the typed layer does not model, kept raw. */
export interface IcmpOther {
  kind: 'other';
  type: number;
  code: number;
  rest: number;
  body: Uint8Array;
}

export type Icmpv4Repr =
  | IcmpEcho
  /** Code 4 is frag-needed, with the next-hop MTU (RFC 1191); 0 for the other codes. */
  | ({ kind: 'dest-unreachable'; code: number; nextHopMtu: number } & IcmpErrorPayload)
  | ({ kind: 'time-exceeded'; code: number } & IcmpErrorPayload)
  | ({ kind: 'param-problem'; code: number; pointer: number } & IcmpErrorPayload)
  | IcmpOther;

export interface IcmpParseOptions {
  /** Return a 'bad-checksum' error when the checksum does not verify (default true). */
  verifyChecksum?: boolean;
}

export function echoRepr(m: IcmpMessage, kind: IcmpEcho['kind']): IcmpEcho {
  return { kind, ...echoIds(m), data: m.body };
}

export function errorPayload(m: IcmpMessage): IcmpErrorPayload {
  const split = splitErrorBody(m);
  if (split.extensions === null || !split.extensions.ok) return { quote: m.body, extensions: null, extensionLayout: null };
  return { quote: split.quote, extensions: split.extensions.value.objects, extensionLayout: split.extensions.value.layout };
}

export function otherRepr(m: IcmpMessage): IcmpOther {
  return { kind: 'other', type: m.type, code: m.code, rest: m.rest, body: m.body };
}

/** Parses and checks the raw message both typed parsers start from. */
export function parseChecked(b: Uint8Array, ipVersion: 4 | 6, verify: boolean, v6?: Icmpv6Addrs): Result<IcmpMessage> {
  const m = parseIcmp(b, ipVersion);
  // ICMPv6 is checked only with a valid pair of addresses to build the pseudo-header from.
  const checkable = ipVersion === 4 || (v6 !== undefined && pseudoAddrSum(v6.src, v6.dst) !== null);
  if (!m.ok || !verify || !checkable || icmpChecksumValid(b, v6)) return m;
  return fail('bad-checksum', ipVersion === 4 ? 'icmp' : 'icmpv6', `checksum ${m.value.checksum.toString(16)} does not verify`);
}

export function parseIcmpv4(b: Uint8Array, opts: IcmpParseOptions = {}): Result<Icmpv4Repr> {
  const r = parseChecked(b, 4, opts.verifyChecksum ?? true);
  if (!r.ok) return r;
  const m = r.value;
  switch (m.type) {
    case ICMP4.ECHO_REQUEST: return ok(echoRepr(m, 'echo-request'));
    case ICMP4.ECHO_REPLY: return ok(echoRepr(m, 'echo-reply'));
    case ICMP4.UNREACHABLE: return ok({ kind: 'dest-unreachable', code: m.code, nextHopMtu: m.rest & 0xffff, ...errorPayload(m) });
    case ICMP4.TIME_EXCEEDED: return ok({ kind: 'time-exceeded', code: m.code, ...errorPayload(m) });
    case ICMP4.PARAM_PROBLEM: return ok({ kind: 'param-problem', code: m.code, pointer: m.rest >>> 24, ...errorPayload(m) });
    default: return ok(otherRepr(m));
  }
}

/** type, code, rest and body of a typed message (the part both families share). */
export function echoParts(r: IcmpEcho, requestType: number, replyType: number): Omit<IcmpMessage, 'checksum' | 'ipVersion'> {
  checkField('icmp', 'id', r.id, 0xffff);
  checkField('icmp', 'seq', r.seq, 0xffff);
  return { type: r.kind === 'echo-request' ? requestType : replyType, code: 0, rest: echoRest(r.id, r.seq), body: r.data };
}

export function emitIcmpv4(r: Icmpv4Repr): Uint8Array {
  switch (r.kind) {
    case 'echo-request':
    case 'echo-reply':
      return emitIcmp(echoParts(r, ICMP4.ECHO_REQUEST, ICMP4.ECHO_REPLY));
    case 'other':
      return emitIcmp(r);
  }
  const { body, lengthField } = buildErrorBody(4, r.quote, r.extensions, r.extensionLayout ?? undefined);
  const len = lengthField << 16;
  switch (r.kind) {
    case 'dest-unreachable':
      return emitIcmp({ type: ICMP4.UNREACHABLE, code: r.code, rest: (len | checkField('icmp', 'next-hop MTU', r.nextHopMtu, 0xffff)) >>> 0, body });
    case 'time-exceeded':
      return emitIcmp({ type: ICMP4.TIME_EXCEEDED, code: r.code, rest: len, body });
    case 'param-problem':
      return emitIcmp({ type: ICMP4.PARAM_PROBLEM, code: r.code, rest: ((checkField('icmp', 'pointer', r.pointer, 0xff) << 24) | len) >>> 0, body });
  }
}
