import { addrFamily } from './addr';
import { compensationWord, internetChecksum, onesSum, pseudoHeader } from './checksum';
import { checkField, EmitError } from './errors';
import { echoRest, emitIcmp, ICMP4, ICMP6, ICMP_HEADER_LEN, IPPROTO_ICMP, IPPROTO_ICMPV6 } from './icmp';
import { emitIpv4, IPV4_HEADER_LEN } from './ipv4';
import { emitIpv6, IPV6_HEADER_LEN } from './ipv6';
import { emitTcp, emitTcpOptions, IPPROTO_TCP, TCP_FLAGS, TCP_HEADER_LEN, type TcpOption } from './tcp';
import { emitUdp, IPPROTO_UDP, UDP_HEADER_LEN } from './udp';

/**
 * Complete probe datagrams for IP_HDRINCL / IPV6_HDRINCL sockets.
 *
 * Source address: with IPv4 IP_HDRINCL, Linux fills in a zero source ('0.0.0.0'), the
 * total length, the header checksum and a zero IP-ID; they are computed here anyway.
 * The UDP, TCP and ICMPv6 checksums cover a pseudo-header with the source address, so
 * with an unspecified source ('0.0.0.0' / '::') the caller must name the address the
 * kernel will use in `checksumSrc` (builders refuse otherwise rather than send a probe
 * every host drops). Linux does not fill a zero IPv6 source under IPV6_HDRINCL.
 */
export interface IpProbeInput {
  src: string;
  dst: string;
  /** Pseudo-header source for transport checksums when `src` is left unspecified. */
  checksumSrc?: string;
  /** TTL (IPv4) or hop limit (IPv6); `hopLimit` is an alias. */
  ttl?: number;
  hopLimit?: number;
  /** IPv4 identification (Linux replaces 0 with its own). */
  ipId?: number;
  /** TOS (IPv4) or traffic class (IPv6); `trafficClass` is an alias. */
  tos?: number;
  trafficClass?: number;
  /** IPv6 flow label. */
  flowLabel?: number;
  /** IPv4 don't-fragment. */
  df?: boolean;
  /** Total datagram size in bytes; the payload is zero-padded to reach it. */
  size?: number;
  /** Transport payload length in bytes (an alternative to size). */
  payloadLength?: number;
  /** Payload bytes (zero-padded to size / payloadLength; Paris probes put 2 compensation bytes before them). */
  payload?: Uint8Array;
}

interface Resolved {
  v: 4 | 6;
  /** Source for the pseudo-header. */
  csrc: string;
}

const UNSPECIFIED = new Set(['0.0.0.0', '::']);

function resolve(input: IpProbeInput, protocol: number): Resolved {
  const d = addrFamily(input.dst);
  if (d === 0) throw new EmitError('probe', `not an IP address: ${input.dst}`);
  if (addrFamily(input.src) !== d) throw new EmitError('probe', `source ${input.src} and destination ${input.dst} are of different families`);
  let csrc = input.src;
  if (UNSPECIFIED.has(input.src) && protocol !== IPPROTO_ICMP) {
    if (input.checksumSrc === undefined) {
      throw new EmitError('probe', `source ${input.src} is unspecified: give checksumSrc, the address the kernel will use, for the transport checksum`);
    }
    if (addrFamily(input.checksumSrc) !== d) throw new EmitError('probe', `checksumSrc ${input.checksumSrc} is not an IPv${d} address`);
    csrc = input.checksumSrc;
  }
  return { v: d, csrc };
}

function wrap(r: Resolved, input: IpProbeInput, protocol: number, transport: Uint8Array): Uint8Array {
  const ttl = input.ttl ?? input.hopLimit;
  if (ttl === undefined) throw new EmitError('probe', 'ttl (or hopLimit) is required');
  const tos = input.tos ?? input.trafficClass ?? 0;
  if (r.v === 4) {
    return emitIpv4({ src: input.src, dst: input.dst, protocol, ttl, id: input.ipId ?? 0, tos, df: input.df ?? false }, transport);
  }
  return emitIpv6({ src: input.src, dst: input.dst, nextHeader: protocol, hopLimit: ttl, trafficClass: tos, flowLabel: input.flowLabel ?? 0 }, transport);
}

/**
 * The zero-padded payload: `reserve` leading bytes (Paris compensation) then the given
 * payload, as long as the largest of that, payloadLength and what size leaves.
 */
function buildPayload(r: Resolved, transportHeader: number, input: IpProbeInput, reserve: number): Uint8Array {
  let len = Math.max(reserve + (input.payload?.length ?? 0), input.payloadLength ?? 0);
  if (input.size !== undefined) {
    const fromSize = input.size - (r.v === 4 ? IPV4_HEADER_LEN : IPV6_HEADER_LEN) - transportHeader;
    if (fromSize < len) throw new EmitError('probe', `size ${input.size} leaves ${Math.max(fromSize, 0)} payload bytes, need ${len}`);
    len = fromSize;
  }
  const p = new Uint8Array(len);
  if (input.payload) p.set(input.payload, reserve);
  return p;
}

