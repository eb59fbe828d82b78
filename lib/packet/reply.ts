import type { MplsLabel, ReplyKind } from '../record';
import type { DecodeError, Result } from './errors';
import { fail, ok } from './errors';
import { onesSum, pseudoAddrSum } from './checksum';
import {
  echoIds, icmpMtu, icmpPointer, isEcho, isIcmpError, parseIcmp, IPPROTO_ICMP, IPPROTO_ICMPV6,
  type IcmpMessage,
} from './icmp';
import { mplsLabels, splitErrorBody, type IcmpExtensions } from './icmp-ext';
import { parseIpv4 } from './ipv4';
import { IPV6_EXT, parseIpv6 } from './ipv6';
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
  /**
   * IPv4 header and ICMP/TCP checksums all verify. Checksums that cover an IPv6
   * pseudo-header are checked only when both addresses are known (true otherwise).
   * Caution: on veth links (the lab) and with transmit offload generally, TCP segments
   * made on the same machine can arrive with a partial checksum, so do not drop on this
   * by default; see DecodeOptions.rejectBadChecksum.
   */
  checksumValid: boolean;
  /** Next-hop MTU of frag-needed / packet-too-big. */
  mtu: number | null;
  /** Parameter-problem pointer (ICMPv4: byte offset in the quote; ICMPv6: in the quoted packet). */
  pointer: number | null;
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

/** How strict the reply decoders are. */
export interface DecodeOptions {
  /** Return a 'bad-checksum' error instead of a reply with checksumValid false. */
  rejectBadChecksum?: boolean;
}

interface Outer {
  ipVersion: 4 | 6;
  src: string;
  dst: string | null;
  ttl: number | null;
  ipId: number | null;
  size: number;
  /** Ones'-sum of the transport pseudo-header without protocol and length; null when unknown. */
  addrSum: number | null;
  ipChecksumValid: boolean;
}

function baseReply(outer: Outer, protocol: Reply['protocol'], kind: ReplyKind, checksumValid: boolean): Reply {
  // One literal with every field, so all replies share a shape (spreads were the hot spot).
  return {
    ipVersion: outer.ipVersion, protocol, src: outer.src, dst: outer.dst, ttl: outer.ttl, ipId: outer.ipId, size: outer.size,
    kind, icmpType: null, icmpCode: null, checksumValid, mtu: null, pointer: null, echo: null, tcp: null, quote: null,
    quoteError: null, extensions: null, mpls: null, extensionError: null,
  };
}

/** Ones'-sum check of a transport message: plain (ICMPv4) or over a pseudo-header. */
function transportSumOk(bytes: Uint8Array, outer: Outer, protocol: number, pseudo: boolean): boolean {
  if (!pseudo) return onesSum(bytes) === 0xffff;
  if (outer.addrSum === null) return true;
  return onesSum(bytes, outer.addrSum + protocol + (bytes.length >>> 16) + (bytes.length & 0xffff)) === 0xffff;
}

function checked(reply: Reply, opts: DecodeOptions, layer: string): Result<Reply> {
  if (!reply.checksumValid && opts.rejectBadChecksum) return fail('bad-checksum', layer, 'IP header or transport checksum does not verify');
  return ok(reply);
}

function fromIcmp(outer: Outer, bytes: Uint8Array, opts: DecodeOptions): Result<Reply> {
  const m = parseIcmp(bytes, outer.ipVersion);
  if (!m.ok) return m;
  const msg: IcmpMessage = m.value;
  const v6 = outer.ipVersion === 6;
  const checksumValid = outer.ipChecksumValid && transportSumOk(bytes, outer, IPPROTO_ICMPV6, v6);
  const reply = baseReply(outer, 'icmp', icmpKind(outer.ipVersion, msg.type, msg.code), checksumValid);
  reply.icmpType = msg.type;
  reply.icmpCode = msg.code;
  reply.mtu = icmpMtu(msg);
  reply.pointer = icmpPointer(msg);
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
  return checked(reply, opts, v6 ? 'icmpv6' : 'icmp');
}

function fromTcp(outer: Outer, bytes: Uint8Array, opts: DecodeOptions): Result<Reply> {
  const t = parseTcp(bytes);
  if (!t.ok) return t;
  const checksumValid = outer.ipChecksumValid && transportSumOk(bytes, outer, IPPROTO_TCP, true);
  const reply = baseReply(outer, 'tcp', tcpKind(t.value.header.flags), checksumValid);
  reply.tcp = t.value.header;
  return checked(reply, opts, 'tcp');
}

