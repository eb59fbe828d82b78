// What an emulated router originates: ICMP errors quoting the packet, echo replies, TCP answers.
import {
  buildErrorBody, emitIcmp, emitIpv4, emitIpv6, emitTcp, parseTcp, ICMP4, ICMP6, IPPROTO_ICMP, IPPROTO_ICMPV6, IPPROTO_TCP, TCP_FLAGS,
  type IcmpExtensionObject,
} from '../../../lib/packet';

/** What an ICMP error may quote: 576 - 28 bytes for IPv4 (as Linux), 1280 - 48 for IPv6. */
const QUOTE_MAX = { 4: 548, 6: 1232 } as const;

export interface Originated {
  family: 4 | 6;
  src: string;
  dst: string;
  ttl: number;
}

/** An IPv4 or IPv6 packet around an ICMP / ICMPv6 message. */
function icmpPacket(o: Originated, type: number, code: number, rest: number, body: Uint8Array, id: number): Uint8Array {
  if (o.family === 4) return emitIpv4({ src: o.src, dst: o.dst, protocol: IPPROTO_ICMP, ttl: o.ttl, id }, emitIcmp({ type, code, rest, body }));
  const msg = emitIcmp({ type, code, rest, body }, { src: o.src, dst: o.dst });
  return emitIpv6({ src: o.src, dst: o.dst, nextHeader: IPPROTO_ICMPV6, hopLimit: o.ttl }, msg);
}

export type ErrorKind = 'time-exceeded' | 'port-unreachable';

/**
 * An ICMP error quoting `offending` (as received), with RFC 4884 length and the given
 * extension objects (e.g. an RFC 4950 label stack) when there are any.
 */
export function icmpError(o: Originated, kind: ErrorKind, offending: Uint8Array, extensions: IcmpExtensionObject[] | null, id = 0): Uint8Array {
  const quote = offending.subarray(0, extensions ? 128 : QUOTE_MAX[o.family]);
  const { body, lengthField } = buildErrorBody(o.family, quote, extensions && extensions.length ? extensions : null);
  const [type, code] =
    o.family === 4
      ? kind === 'time-exceeded' ? [ICMP4.TIME_EXCEEDED, 0] : [ICMP4.UNREACHABLE, 3]
      : kind === 'time-exceeded' ? [ICMP6.TIME_EXCEEDED, 0] : [ICMP6.UNREACHABLE, 4];
  const rest = o.family === 4 ? lengthField << 16 : (lengthField << 24) >>> 0;
  return icmpPacket(o, type, code, rest, body, id);
}

/** The echo reply to an echo request's ICMP message (`request`: type, code, checksum, rest, data). */
export function echoReply(o: Originated, request: Uint8Array, id = 0): Uint8Array {
  const rest = ((request[4] << 24) | (request[5] << 16) | (request[6] << 8) | request[7]) >>> 0;
  return icmpPacket(o, o.family === 4 ? ICMP4.ECHO_REPLY : ICMP6.ECHO_REPLY, 0, rest, request.subarray(8), id);
}

/** SYN-ACK to a SYN on a listening port, RST otherwise (null: a segment that gets no answer). */
export function tcpAnswer(o: Originated, segment: Uint8Array, listening: boolean, id = 0): Uint8Array | null {
  const parsed = parseTcp(segment);
  if (!parsed.ok) return null;
  const h = parsed.value.header;
  if (h.flags & TCP_FLAGS.RST) return null;
  const syn = (h.flags & TCP_FLAGS.SYN) !== 0;
  const ack = (h.seq + parsed.value.payload.length + (syn ? 1 : 0) + (h.flags & TCP_FLAGS.FIN ? 1 : 0)) >>> 0;
  const reply =
    syn && listening
      ? emitTcp({ sport: h.dport, dport: h.sport, seq: 0x1000, ack, flags: TCP_FLAGS.SYN | TCP_FLAGS.ACK, window: 65535, options: [{ kind: 'mss', value: 1460 }] }, new Uint8Array(0), o.src, o.dst)
      : h.flags & TCP_FLAGS.ACK
        ? emitTcp({ sport: h.dport, dport: h.sport, seq: h.ack, ack: 0, flags: TCP_FLAGS.RST, window: 0 }, new Uint8Array(0), o.src, o.dst)
        : emitTcp({ sport: h.dport, dport: h.sport, seq: 0, ack, flags: TCP_FLAGS.RST | TCP_FLAGS.ACK, window: 0 }, new Uint8Array(0), o.src, o.dst);
  if (o.family === 4) return emitIpv4({ src: o.src, dst: o.dst, protocol: IPPROTO_TCP, ttl: o.ttl, id, df: true }, reply);
  return emitIpv6({ src: o.src, dst: o.dst, nextHeader: IPPROTO_TCP, hopLimit: o.ttl }, reply);
}
