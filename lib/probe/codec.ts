import { probeFields, type ProbeFields, type ReplyFields } from '../record';
import {
  buildIcmpEchoProbe, buildTcpProbe, buildUdpProbe, decodeIcmpv6Message, decodeIpv4Packet, decodeTcpSegment6,
  emitTcpOptions, TCP_FLAGS, type Reply, type Result,
} from '../packet';
import type { ProbeSpec } from './spec';
import { icmpKey, rewrittenKey, tcpAnswerKey, tcpKey, tcpSynAckKey, udpKey } from './spec';
import type { RecvProto } from './sockets';
import { canonicalAddress } from './source';

export interface BuiltProbe {
  datagram: Uint8Array;
  /** Identities a reply may carry: the quoted probe, or (TCP) the direct answer's acknowledgement. */
  keys: string[];
  /** What still identifies it when a NAT rewrote the quote (IPv4 with a known IP-ID), else null. */
  rewrittenKey: string | null;
  fields: ProbeFields;
}

/** Builds the datagram for a spec and the key its reply will carry. */
export function buildProbe(spec: ProbeSpec): BuiltProbe {
  // Keys carry the destination as replies are decoded (any IPv6 spelling of it must match).
  const dst = canonicalAddress(spec.dst);
  const ip = {
    src: spec.src, dst: spec.dst, ttl: spec.ttl, ipId: spec.ipId ?? spec.probeId ?? 0, tos: spec.tos, df: spec.df,
    flowLabel: spec.flowLabel, size: spec.size,
  };
  let datagram: Uint8Array;
  let keys: string[];
  switch (spec.proto) {
    case 'udp': {
      const sport = spec.sport ?? 0;
      const dport = spec.dport ?? 0;
      datagram = buildUdpProbe({ ...ip, sport, dport, checksum: spec.checksum });
      const checksum = (datagram[(spec.ipVersion === 4 ? 20 : 40) + 6] << 8) | datagram[(spec.ipVersion === 4 ? 20 : 40) + 7];
      keys = [udpKey(dst, sport, dport, checksum)];
      break;
    }
    case 'icmp': {
      const id = spec.icmpId ?? 0;
      const seq = spec.icmpSeq ?? 0;
      datagram = buildIcmpEchoProbe({ ...ip, id, seq, checksum: spec.checksum });
      keys = [icmpKey(dst, id, seq)];
      break;
    }
    case 'tcp': {
      const sport = spec.sport ?? 0;
      const dport = spec.dport ?? 0;
      const seq = spec.tcpSeq ?? 0;
      const options = spec.tcpOptions ?? [];
      datagram = buildTcpProbe({ ...ip, sport, dport, seq, ack: spec.tcpAck, flags: spec.tcpFlags, window: spec.tcpWindow, options });
      const flags = spec.tcpFlags ?? TCP_FLAGS.SYN;
      const header = 20 + ((emitTcpOptions(options).length + 3) & ~3);
      const payload = datagram.length - (spec.ipVersion === 4 ? 20 : 40) - header;
      const syn = flags & TCP_FLAGS.SYN ? 1 : 0;
      const expectedAck = spec.expectAck ?? seq + payload + syn + (flags & TCP_FLAGS.FIN ? 1 : 0);
      keys = [tcpKey(dst, sport, dport, seq), tcpAnswerKey(dst, sport, dport, expectedAck)];
      if (syn) keys.push(tcpSynAckKey(dst, sport, dport, seq + 1));
      break;
    }
  }
  const fields = probeFields({
    ttl: spec.ttl, proto: spec.proto, ipVersion: spec.ipVersion, dst, src: canonicalAddress(spec.src),
    run: spec.run ?? null, round: spec.round ?? null, attempt: spec.attempt ?? 0,
    sport: spec.proto === 'icmp' ? null : spec.sport ?? null,
    dport: spec.proto === 'icmp' ? null : spec.dport ?? null,
    flowLabel: spec.ipVersion === 6 ? spec.flowLabel ?? 0 : null,
    flowId: spec.flowId ?? null, probeId: spec.probeId ?? null,
    // Linux fills in an IP-ID of 0 itself: then the probe's IP-ID is not known here.
    probeIpId: spec.ipVersion === 4 && (ip.ipId & 0xffff) !== 0 ? ip.ipId & 0xffff : null,
    tos: spec.tos ?? 0, size: datagram.length,
  });
  const known = fields.probeIpId !== null;
  return { datagram, keys, fields, rewrittenKey: known ? rewrittenKey(dst, spec.proto, fields.dport, fields.probeIpId!) : null };
}

