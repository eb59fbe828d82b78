import net from 'node:net';
import { makeRecord, probeFields, type IpVersion, type MplsLabel, type ProbeProto, type ProbeRecord, type ReplyFields } from '../record';
import { destinationAnswer, fragNeeded, tcpReplyKind, TCP_FLAGS, timeExceeded, unreachableType } from './reply-kinds';
import { ErrorSink, isObject, jsonItems, numberOf, type ImportOptions, type ImportResult, type InputPosition } from './result';

/**
 * RIPE Atlas traceroute results (firmware 4400 and later; the published "measurement result
 * format"), one record per probe:
 *
 * - a reply (`from`, `rtt`, `ttl`, `size`, ...) or a timeout (`x: "*"`) is a probe; replies
 *   flagged `late` (an answer to an earlier probe, no rtt) or `dup` (a second answer) are not
 *   probes: they are listed in the result's meta, a late one with the probe it answers when
 *   the sequence allows (Atlas counts probes per result: `late: N` answers the probe N before
 *   the one awaited);
 * - `err` (`N` `H` `A` `P` `p` `h` or a number) becomes an unreachable of that code, `mtu` a
 *   frag-needed / packet-too-big, `flags` (TCP) the TCP flags; a reply with none of these is
 *   the destination's usual answer when it comes from `dst_addr` (UDP: port unreachable, ICMP:
 *   echo reply), else time exceeded — Atlas does not print the ICMP type of those;
 * - `ittl` is the quoted TTL (Atlas omits it when 1), `itos` the quoted TOS (omitted when 0),
 *   `icmpext` MPLS objects (class 1, type 1) the label stack;
 * - `paris_id` is the flow id; `timestamp` (the start of the traceroute, 1 s resolution) is
 *   every probe's `sentAt`: Atlas keeps no per-probe send time;
 * - sizes: Atlas counts the bytes after the ICMP / UDP / TCP header; records hold whole IP
 *   datagrams, so 28 (IPv4) or 48 (IPv6) bytes of headers are added (40 / 60 for TCP
 *   replies), assuming no IP options or extension headers. The probe size of TCP
 *   traceroutes is left null.
 *
 * `error` entries (a hop or a reply that Atlas could not send, e.g. "sendto failed") are
 * measurement errors, kept in the meta; input that is not in the format is an import error.
 */
export interface AtlasResultMeta {
  where: InputPosition;
  /** The `run` of this result's records: `atlas-<msm_id>-<prb_id>-<timestamp>`. */
  run: string;
  msmId: number | null;
  prbId: number | null;
  fw: number | null;
  dst: string | null;
  dstName: string | null;
  /** Source address of the probes (`src_addr`, often private). */
  src: string | null;
  /** Public address of the Atlas probe as its controller sees it (`from`). */
  from: string | null;
  ipVersion: IpVersion | null;
  proto: ProbeProto;
  /** True when the result had no `proto` and UDP (Atlas's default) was assumed. */
  protoAssumed: boolean;
  parisId: number | null;
  /** Payload size Atlas was asked for (`size`). */
  size: number | null;
  timestamp: number | null;
  endtime: number | null;
  destinationReplied: boolean;
  lateReplies: AtlasExtraReply[];
  duplicateReplies: AtlasExtraReply[];
  /** Replies whose quoted packet went to another destination than `dst_addr` (`edst`). */
  otherQuotedDestinations: { ttl: number; attempt: number; edst: string }[];
  measurementErrors: { hop: number | null; message: string }[];
  /** `{}` entries in a hop (seen in real results); they carry nothing and make no record. */
  emptyEntries: number;
}

/** A reply that is not a probe of its own: late (answers an earlier probe) or duplicate. */
export interface AtlasExtraReply {
  /** The hop whose result list holds it. */
  hop: number;
  addr: string | null;
  rttMs: number | null;
  replyTtl: number | null;
  /** `late`: how many probes before the awaited one it answers. */
  lateBy: number | null;
  /** The probe it answers, when the sequence allows (late replies only). */
  answers: { ttl: number; attempt: number } | null;
}

export interface AtlasImport extends ImportResult {
  meta: { results: AtlasResultMeta[]; skipped: { where: InputPosition; type: string }[] };
}

/** `err` letters per family: ICMP unreachable codes (eperd/traceroute.c). */
const ERR_CODES: Record<IpVersion, Record<string, number>> = {
  4: { N: 0, H: 1, P: 2, p: 3, A: 13 },
  6: { N: 0, A: 1, h: 2, H: 3, p: 4 },
};

const FLAG_LETTERS: Record<string, number> = { F: TCP_FLAGS.FIN, S: TCP_FLAGS.SYN, R: TCP_FLAGS.RST, P: TCP_FLAGS.PSH, A: TCP_FLAGS.ACK, U: TCP_FLAGS.URG };

