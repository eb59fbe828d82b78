import { internetChecksum, onesSum, pseudoHeader } from './checksum';
import { EmitError } from './errors';
import { echoRest, emitIcmp, ICMP4, ICMP6, IPPROTO_ICMP, IPPROTO_ICMPV6 } from './icmp';
import { emitIpv4, IPV4_HEADER_LEN } from './ipv4';
import { emitIpv6, IPV6_HEADER_LEN } from './ipv6';
import { compensationWord } from './paris';
import { emitTcp, IPPROTO_TCP, TCP_FLAGS, TCP_HEADER_LEN, type TcpOption } from './tcp';
import { emitUdp, IPPROTO_UDP, UDP_HEADER_LEN } from './udp';
import net from 'node:net';

/**
 * Complete probe datagrams for IP_HDRINCL / IPV6_HDRINCL sockets. Transport checksums
 * cover the pseudo-header, so `src` must be the real source address.
 */
export interface IpProbeInput {
  src: string;
  dst: string;
  /** TTL (IPv4) or hop limit (IPv6). */
  ttl: number;
  /** IPv4 identification. */
  ipId?: number;
  /** TOS / traffic class. */
  tos?: number;
  /** IPv6 flow label. */
  flowLabel?: number;
  /** IPv4 don't-fragment. */
  df?: boolean;
  /** Total datagram size; the payload is zero-padded to reach it. */
  size?: number;
  /** Payload bytes (before padding / Paris compensation). */
  payload?: Uint8Array;
}

function family(input: IpProbeInput): 4 | 6 {
  const s = net.isIP(input.src);
  const d = net.isIP(input.dst);
  if (d === 0) throw new EmitError('probe', `not an IP address: ${input.dst}`);
  if (s !== d) throw new EmitError('probe', `source ${input.src} and destination ${input.dst} are of different families`);
  return d as 4 | 6;
}

function wrap(v: 4 | 6, input: IpProbeInput, protocol: number, transport: Uint8Array): Uint8Array {
  if (v === 4) {
    return emitIpv4({ src: input.src, dst: input.dst, protocol, ttl: input.ttl, id: input.ipId ?? 0, tos: input.tos ?? 0, df: input.df ?? false }, transport);
  }
  return emitIpv6({ src: input.src, dst: input.dst, nextHeader: protocol, hopLimit: input.ttl, trafficClass: input.tos ?? 0, flowLabel: input.flowLabel ?? 0 }, transport);
}

/** Payload length so the whole datagram is `size` bytes, at least `min`. */
function payloadLength(v: 4 | 6, transportHeader: number, input: IpProbeInput, min: number): number {
  const given = input.payload?.length ?? 0;
  const fromSize = input.size === undefined ? 0 : input.size - (v === 4 ? IPV4_HEADER_LEN : IPV6_HEADER_LEN) - transportHeader;
  if (input.size !== undefined && fromSize < min) {
    throw new EmitError('probe', `size ${input.size} leaves ${fromSize} payload bytes, need ${min}`);
  }
  return Math.max(given, fromSize, min);
}

function payloadBytes(len: number, input: IpProbeInput, offset: number): Uint8Array {
  const p = new Uint8Array(len);
  if (input.payload) p.set(input.payload.subarray(0, len - offset), offset);
  return p;
}

export interface UdpProbeInput extends IpProbeInput {
  sport: number;
  dport: number;
  /** Make the UDP checksum exactly this (Paris probe id), using the first 2 payload bytes. */
  checksum?: number;
}

export function buildUdpProbe(input: UdpProbeInput): Uint8Array {
  const v = family(input);
  const paris = input.checksum !== undefined;
  const len = payloadLength(v, UDP_HEADER_LEN, input, paris ? 2 : 0);
  const payload = payloadBytes(len, input, paris ? 2 : 0);
  if (!paris) return wrap(v, input, IPPROTO_UDP, emitUdp(input, payload, input.src, input.dst));
  const wanted = input.checksum! & 0xffff;
  if (wanted === 0) {
    // Zero means "no checksum" on the wire: still a distinct, quotable id (IPv4 only).
    if (v === 6) throw new EmitError('udp', 'IPv6 UDP cannot carry checksum 0; use probe ids 1..65535');
    return wrap(v, input, IPPROTO_UDP, emitUdp({ ...input, checksum: 0 }, payload, input.src, input.dst));
  }
  const zeroed = emitUdp({ ...input, checksum: 0 }, payload, input.src, input.dst);
  const s0 = onesSum(zeroed, onesSum(pseudoHeader(input.src, input.dst, IPPROTO_UDP, zeroed.length)));
  const x = compensationWord(s0, wanted);
  payload[0] = x >> 8;
  payload[1] = x & 0xff;
  return wrap(v, input, IPPROTO_UDP, emitUdp({ ...input, checksum: wanted }, payload, input.src, input.dst));
}

export interface IcmpEchoProbeInput extends IpProbeInput {
  id: number;
  seq: number;
  /** Keep the ICMP checksum at this value whatever id/seq are (Paris), using 2 payload bytes. */
  checksum?: number;
}

export function buildIcmpEchoProbe(input: IcmpEchoProbeInput): Uint8Array {
  const v = family(input);
  const type = v === 4 ? ICMP4.ECHO_REQUEST : ICMP6.ECHO_REQUEST;
  const paris = input.checksum !== undefined;
  const len = payloadLength(v, 8, input, paris ? 2 : 0);
  const body = payloadBytes(len, input, paris ? 2 : 0);
  const addrs = v === 6 ? { src: input.src, dst: input.dst } : undefined;
  const rest = echoRest(input.id, input.seq);
  if (paris) {
    const zeroed = emitIcmp({ type, code: 0, rest, body, checksum: 0 });
    const pseudo = v === 6 ? onesSum(pseudoHeader(input.src, input.dst, IPPROTO_ICMPV6, zeroed.length)) : 0;
    const x = compensationWord(onesSum(zeroed, pseudo), input.checksum! & 0xffff);
    body[0] = x >> 8;
    body[1] = x & 0xff;
  }
  const msg = emitIcmp({ type, code: 0, rest, body }, addrs);
  return wrap(v, input, v === 4 ? IPPROTO_ICMP : IPPROTO_ICMPV6, msg);
}

export interface TcpProbeInput extends IpProbeInput {
  sport: number;
  dport: number;
  seq: number;
  ack?: number;
  /** Default SYN. */
  flags?: number;
  window?: number;
  options?: readonly TcpOption[];
}

export function buildTcpProbe(input: TcpProbeInput): Uint8Array {
  const v = family(input);
  const len = payloadLength(v, TCP_HEADER_LEN, input, 0);
  const payload = payloadBytes(len, input, 0);
  const seg = emitTcp({ ...input, flags: input.flags ?? TCP_FLAGS.SYN }, payload, input.src, input.dst);
  return wrap(v, input, IPPROTO_TCP, seg);
}

/** Checks a datagram's transport checksum (tests and diagnostics). */
export function transportChecksumOk(src: string, dst: string, protocol: number, transport: Uint8Array): boolean {
  if (protocol === IPPROTO_ICMP) return internetChecksum(transport) === 0;
  return internetChecksum(pseudoHeader(src, dst, protocol, transport.length), transport) === 0;
}