export interface UdpProbeInput extends IpProbeInput {
  sport: number;
  dport: number;
  /** Make the UDP checksum exactly this (Paris probe id) by choosing the first 2 payload bytes. */
  checksum?: number;
}

export function buildUdpProbe(input: UdpProbeInput): Uint8Array {
  const r = resolve(input, IPPROTO_UDP);
  const paris = input.checksum !== undefined;
  const payload = buildPayload(r, UDP_HEADER_LEN, input, paris ? 2 : 0);
  const ports = { sport: input.sport, dport: input.dport };
  if (!paris) return wrap(r, input, IPPROTO_UDP, emitUdp(ports, payload, r.csrc, input.dst));
  const wanted = checkField('udp', 'checksum', input.checksum!, 0xffff);
  if (wanted === 0) {
    // Zero means "no checksum" on the wire: still a distinct, quotable id (IPv4 only).
    if (r.v === 6) throw new EmitError('udp', 'IPv6 UDP cannot carry checksum 0; use probe ids 1..65535');
    return wrap(r, input, IPPROTO_UDP, emitUdp({ ...ports, checksum: 0 }, payload, r.csrc, input.dst));
  }
  const zeroed = emitUdp({ ...ports, checksum: 0 }, payload, r.csrc, input.dst);
  const x = compensationWord(onesSum(zeroed, onesSum(pseudoHeader(r.csrc, input.dst, IPPROTO_UDP, zeroed.length))), wanted);
  payload[0] = x >> 8;
  payload[1] = x & 0xff;
  return wrap(r, input, IPPROTO_UDP, emitUdp({ ...ports, checksum: wanted }, payload, r.csrc, input.dst));
}

export interface IcmpEchoProbeInput extends IpProbeInput {
  id: number;
  seq: number;
  /** Keep the ICMP checksum at this value whatever id/seq are (Paris), using the first 2 payload bytes. */
  checksum?: number;
}

export function buildIcmpEchoProbe(input: IcmpEchoProbeInput): Uint8Array {
  const protocol = addrFamily(input.dst) === 6 ? IPPROTO_ICMPV6 : IPPROTO_ICMP;
  const r = resolve(input, protocol);
  const type = r.v === 4 ? ICMP4.ECHO_REQUEST : ICMP6.ECHO_REQUEST;
  const paris = input.checksum !== undefined;
  const body = buildPayload(r, ICMP_HEADER_LEN, input, paris ? 2 : 0);
  const addrs = r.v === 6 ? { src: r.csrc, dst: input.dst } : undefined;
  const rest = echoRest(checkField('icmp', 'id', input.id, 0xffff), checkField('icmp', 'seq', input.seq, 0xffff));
  if (paris) {
    const zeroed = emitIcmp({ type, code: 0, rest, body, checksum: 0 });
    const pseudo = addrs ? onesSum(pseudoHeader(addrs.src, addrs.dst, IPPROTO_ICMPV6, zeroed.length)) : 0;
    const x = compensationWord(onesSum(zeroed, pseudo), checkField('icmp', 'checksum', input.checksum!, 0xffff));
    body[0] = x >> 8;
    body[1] = x & 0xff;
  }
  return wrap(r, input, protocol, emitIcmp({ type, code: 0, rest, body }, addrs));
}

export interface TcpProbeInput extends IpProbeInput {
  sport: number;
  dport: number;
  seq: number;
  ack?: number;
  /** TCP_FLAGS bits; default SYN. */
  flags?: number;
  window?: number;
  urgent?: number;
  options?: readonly TcpOption[];
}

export function buildTcpProbe(input: TcpProbeInput): Uint8Array {
  const r = resolve(input, IPPROTO_TCP);
  const optionBytes = emitTcpOptions(input.options ?? []).length;
  const payload = buildPayload(r, TCP_HEADER_LEN + ((optionBytes + 3) & ~3), input, 0);
  const seg = emitTcp(
    { sport: input.sport, dport: input.dport, seq: input.seq, ack: input.ack, flags: input.flags ?? TCP_FLAGS.SYN, window: input.window, urgent: input.urgent, options: input.options },
    payload, r.csrc, input.dst,
  );
  return wrap(r, input, IPPROTO_TCP, seg);
}

/** Checks a datagram's transport checksum (tests and diagnostics). */
export function transportChecksumOk(src: string, dst: string, protocol: number, transport: Uint8Array): boolean {
  if (protocol === IPPROTO_ICMP) return internetChecksum(transport) === 0;
  return internetChecksum(pseudoHeader(src, dst, protocol, transport.length), transport) === 0;
}
