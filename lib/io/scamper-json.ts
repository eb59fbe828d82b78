import net from 'node:net';
import { makeRecord, probeFields, type IpVersion, type MplsLabel, type MultipathResult, type ProbeProto, type ProbeRecord, type ReplyFields } from '../record';
import { icmpReplyKind, tcpReplyKind } from './reply-kinds';
import { ErrorSink, isObject, jsonItems, numberOf, type ImportOptions, type ImportResult, type InputPosition } from './result';
import { tracelbResult } from './scamper-tracelb';

/** A scamper hop / reply: the fields of sc_warts2json / `scamper -O json` that records use. */
export interface ScamperReplyFields {
  icmp_type?: number;
  icmp_code?: number;
  icmp_q_ttl?: number;
  icmp_q_tos?: number;
  icmp_nhmtu?: number;
  tcp_flags?: number;
  icmpext?: { ie_cn?: number; ie_ct?: number; mpls_labels?: { mpls_ttl: number; mpls_s: number; mpls_exp: number; mpls_label: number }[] }[];
}

/** What one scamper trace was, beside its records. */
export interface ScamperTraceMeta {
  where: InputPosition;
  run: string;
  src: string | null;
  dst: string;
  method: string;
  proto: ProbeProto;
  stopReason: string;
  stopData: number | null;
  firstHop: number;
  hopCount: number;
  attempts: number | null;
  /** Probes scamper says it sent (`probe_count`), null when the file lacks it. */
  probeCount: number | null;
  /** Probes sent that drew no reply: probe_count minus the probes that were answered. */
  unanswered: number;
  /**
   * True when the unanswered probes could be placed (TTL and attempt) and are records too:
   * scamper lists replies only, so they are rebuilt from probe_count, attempts and the
   * answered probe ids, and only when those add up exactly.
   */
  unansweredRebuilt: boolean;
  startedAt: number | null;
}

export interface ScamperImport extends ImportResult {
  meta: {
    traces: ScamperTraceMeta[];
    /** tracelb objects as multipath graphs (their records are also in `records`). */
    multipath: MultipathResult[];
    /** Objects of other types (cycle-start, ping, ...), by position. */
    skipped: { where: InputPosition; type: string }[];
  };
}

export function protoOfMethod(method: string): ProbeProto {
  return method.startsWith('icmp') ? 'icmp' : method.startsWith('tcp') ? 'tcp' : 'udp';
}

/** Reply fields of a scamper hop or tracelb reply. */
export function scamperReply(v: IpVersion, addr: string, h: ScamperReplyFields & { rtt?: number; reply_ttl?: number; reply_ipid?: number; reply_size?: number }): Partial<ReplyFields> {
  const mpls: MplsLabel[] = (h.icmpext ?? [])
    .filter((e) => e.ie_cn === 1 && e.ie_ct === 1)
    .flatMap((e) => (e.mpls_labels ?? []).map((l) => ({ label: l.mpls_label, tc: l.mpls_exp, s: l.mpls_s === 1, ttl: l.mpls_ttl })));
  const tcp = typeof h.tcp_flags === 'number';
  return {
    addr,
    kind: tcp ? tcpReplyKind(h.tcp_flags!) : icmpReplyKind(v, h.icmp_type ?? null, h.icmp_code ?? null),
    icmpType: tcp ? null : h.icmp_type ?? null,
    icmpCode: tcp ? null : h.icmp_code ?? null,
    rttMs: h.rtt ?? null,
    replyTtl: h.reply_ttl ?? null,
    quotedTtl: h.icmp_q_ttl ?? null,
    ipId: h.reply_ipid ?? null,
    replySize: h.reply_size ?? null,
    quotedTos: h.icmp_q_tos ?? null,
    mtu: h.icmp_nhmtu ?? null,
    tcpFlags: tcp ? h.tcp_flags! : null,
    mpls: mpls.length ? mpls : null,
  };
}

interface ScamperHop extends ScamperReplyFields {
  addr?: string;
  probe_ttl?: number;
  probe_id?: number;
  probe_size?: number;
  tx?: { sec: number; usec: number };
  rtt?: number;
  reply_ttl?: number;
  reply_ipid?: number;
  reply_size?: number;
}

/**
 * The probes scamper sent but lists no reply for, as (ttl, attempt) pairs, if the counts
 * allow exactly one reading: either scamper moved on at the first reply of a TTL (its
 * default) or it sent every attempt at every TTL (-Q). Null when neither adds up.
 */
function unansweredProbes(firstHop: number, hopCount: number, attempts: number, probeCount: number, answered: Map<number, Set<number>>): { ttl: number; attempt: number }[] | null {
  if (hopCount < firstHop) return probeCount === 0 ? [] : null;
  for (const everyAttempt of [false, true]) {
    const out: { ttl: number; attempt: number }[] = [];
    let sent = 0;
    for (let ttl = firstHop; ttl <= hopCount; ttl++) {
      const ids = answered.get(ttl) ?? new Set<number>();
      const last = everyAttempt || ids.size === 0 ? attempts : Math.max(...ids);
      sent += last;
      for (let id = 1; id <= last; id++) if (!ids.has(id)) out.push({ ttl, attempt: id - 1 });
    }
    if (sent === probeCount) return out;
  }
  return null;
}

