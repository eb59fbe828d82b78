/**
 * The probe record: one row per probe sent (or per reply imported from another
 * tool). Plain, JSON-serialisable data. Reply fields are null when the probe was
 * not answered; probe-side fields are null only when an imported format lacks them.
 */

export type IpVersion = 4 | 6;

export type ProbeProto = 'udp' | 'icmp' | 'tcp';

/** What kind of answer a probe drew. */
export type ReplyKind =
  | 'time-exceeded'
  | 'port-unreachable'
  | 'echo-reply'
  | 'tcp-synack'
  | 'tcp-rst'
  | 'tcp-ack'
  | 'frag-needed'
  | 'unreachable'
  | 'param-problem'
  | 'other';

/** One RFC 4950 MPLS label stack entry, as quoted by a router. */
export interface MplsLabel {
  label: number;
  tc: number;
  s: boolean;
  ttl: number;
}

export interface ProbeRecord {
  /** Measurement this probe belongs to (a trace, an MDA run, a sampling loop). */
  run: string | null;
  /** Iteration inside a repeated measurement (sampling loop round, MDA round). */
  round: number | null;
  ttl: number;
  /** 0-based attempt number at this TTL (and flow). */
  attempt: number;
  proto: ProbeProto;
  ipVersion: IpVersion;
  src: string | null;
  dst: string;
  /** Transport ports (UDP/TCP); null for ICMP. */
  sport: number | null;
  dport: number | null;
  /** IPv6 flow label; null for IPv4. */
  flowLabel: number | null;
  /** Identifies the flow as load balancers see it (same flowId = same hashed fields). */
  flowId: number | null;
  /** Identifies this probe among those of its measurement (UDP checksum, ICMP seq, TCP seq, IP-ID, per method). */
  probeId: number | null;
  /** IP-ID the probe carried (IPv4), null for IPv6. */
  probeIpId: number | null;
  tos: number | null;
  /** Size of the probe's IP datagram in bytes. */
  size: number | null;
  /** Send time, milliseconds since the epoch (sub-millisecond fraction kept). */
  sentAt: number | null;

  /** Replying address; null when unanswered. */
  addr: string | null;
  kind: ReplyKind | null;
  icmpType: number | null;
  icmpCode: number | null;
  /** Round-trip time in milliseconds with microsecond resolution. */
  rttMs: number | null;
  /** TTL / hop limit of the reply as received. */
  replyTtl: number | null;
  /** TTL of the probe as quoted inside the ICMP error (normally 1). */
  quotedTtl: number | null;
  /** IP-ID of the reply (IPv4). */
  ipId: number | null;
  /** RFC 4950 label stack from the ICMP extension, if any. */
  mpls: MplsLabel[] | null;
  /** Size of the reply's IP datagram in bytes. */
  replySize: number | null;
  /** Next-hop MTU from frag-needed / packet-too-big. */
  mtu: number | null;
  /** IP-ID of the probe as quoted in the ICMP error (NAT / rewriting evidence). */
  quotedIpId: number | null;
  /** Transport checksum of the probe as quoted (UDP/ICMP), rewriting evidence. */
  quotedChecksum: number | null;
  /** TOS of the probe as quoted. */
  quotedTos: number | null;
  /** Source address of the probe as quoted: another address than `src` means a NAT rewrote it on the way. */
  quotedSrc: string | null;
  /** Source port (UDP/TCP) of the probe as quoted; null for ICMP probes. */
  quotedSport: number | null;
  /** TCP flags of a TCP answer (bit mask, FIN=0x01 … CWR=0x80). */
  tcpFlags: number | null;
}

export const REPLY_FIELDS = [
  'addr',
  'kind',
  'icmpType',
  'icmpCode',
  'rttMs',
  'replyTtl',
  'quotedTtl',
  'ipId',
  'mpls',
  'replySize',
  'mtu',
  'quotedIpId',
  'quotedChecksum',
  'quotedTos',
  'quotedSrc',
  'quotedSport',
  'tcpFlags',
] as const satisfies readonly (keyof ProbeRecord)[];

export type ReplyFields = Pick<ProbeRecord, (typeof REPLY_FIELDS)[number]>;
export type ProbeFields = Omit<ProbeRecord, (typeof REPLY_FIELDS)[number]>;

/** Reply fields of an unanswered probe. */
export function noReply(): ReplyFields {
  return {
    addr: null,
    kind: null,
    icmpType: null,
    icmpCode: null,
    rttMs: null,
    replyTtl: null,
    quotedTtl: null,
    ipId: null,
    mpls: null,
    replySize: null,
    mtu: null,
    quotedIpId: null,
    quotedChecksum: null,
    quotedTos: null,
    quotedSrc: null,
    quotedSport: null,
    tcpFlags: null,
  };
}

/** Probe-side fields with everything unknown but what is given. */
export function probeFields(required: Pick<ProbeRecord, 'ttl' | 'proto' | 'ipVersion' | 'dst'> & Partial<ProbeFields>): ProbeFields {
  return {
    run: null,
    round: null,
    attempt: 0,
    src: null,
    sport: null,
    dport: null,
    flowLabel: null,
    flowId: null,
    probeId: null,
    probeIpId: null,
    tos: null,
    size: null,
    sentAt: null,
    ...required,
  };
}

/** A whole record: probe fields plus reply fields (unanswered unless given). */
export function makeRecord(probe: ProbeFields, reply: Partial<ReplyFields> = {}): ProbeRecord {
  return { ...probe, ...noReply(), ...reply };
}

export function isAnswered(r: ProbeRecord): boolean {
  return r.addr !== null;
}

/** Does this reply end a trace (the destination answered, or it is unreachable)? */
export function isTerminal(r: ProbeRecord): boolean {
  return r.kind !== null && r.kind !== 'time-exceeded' && r.kind !== 'frag-needed';
}