/** A whole IPv4 datagram, as an IPv4 raw socket delivers it. */
export function decodeIpv4Packet(bytes: Uint8Array, opts: DecodeOptions = {}): Result<Reply> {
  const p = parseIpv4(bytes);
  if (!p.ok) return p;
  const h = p.value.header;
  if (h.fragOffset !== 0 || h.mf) return fail('unsupported', 'ipv4', `fragment at offset ${h.fragOffset}`);
  const outer: Outer = {
    ipVersion: 4, src: h.src, dst: h.dst, ttl: h.ttl, ipId: h.id, size: h.totalLength,
    addrSum: onesSum(bytes.subarray(12, 20)), ipChecksumValid: p.value.checksumValid,
  };
  if (h.protocol === IPPROTO_ICMP) return fromIcmp(outer, p.value.payload, opts);
  if (h.protocol === IPPROTO_TCP) return fromTcp(outer, p.value.payload, opts);
  return fail('unsupported', 'ipv4', `protocol ${h.protocol}`);
}

/** What an IPv6 raw socket tells besides the message: the sender, and if asked for, destination and hop limit. */
export interface Ipv6SocketInfo {
  src: string;
  /** Needed to verify the checksum (pseudo-header); the kernel has verified it already. */
  dst?: string;
  hopLimit?: number;
}

function socketOuter(bytes: Uint8Array, info: Ipv6SocketInfo): Outer {
  return {
    ipVersion: 6, src: info.src, dst: info.dst ?? null, ttl: info.hopLimit ?? null, ipId: null, size: 40 + bytes.length,
    addrSum: info.dst === undefined ? null : pseudoAddrSum(info.src, info.dst), ipChecksumValid: true,
  };
}

/** An ICMPv6 message as an IPv6 raw socket delivers it (no IPv6 header). */
export function decodeIcmpv6Message(bytes: Uint8Array, info: Ipv6SocketInfo, opts: DecodeOptions = {}): Result<Reply> {
  return fromIcmp(socketOuter(bytes, info), bytes, opts);
}

/** A TCP segment as an IPv6 raw socket delivers it (no IPv6 header). */
export function decodeTcpSegment6(bytes: Uint8Array, info: Ipv6SocketInfo, opts: DecodeOptions = {}): Result<Reply> {
  return fromTcp(socketOuter(bytes, info), bytes, opts);
}

/** A whole IPv6 packet (captures, packet sockets, the lab's emulator). */
export function decodeIpv6Packet(bytes: Uint8Array, opts: DecodeOptions = {}): Result<Reply> {
  const p = parseIpv6(bytes);
  if (!p.ok) return p;
  const { header: h, fragment } = p.value;
  if (fragment !== null && (fragment.offset !== 0 || fragment.more)) return fail('unsupported', 'ipv6', `fragment at offset ${fragment.offset}`);
  // A routing header changes the destination the pseudo-header uses: leave that unchecked.
  const routed = p.value.extensions.includes(IPV6_EXT.ROUTING);
  const outer: Outer = {
    ipVersion: 6, src: h.src, dst: h.dst, ttl: h.hopLimit, ipId: null, size: 40 + h.payloadLength,
    addrSum: routed ? null : onesSum(bytes.subarray(8, 40)), ipChecksumValid: true,
  };
  if (p.value.protocol === IPPROTO_ICMPV6) return fromIcmp(outer, p.value.payload, opts);
  if (p.value.protocol === IPPROTO_TCP) return fromTcp(outer, p.value.payload, opts);
  return fail('unsupported', 'ipv6', `next header ${p.value.protocol}`);
}

/** Either family, by the version nibble. */
export function decodeIpPacket(bytes: Uint8Array, opts: DecodeOptions = {}): Result<Reply> {
  if (bytes.length === 0) return fail('truncated', 'ip', 'empty packet');
  const v = bytes[0] >> 4;
  if (v === 4) return decodeIpv4Packet(bytes, opts);
  if (v === 6) return decodeIpv6Packet(bytes, opts);
  return fail('bad-version', 'ip', `version ${v}`);
}
