import type { IpVersion, ProbeProto } from '../record';
import type { TcpOption } from '../packet';

/** Everything needed to build one probe and to describe it in its record. */
export interface ProbeSpec {
  ipVersion: IpVersion;
  proto: ProbeProto;
  src: string;
  dst: string;
  ttl: number;
  /** UDP/TCP ports. */
  sport?: number;
  dport?: number;
  /** ICMP echo identifier and sequence. */
  icmpId?: number;
  icmpSeq?: number;
  /** Paris: force the UDP checksum (UDP) or keep the ICMP checksum at this value (ICMP). */
  checksum?: number;
  tcpSeq?: number;
  tcpAck?: number;
  /** TCP flag bits (SYN = 0x02, default SYN). */
  tcpFlags?: number;
  tcpWindow?: number;
  /** TCP options (a trace's SYNs carry those of a real SYN: MSS, SACK permitted, timestamps, window scale). */
  tcpOptions?: readonly TcpOption[];
  /** The acknowledgement a direct TCP answer will carry, when it does not follow from seq + payload (in-session probes). */
  expectAck?: number;
  flowLabel?: number;
  tos?: number;
  ipId?: number;
  df?: boolean;
  /** Total size of the IP datagram; the payload is padded to reach it. */
  size?: number;

  // Record metadata, copied through.
  run?: string | null;
  round?: number | null;
  attempt?: number;
  flowId?: number | null;
  probeId?: number | null;
}

/** How a reply finds its probe: the fields a probe is identified by, as a string key. */
export function udpKey(dst: string, sport: number, dport: number, checksum: number): string {
  return `u/${dst}/${sport}/${dport}/${checksum}`;
}
export function icmpKey(dst: string, id: number, seq: number): string {
  return `i/${dst}/${id}/${seq}`;
}
/** A TCP answer from the target (RST, ACK) is known by the sequence number it acknowledges. */
export function tcpAnswerKey(dst: string, sport: number, dport: number, expectedAck: number): string {
  return `ta/${dst}/${sport}/${dport}/${expectedAck >>> 0}`;
}
/**
 * A SYN-ACK acknowledges the SYN alone (data in a SYN is not taken without TCP Fast Open),
 * while a RST acknowledges the whole segment: separate keys, so neither is taken for the other.
 */
export function tcpSynAckKey(dst: string, sport: number, dport: number, expectedAck: number): string {
  return `ts/${dst}/${sport}/${dport}/${expectedAck >>> 0}`;
}
export function tcpKey(dst: string, sport: number, dport: number, seq: number): string {
  return `t/${dst}/${sport}/${dport}/${seq >>> 0}`;
}
/**
 * The identity an IPv4 probe keeps through a NAT that rewrites its source address or port
 * (and so its transport checksum) without translating the quotes back: destination,
 * protocol, destination port and IP-ID. Only a fallback (see ProbeEngine): never unique by itself.
 */
export function rewrittenKey(dst: string, proto: 'udp' | 'tcp' | 'icmp', dport: number | null, ipId: number): string {
  return `n/${dst}/${proto}/${dport ?? '-'}/${ipId & 0xffff}`;
}
