import type { IpVersion, ProbeProto, ReplyFields, ReplyKind } from '../record';
import { icmpKind, tcpKind } from '../packet/reply';

export { TCP_FLAGS } from '../packet/tcp';

/** What an ICMP (v4 or v6) message of this type and code means to a prober ('other' when the type is unknown). */
export function icmpReplyKind(ipVersion: IpVersion, type: number | null, code: number | null): ReplyKind {
  return type === null ? 'other' : icmpKind(ipVersion, type, code ?? 0);
}

/** What a TCP answer with these flags is (the packet codec's reading). */
export const tcpReplyKind = (flags: number): ReplyKind => tcpKind(flags);

/** ICMP type of a destination-unreachable message in this family. */
export const unreachableType = (v: IpVersion): number => (v === 4 ? 3 : 1);

/** Reply fields of an ICMP time-exceeded (TTL / hop limit expired in transit). */
export function timeExceeded(v: IpVersion): Pick<ReplyFields, 'kind' | 'icmpType' | 'icmpCode'> {
  return { kind: 'time-exceeded', icmpType: v === 4 ? 11 : 3, icmpCode: 0 };
}

/**
 * Reply fields of the usual answer of a destination to a probe of this protocol when the
 * source format only says that the destination answered: UDP draws a port unreachable, an
 * ICMP echo request an echo reply; a TCP answer's flags are unknown ('other').
 */
export function destinationAnswer(proto: ProbeProto, v: IpVersion): Pick<ReplyFields, 'kind' | 'icmpType' | 'icmpCode'> {
  if (proto === 'udp') return { kind: 'port-unreachable', icmpType: unreachableType(v), icmpCode: v === 4 ? 3 : 4 };
  if (proto === 'icmp') return { kind: 'echo-reply', icmpType: v === 4 ? 0 : 129, icmpCode: 0 };
  return { kind: 'other', icmpType: null, icmpCode: null };
}

/** Reply fields of a frag-needed (v4) / packet-too-big (v6) with its next-hop MTU. */
export function fragNeeded(v: IpVersion, mtu: number | null): Pick<ReplyFields, 'kind' | 'icmpType' | 'icmpCode' | 'mtu'> {
  return { kind: 'frag-needed', icmpType: v === 4 ? 3 : 2, icmpCode: v === 4 ? 4 : 0, mtu };
}