function tcpFlagsOf(s: string): number | null {
  let flags = 0;
  for (const c of s) {
    if (!(c in FLAG_LETTERS)) return null;
    flags |= FLAG_LETTERS[c];
  }
  return flags;
}

function mplsOf(icmpext: unknown): MplsLabel[] | null {
  if (!isObject(icmpext) || !Array.isArray(icmpext.obj)) return null;
  const out: MplsLabel[] = [];
  for (const o of icmpext.obj) {
    if (!isObject(o) || o.class !== 1 || o.type !== 1 || !Array.isArray(o.mpls)) continue;
    for (const l of o.mpls) {
      if (!isObject(l)) continue;
      out.push({ label: Number(l.label), tc: Number(l.exp), s: Number(l.s) === 1, ttl: Number(l.ttl) });
    }
  }
  return out.length ? out : null;
}

const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

export function parseAtlasTraceroute(text: string, options: ImportOptions = {}): AtlasImport {
  const sink = new ErrorSink('atlas', options);
  const records: ProbeRecord[] = [];
  const results: AtlasResultMeta[] = [];
  const skipped: { where: InputPosition; type: string }[] = [];
  for (const { value, where } of jsonItems(text, sink)) {
    if (!isObject(value)) {
      sink.report({ ...where, message: 'not a JSON object' });
      continue;
    }
    const o = value;
    if (o.type !== undefined && o.type !== 'traceroute') {
      skipped.push({ where, type: String(o.type) });
      continue;
    }
    if (typeof o.result === 'string') {
      sink.report({ ...where, message: 'firmware 1 result (traceroute text in "result"): not supported' });
      continue;
    }
    const dst = str(o.dst_addr);
    const afField = numberOf(o.af);
    const protoField = str(o.proto)?.toUpperCase();
    const proto: ProbeProto = protoField === 'ICMP' ? 'icmp' : protoField === 'TCP' ? 'tcp' : 'udp';
    if (protoField !== undefined && protoField !== 'ICMP' && protoField !== 'TCP' && protoField !== 'UDP') {
      sink.report({ ...where, message: `unknown proto ${JSON.stringify(o.proto)}` });
      continue;
    }
    const meta: AtlasResultMeta = {
      where,
      run: `atlas-${o.msm_id ?? '?'}-${o.prb_id ?? '?'}-${o.timestamp ?? '?'}`,
      msmId: numberOf(o.msm_id), prbId: numberOf(o.prb_id), fw: numberOf(o.fw),
      dst, dstName: str(o.dst_name), src: str(o.src_addr), from: str(o.from),
      ipVersion: null, proto, protoAssumed: protoField === undefined,
      parisId: numberOf(o.paris_id), size: numberOf(o.size), timestamp: numberOf(o.timestamp), endtime: numberOf(o.endtime),
      destinationReplied: false, lateReplies: [], duplicateReplies: [], otherQuotedDestinations: [], measurementErrors: [], emptyEntries: 0,
    };
    // A result that failed before probing (name resolution, socket): a measurement error.
    if (o.error !== undefined && !Array.isArray(o.result)) {
      meta.measurementErrors.push({ hop: null, message: typeof o.error === 'string' ? o.error : JSON.stringify(o.error) });
      results.push(meta);
      continue;
    }
    if (dst === null || !net.isIP(dst) || !Array.isArray(o.result)) {
      sink.report({ ...where, message: 'traceroute result without dst_addr / result[]' });
      continue;
    }
    const ipVersion: IpVersion = net.isIPv6(dst) ? 6 : 4;
    if (afField !== null && afField !== ipVersion) {
      sink.report({ ...where, message: `af ${afField} but dst_addr ${dst} is IPv${ipVersion}` });
      continue;
    }
    meta.ipVersion = ipVersion;
    const probeSize = meta.size === null || proto === 'tcp' ? null : meta.size + (ipVersion === 4 ? 28 : 48);
    const replyHeaders = (tcp: boolean) => (ipVersion === 4 ? 20 : 40) + (tcp ? 20 : 8);
    const sentAt = meta.timestamp === null ? null : meta.timestamp * 1000;
    const ours: ProbeRecord[] = [];
    /** Probes in sending order (records, and sends that failed): what `late` counts back in. */
    const sequence: ({ ttl: number; attempt: number } | null)[] = [];
    let bad = false;
    for (const hop of o.result as unknown[]) {
      if (!isObject(hop) || numberOf(hop.hop) === null) {
        sink.report({ ...where, message: 'hop without a number' });
        bad = true;
        break;
      }
      const ttl = numberOf(hop.hop)!;
      if (hop.error !== undefined) {
        meta.measurementErrors.push({ hop: ttl, message: String(hop.error) });
        continue;
      }
      if (!Array.isArray(hop.result)) {
        sink.report({ ...where, message: `hop ${ttl}: no result[]` });
        bad = true;
        break;
      }
      let attempt = 0;
      const pendingLate: AtlasExtraReply[] = [];
      for (const rep of hop.result as unknown[]) {
        if (!isObject(rep)) {
          sink.report({ ...where, message: `hop ${ttl}: a reply that is not an object` });
          bad = true;
          break;
        }
        if (Object.keys(rep).length === 0) {
          meta.emptyEntries++;
          continue;
        }
        if (rep.error !== undefined) {
          meta.measurementErrors.push({ hop: ttl, message: String(rep.error) });
          sequence.push(null);
          continue;
        }
        const from = str(rep.from);
        if (from !== null && !net.isIP(from)) {
          sink.report({ ...where, message: `hop ${ttl}: from ${JSON.stringify(rep.from)} is not an address` });
          bad = true;
          break;
        }
        if (rep.late !== undefined || rep.dup === true) {
          const extra: AtlasExtraReply = {
            hop: ttl, addr: from, rttMs: numberOf(rep.rtt), replyTtl: numberOf(rep.ttl), lateBy: numberOf(rep.late), answers: null,
          };
          if (rep.dup === true) meta.duplicateReplies.push(extra);
          else pendingLate.push(extra);
          continue;
        }
        const probe = probeFields({
          ttl, attempt, proto, ipVersion, dst, run: meta.run, src: meta.src, flowId: meta.parisId, size: probeSize, sentAt,
        });
        // Late replies printed just before this probe's entry arrived while it was awaited.
        for (const l of pendingLate.splice(0)) {
          const k = sequence.length - (l.lateBy ?? Infinity);
          l.answers = k >= 0 ? sequence[k] : null;
          meta.lateReplies.push(l);
        }
        sequence.push({ ttl, attempt });
        attempt++;
        if (rep.x === '*' && from === null) {
          ours.push(makeRecord(probe));
          continue;
        }
        if (from === null) {
          sink.report({ ...where, message: `hop ${ttl}: a reply with neither "from" nor "x"` });
          bad = true;
          break;
        }
        const flags = str(rep.flags);
        const tcpFlags = flags === null ? null : tcpFlagsOf(flags);
        if (flags !== null && tcpFlags === null) {
          sink.report({ ...where, message: `hop ${ttl}: TCP flags ${JSON.stringify(flags)}` });
          bad = true;
          break;
        }
        const size = numberOf(rep.size);
        const reply: Partial<ReplyFields> = {
          addr: from, rttMs: numberOf(rep.rtt), replyTtl: numberOf(rep.ttl),
          replySize: size === null ? null : size + replyHeaders(tcpFlags !== null), mpls: mplsOf(rep.icmpext),
        };
        const err = rep.err;
        const mtu = numberOf(rep.mtu);
        if (tcpFlags !== null) {
          Object.assign(reply, { kind: tcpReplyKind(tcpFlags), tcpFlags });
        } else if (err !== undefined) {
          const code = typeof err === 'number' ? err : typeof err === 'string' && /^\d+$/.test(err) ? Number(err) : ERR_CODES[ipVersion][String(err)];
          if (code === undefined) {
            sink.report({ ...where, message: `hop ${ttl}: err ${JSON.stringify(err)} is not an IPv${ipVersion} Atlas error` });
            bad = true;
            break;
          }
          const portUnreachable = code === (ipVersion === 4 ? 3 : 4);
          Object.assign(reply, { kind: portUnreachable ? 'port-unreachable' : 'unreachable', icmpType: unreachableType(ipVersion), icmpCode: code });
        } else if (mtu !== null) {
          Object.assign(reply, fragNeeded(ipVersion, mtu));
        } else if (from === dst) {
          Object.assign(reply, destinationAnswer(proto, ipVersion));
        } else {
          Object.assign(reply, timeExceeded(ipVersion));
        }
        // An ICMP error quotes the probe: Atlas omits ittl when 1 and itos when 0.
        const quotes = reply.kind !== 'echo-reply' && tcpFlags === null && reply.kind !== 'other';
        if (quotes) Object.assign(reply, { quotedTtl: numberOf(rep.ittl) ?? 1, quotedTos: numberOf(rep.itos) ?? 0 });
        const edst = str(rep.edst);
        if (edst !== null) meta.otherQuotedDestinations.push({ ttl, attempt: probe.attempt, edst });
        if (from === dst) meta.destinationReplied = true;
        ours.push(makeRecord(probe, reply));
      }
      if (bad) break;
      // Late replies at the end of a hop arrived while waiting for that hop's last probe.
      for (const l of pendingLate) {
        const k = sequence.length - 1 - (l.lateBy ?? Infinity);
        l.answers = k >= 0 ? sequence[k] : null;
        meta.lateReplies.push(l);
      }
    }
    if (bad) continue;
    records.push(...ours);
    results.push(meta);
  }
  return { records, errors: sink.errors, meta: { results, skipped } };
}
