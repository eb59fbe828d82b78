import type { MplsLabel, ReplyKind } from '../record';
import type { DecodeError, Result } from './errors';
import { fail, ok } from './errors';
import { onesSum, pseudoHeader } from './checksum';
import {
  echoIds, icmpMtu, isEcho, isIcmpError, parseIcmp, IPPROTO_ICMP, IPPROTO_ICMPV6,
  type IcmpMessage,
} from './icmp';
import { mplsLabels, splitErrorBody, type IcmpExtensions } from './icmp-ext';
import { parseIpv4 } from './ipv4';
import { parseIpv6 } from './ipv6';
import { parseQuote, type Quote } from './quote';
import { parseTcp, IPPROTO_TCP, TCP_FLAGS, type TcpHeader } from './tcp';

/** A received packet, decoded as far as it goes. */
export interface Reply {
  ipVersion: 4 | 6;
  protocol: 'icmp' | 'tcp';
  src: string;
  dst: string | null;
  /** TTL / hop limit on arrival; null when the socket did not tell. */
  ttl: number | null;
  ipId: number | null;
  /** Size of the IP datagram (estimated as 40 + message for IPv6 without header). */
  size: number;
  kind: ReplyKind;
  icmpType: number | null;
  icmpCode: number | null;
  checksumValid: boolean;
  mtu: number | null;
  echo: { id: number; seq: number } | null;
  tcp: TcpHeader | null;
  quote: Quote | null;
  quoteError: DecodeError | null;
  extensions: IcmpExtensions | null;
  mpls: MplsLabel[] | null;
  extensionError: DecodeError | null;
}

export function icmpKind(ipVersion: 4 | 6, type: number, code: number): ReplyKind {
  if (ipVersion === 4) {
    if (type === 0) return 'echo-reply';
    if (type === 11) return 'time-exceeded';
    if (type === 3) return code === 3 ? 'port-unreachable' : code === 4 ? 'frag-needed' : 'unreachable';
    if (type === 12) return 'param-problem';
    return 'other';
  }
  if (type === 129) return 'echo-reply';
  if (type === 3) return 'time-exceeded';
  if (type === 1) return code === 4 ? 'port-unreachable' : 'unreachable';
  if (type === 2) return 'frag-needed';
  if (type === 4) return 'param-problem';
  return 'other';
}

export function tcpKind(flags: number): ReplyKind {
  if (flags & TCP_FLAGS.RST) return 'tcp-rst';
  if ((flags & (TCP_FLAGS.SYN | TCP_FLAGS.ACK)) === (TCP_FLAGS.SYN | TCP_FLAGS.ACK)) return 'tcp-synack';
  if (flags & TCP_FLAGS.ACK) return 'tcp-ack';
  return 'other';
}

interface Outer {
  ipVersion: 4 | 6;
  src: string;
  dst: string | null;
  ttl: number | null;
  ipId: number | null;
  size: number;
}

function baseReply(outer: Outer, protocol: Reply['protocol'], kind: ReplyKind, checksumValid: boolean): Reply {
  // One literal with every field, so all replies share a shape (spreads were the hot spot).
  return {
    ipVersion: outer.ipVersion, protocol, src: outer.src, dst: outer.dst, ttl: outer.ttl, ipId: outer.ipId, size: outer.size,
    kind, icmpType: null, icmpCode: null, checksumValid, mtu: null, echo: null, tcp: null, quote: null, quoteError: null,
    extensions: null, mpls: null, extensionError: null,
  };
}

function fromIcmp(outer: Outer, bytes: Uint8Array, pseudoSum: number | null): Result<Reply> {
  const m = parseIcmp(bytes, outer.ipVersion);
  if (!m.ok) return m;
  const msg: IcmpMessage = m.value;
  // ICMPv6 checksums cover a pseudo-header; without the destination (a raw socket's
  // message) it cannot be checked here, and the kernel already did.
  const checksumValid = outer.ipVersion === 4 ? onesSum(bytes) === 0xffff : pseudoSum === null ? true : onesSum(bytes, pseudoSum) === 0xffff;
  const reply = baseReply(outer, 'icmp', icmpKind(outer.ipVersion, msg.type, msg.code), checksumValid);
  reply.icmpType = msg.type;
  reply.icmpCode = msg.code;
  reply.mtu = icmpMtu(msg);
  if (isEcho(outer.ipVersion, msg.type)) reply.echo = echoIds(msg);
  else if (isIcmpError(outer.ipVersion, msg.type)) {
    const split = splitErrorBody(msg);
    const q = parseQuote(split.quote, outer.ipVersion);
    if (q.ok) reply.quote = q.value;
    else reply.quoteError = q.error;
    if (split.extensions) {
      if (split.extensions.ok) {
        reply.extensions = split.extensions.value;
        const labels = mplsLabels(split.extensions.value);
        if (labels.ok) reply.mpls = labels.value;
        else reply.extensionError = labels.error;
      } else reply.extensionError = split.extensions.error;
    }
  }
  return ok(reply);
}