/** Keys under which a reply may be filed: one per probe identity it could answer. */
export function replyKeys(r: Reply): string[] {
  const q = r.quote;
  if (q) {
    if (q.udp) return [udpKey(q.dst, q.udp.sport, q.udp.dport, q.udp.checksum)];
    if (q.icmp) return [icmpKey(q.dst, q.icmp.id, q.icmp.seq)];
    if (q.tcp) return [tcpKey(q.dst, q.tcp.sport, q.tcp.dport, q.tcp.seq)];
    return [];
  }
  if (r.kind === 'echo-reply' && r.echo) return [icmpKey(r.src, r.echo.id, r.echo.seq)];
  if (r.tcp) {
    const synAck = (r.tcp.flags & (TCP_FLAGS.SYN | TCP_FLAGS.ACK)) === (TCP_FLAGS.SYN | TCP_FLAGS.ACK);
    return [(synAck ? tcpSynAckKey : tcpAnswerKey)(r.src, r.tcp.dport, r.tcp.sport, r.tcp.ack)];
  }
  return [];
}

export function replyFields(r: Reply): Omit<ReplyFields, 'rttMs'> {
  return {
    addr: r.src,
    kind: r.kind,
    icmpType: r.icmpType,
    icmpCode: r.icmpCode,
    replyTtl: r.ttl,
    quotedTtl: r.quote?.ttl ?? null,
    ipId: r.ipId,
    mpls: r.mpls,
    replySize: r.size,
    mtu: r.mtu,
    quotedIpId: r.quote?.ipId ?? null,
    quotedChecksum: r.quote?.udp?.checksum ?? r.quote?.icmp?.checksum ?? null,
    quotedTos: r.quote?.tos ?? null,
    quotedSrc: r.quote ? canonicalAddress(r.quote.src) : null,
    quotedSport: r.quote?.udp?.sport ?? r.quote?.tcp?.sport ?? null,
    tcpFlags: r.tcp?.flags ?? null,
  };
}

export type DecodedPacket =
  | { ok: true; keys: string[]; rewrittenKey: string | null; reply: Omit<ReplyFields, 'rttMs'> }
  | { ok: false; malformed: boolean };

/** Decodes what a receive socket delivered into match keys and record fields. */
export function decodePacket(p: { ipVersion: 4 | 6; proto: RecvProto; bytes: Uint8Array; from: string; hopLimit?: number }): DecodedPacket {
  let res: Result<Reply>;
  // ICMPv4 reaches raw sockets unverified: a bad checksum is damage, count it as malformed.
  // (TCP is not checked: segments from a local veth peer carry only the partial checksum
  // of offloading, and the acknowledgement and ports already have to match.)
  if (p.ipVersion === 4) res = decodeIpv4Packet(p.bytes, { rejectBadChecksum: p.proto === 'icmp' });
  else if (p.proto === 'icmp') res = decodeIcmpv6Message(p.bytes, { src: p.from, hopLimit: p.hopLimit });
  else res = decodeTcpSegment6(p.bytes, { src: p.from, hopLimit: p.hopLimit });
  if (!res.ok) return { ok: false, malformed: res.error.kind !== 'unsupported' };
  const keys = replyKeys(res.value);
  // An ICMP error whose quote cannot be read is damaged; anything else without a key is not ours.
  if (keys.length === 0) return { ok: false, malformed: res.value.quoteError !== null };
  return { ok: true, keys, rewrittenKey: quoteRewrittenKey(res.value), reply: replyFields(res.value) };
}

/** The NAT-proof identity of the probe an IPv4 ICMP error quotes (see rewrittenKey). */
function quoteRewrittenKey(r: Reply): string | null {
  const q = r.quote;
  if (!q || q.ipVersion !== 4 || q.ipId === null || q.ipId === 0) return null;
  if (q.udp) return rewrittenKey(q.dst, 'udp', q.udp.dport, q.ipId);
  if (q.tcp) return rewrittenKey(q.dst, 'tcp', q.tcp.dport, q.ipId);
  if (q.icmp) return rewrittenKey(q.dst, 'icmp', null, q.ipId);
  return null;
}