function traceRecords(o: Record<string, unknown>, where: InputPosition, sink: ErrorSink): { records: ProbeRecord[]; meta: ScamperTraceMeta } | null {
  const [src, dst, method] = [o.src, o.dst, o.method];
  if (typeof dst !== 'string' || !net.isIP(dst) || typeof method !== 'string' || (o.hops !== undefined && !Array.isArray(o.hops))) {
    sink.report({ ...where, message: 'trace without dst / method / hops' });
    return null;
  }
  const ipVersion: IpVersion = net.isIPv6(dst) ? 6 : 4;
  const proto = protoOfMethod(method);
  const start = isObject(o.start) ? o.start : null;
  const startedAt = start && typeof start.sec === 'number' ? start.sec * 1000 + Number(start.usec ?? 0) / 1000 : null;
  const run = `scamper-trace-${dst}-${start?.sec ?? (where.line ?? where.index)}`;
  const paris = method.endsWith('paris') || proto === 'tcp';
  const probe = (ttl: number, attempt: number, h?: ScamperHop) =>
    probeFields({
      ttl, attempt, proto, ipVersion, dst, run,
      src: typeof src === 'string' ? src : null,
      // Classic UDP traceroute changes the destination port per probe: only Paris keeps it.
      sport: proto === 'icmp' ? null : numberOf(o.sport),
      dport: proto === 'icmp' || !paris ? null : numberOf(o.dport),
      tos: numberOf(o.tos),
      size: h?.probe_size ?? numberOf(o.probe_size),
      sentAt: h?.tx ? h.tx.sec * 1000 + h.tx.usec / 1000 : null,
    });
  const records: ProbeRecord[] = [];
  const answered = new Map<number, Set<number>>();
  for (const h of (o.hops ?? []) as ScamperHop[]) {
    if (!isObject(h) || typeof h.addr !== 'string' || !net.isIP(h.addr) || typeof h.probe_ttl !== 'number') {
      sink.report({ ...where, message: 'hop without addr / probe_ttl' });
      return null;
    }
    // probe_id counts attempts at a TTL from 1.
    const id = typeof h.probe_id === 'number' && h.probe_id >= 1 ? h.probe_id : 1;
    if (!answered.has(h.probe_ttl)) answered.set(h.probe_ttl, new Set());
    answered.get(h.probe_ttl)!.add(id);
    records.push(makeRecord(probe(h.probe_ttl, id - 1, h), scamperReply(ipVersion, h.addr, h)));
  }
  const probeCount = numberOf(o.probe_count);
  const answeredProbes = [...answered.values()].reduce((n, s) => n + s.size, 0);
  const firstHop = numberOf(o.firsthop) ?? 1;
  const hopCount = numberOf(o.hop_count) ?? 0;
  const attempts = numberOf(o.attempts);
  const missing = probeCount !== null && attempts !== null ? unansweredProbes(firstHop, hopCount, attempts, probeCount, answered) : null;
  for (const m of missing ?? []) records.push(makeRecord(probe(m.ttl, m.attempt)));
  records.sort((a, b) => a.ttl - b.ttl || a.attempt - b.attempt);
  return {
    records,
    meta: {
      where, run, src: typeof src === 'string' ? src : null, dst, method, proto,
      stopReason: String(o.stop_reason ?? ''), stopData: numberOf(o.stop_data), firstHop, hopCount, attempts, probeCount,
      unanswered: Math.max(0, (probeCount ?? answeredProbes) - answeredProbes), unansweredRebuilt: missing !== null, startedAt,
    },
  };
}

/**
 * scamper JSON (`scamper -O json`, or `sc_warts2json` on a warts file), one object per line:
 * `trace` objects give one record per reply (scamper's `probe_id` is the attempt, from 1)
 * plus the unanswered probes where they can be placed exactly (see ScamperTraceMeta);
 * `tracelb` objects give their probes as records (flow id = scamper's `flowid`) and a
 * multipath graph (see `tracelbResult`). Other objects (cycle-start, ping, ...) are skipped
 * and listed in the meta.
 */
export function parseScamperJson(text: string, options: ImportOptions = {}): ScamperImport {
  const sink = new ErrorSink('scamper', options);
  const records: ProbeRecord[] = [];
  const meta: ScamperImport['meta'] = { traces: [], multipath: [], skipped: [] };
  for (const { value, where } of jsonItems(text, sink)) {
    if (!isObject(value)) {
      sink.report({ ...where, message: 'not a JSON object' });
      continue;
    }
    if (value.type === 'trace') {
      const t = traceRecords(value, where, sink);
      if (t) {
        records.push(...t.records);
        meta.traces.push(t.meta);
      }
    } else if (value.type === 'tracelb') {
      const problem: string[] = [];
      const lb = tracelbResult(value, `scamper-tracelb-${value.dst}-${isObject(value.start) ? value.start.sec : (where.line ?? where.index)}`, problem);
      if (lb === null) {
        sink.report({ ...where, message: problem[0] ?? 'bad tracelb object' });
        continue;
      }
      records.push(...lb.records);
      meta.multipath.push(lb);
    } else {
      meta.skipped.push({ where, type: String(value.type) });
    }
  }
  return { records, errors: sink.errors, meta };
}
