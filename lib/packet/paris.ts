/**
 * Paris traceroute keeps every field a per-flow load balancer hashes constant (the
 * 5-tuple, TOS, the first 4 bytes of ICMP, the IPv6 flow label) and carries the probe id
 * where balancers do not look:
 *  - UDP: in the checksum, steered to the probe id by 2 payload bytes;
 *  - ICMP echo: in the sequence number, while 2 payload bytes hold the checksum at a
 *    per-flow value (or, without payload, id and seq vary with a constant sum);
 *  - TCP: in the sequence number.
 * Routers quote at least 8 transport bytes, which hold each of these ids.
 */
import { onesAdd } from './checksum';
import { checkField } from './errors';
import { IPPROTO_ICMP, IPPROTO_ICMPV6 } from './icmp';
import {
  buildIcmpEchoProbe, buildTcpProbe, buildUdpProbe,
  type IcmpEchoProbeInput, type TcpProbeInput, type UdpProbeInput,
} from './probe-builders';
import type { Quote } from './quote';
import type { Reply } from './reply';
import { IPPROTO_TCP, TCP_FLAGS } from './tcp';
import { IPPROTO_UDP } from './udp';

/** UDP probe whose checksum is the probe id (1..65535; 0 only on IPv4). */
export function buildParisUdpProbe(input: Omit<UdpProbeInput, 'checksum'> & { probeId: number }): Uint8Array {
  const { probeId, ...rest } = input;
  return buildUdpProbe({ ...rest, checksum: probeId });
}

/** ICMP echo probe: seq = probe id, checksum held at `flowChecksum` whatever id and seq are. */
export function buildParisIcmpEchoProbe(input: Omit<IcmpEchoProbeInput, 'checksum' | 'seq'> & { probeId: number; flowChecksum: number }): Uint8Array {
  const { probeId, flowChecksum, ...rest } = input;
  return buildIcmpEchoProbe({ ...rest, seq: probeId, checksum: flowChecksum });
}

/**
 * The payload-free alternative (the original Paris traceroute's): seq = probe id and
 * id = flowSum − seq in ones'-complement arithmetic, so id + seq — and with a fixed
 * payload the checksum — stays constant across probes of one flow.
 */
export function parisIcmpIdSeq(flowSum: number, probeId: number): { id: number; seq: number } {
  checkField('paris', 'flow sum', flowSum, 0xffff);
  const seq = checkField('paris', 'probe id', probeId, 0xffff);
  return { id: onesAdd(flowSum, ~seq & 0xffff), seq };
}

/** TCP probe whose sequence number is the probe id (32 bits). */
export function buildParisTcpProbe(input: Omit<TcpProbeInput, 'seq'> & { probeId: number }): Uint8Array {
  const { probeId, ...rest } = input;
  return buildTcpProbe({ ...rest, seq: probeId });
}

/** The probe id a quote carries: UDP checksum, ICMP echo seq or TCP seq; null for anything else. */
export function parisProbeIdFromQuote(q: Quote): number | null {
  if (q.udp && q.protocol === IPPROTO_UDP) return q.udp.checksum;
  if (q.icmp && (q.protocol === IPPROTO_ICMP || q.protocol === IPPROTO_ICMPV6)) return q.icmp.seq;
  if (q.tcp && q.protocol === IPPROTO_TCP) return q.tcp.seq;
  return null;
}

/**
 * The probe id of any reply: from the quote of an ICMP error, the echo reply's seq, or
 * a TCP answer's acknowledgement minus the sequence space the probe used (1 for a SYN
 * probe, its payload length for data).
 */
export function parisProbeIdFromReply(r: Reply, tcpSeqLength = 1): number | null {
  if (r.quote) return parisProbeIdFromQuote(r.quote);
  if (r.echo && r.kind === 'echo-reply') return r.echo.seq;
  if (r.tcp && r.tcp.flags & TCP_FLAGS.ACK) return (r.tcp.ack - tcpSeqLength) >>> 0;
  return null;
}