function fromTcp(outer: Outer, bytes: Uint8Array): Result<Reply> {
  const t = parseTcp(bytes);
  if (!t.ok) return t;
  const reply = baseReply(outer, 'tcp', tcpKind(t.value.header.flags), true);
  reply.tcp = t.value.header;
  return ok(reply);
}

/** Ones'-sum of the IPv6 pseudo-header, straight from the packet's address bytes. */
function pseudoSumFromHeader(packet: Uint8Array, upperLength: number): number {
  let sum = onesSum(packet.subarray(8, 40));
  sum += (upperLength >>> 16) + (upperLength & 0xffff) + IPPROTO_ICMPV6;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** A whole IPv4 datagram, as an IPv4 raw socket delivers it. */
export function decodeIpv4Packet(bytes: Uint8Array): Result<Reply> {
  const p = parseIpv4(bytes);
  if (!p.ok) return p;
  const h = p.value.header;
  if (h.fragOffset !== 0 || h.mf) return fail('unsupported', 'ipv4', 'fragment');
  const outer: Outer = { ipVersion: 4, src: h.src, dst: h.dst, ttl: h.ttl, ipId: h.id, size: h.totalLength };
  if (h.protocol === IPPROTO_ICMP) return fromIcmp(outer, p.value.payload, null);
  if (h.protocol === IPPROTO_TCP) return fromTcp(outer, p.value.payload);
  return fail('unsupported', 'ipv4', `protocol ${h.protocol}`);
}

export interface Ipv6SocketInfo {
  src: string;
  dst?: string;
  hopLimit?: number;
}

/** An ICMPv6 message as an IPv6 raw socket delivers it (no IPv6 header). */
export function decodeIcmpv6Message(bytes: Uint8Array, info: Ipv6SocketInfo): Result<Reply> {
  const pseudo = info.dst ? onesSum(pseudoHeader(info.src, info.dst, IPPROTO_ICMPV6, bytes.length)) : null;
  return fromIcmp({ ipVersion: 6, src: info.src, dst: info.dst ?? null, ttl: info.hopLimit ?? null, ipId: null, size: 40 + bytes.length }, bytes, pseudo);
}

/** A TCP segment as an IPv6 raw socket delivers it (no IPv6 header). */
export function decodeTcpSegment6(bytes: Uint8Array, info: Ipv6SocketInfo): Result<Reply> {
  return fromTcp({ ipVersion: 6, src: info.src, dst: info.dst ?? null, ttl: info.hopLimit ?? null, ipId: null, size: 40 + bytes.length }, bytes);
}

/** A whole IPv6 packet (captures, packet sockets, the emulator). */
export function decodeIpv6Packet(bytes: Uint8Array): Result<Reply> {
  const p = parseIpv6(bytes);
  if (!p.ok) return p;
  const h = p.value.header;
  const outer: Outer = { ipVersion: 6, src: h.src, dst: h.dst, ttl: h.hopLimit, ipId: null, size: 40 + h.payloadLength };
  // The pseudo-header sum is only right when no extension header sits in between.
  if (p.value.protocol === IPPROTO_ICMPV6) {
    const pseudo = p.value.extensions.length === 0 ? pseudoSumFromHeader(bytes, p.value.payload.length) : null;
    return fromIcmp(outer, p.value.payload, pseudo);
  }
  if (p.value.protocol === IPPROTO_TCP) return fromTcp(outer, p.value.payload);
  return fail('unsupported', 'ipv6', `next header ${p.value.protocol}`);
}

/** Either family, by the version nibble. */
export function decodeIpPacket(bytes: Uint8Array): Result<Reply> {
  if (bytes.length === 0) return fail('truncated', 'ip', 'empty packet');
  const v = bytes[0] >> 4;
  if (v === 4) return decodeIpv4Packet(bytes);
  if (v === 6) return decodeIpv6Packet(bytes);
  return fail('bad-version', 'ip', `version ${v}`);
}
