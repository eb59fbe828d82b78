import net from 'node:net';
import { makeRecord, probeFields, type IpVersion, type MplsLabel, type ProbeProto, type ProbeRecord, type ReplyKind } from '../record';
import { ErrorSink, type ImportOptions, type ImportResult } from './result';

interface ScamperHop {
  addr: string;
  probe_ttl: number;
  probe_id?: number;
  probe_size?: number;
  tx?: { sec: number; usec: number };
  rtt?: number;
  reply_ttl?: number;
  reply_tos?: number;
  reply_ipid?: number;
  reply_size?: number;
  icmp_type?: number;
  icmp_code?: number;
  icmp_q_ttl?: number;
  icmp_q_tos?: number;
  icmp_nhmtu?: number;
  tcp_flags?: number;
  icmpext?: { ie_cn: number; ie_ct: number; mpls_labels?: { mpls_ttl: number; mpls_s: number; mpls_exp: number; mpls_label: number }[] }[];
}

function protoOf(method: string): ProbeProto {
  return method.startsWith('icmp') ? 'icmp' : method.startsWith('tcp') ? 'tcp' : 'udp';
}

function kindOf(v: IpVersion, h: ScamperHop): ReplyKind {
  if (h.tcp_flags !== undefined) return h.tcp_flags & 0x04 ? 'tcp-rst' : (h.tcp_flags & 0x12) === 0x12 ? 'tcp-synack' : 'tcp-ack';
  const [t, c] = [h.icmp_type, h.icmp_code];
  if (v === 4) return t === 11 ? 'time-exceeded' : t === 0 ? 'echo-reply' : t === 3 ? (c === 3 ? 'port-unreachable' : c === 4 ? 'frag-needed' : 'unreachable') : t === 12 ? 'param-problem' : 'other';
  return t === 3 ? 'time-exceeded' : t === 129 ? 'echo-reply' : t === 1 ? (c === 4 ? 'port-unreachable' : 'unreachable') : t === 2 ? 'frag-needed' : t === 4 ? 'param-problem' : 'other';
}

/**
 * scamper JSON (`scamper -O json` or sc_warts2json), `trace` objects: one record per reply.
 * scamper lists replies only, so probes that went unanswered are counted per trace in
 * `unanswered` (probe_count - replies), not turned into records it never described.
 */
export function parseScamperJson(text: string, options: ImportOptions = {}): ImportResult & { traces: { src: string; dst: string; method: string; stopReason: string; unanswered: number }[] } {
  const sink = new ErrorSink('scamper', options);
  const records: ProbeRecord[] = [];
  const traces: { src: string; dst: string; method: string; stopReason: string; unanswered: number }[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line);
    } catch (err) {
      return sink.report({ line: i + 1, message: `not JSON: ${(err as Error).message}` });
    }
    if (o.type !== 'trace') return; // cycle-start/stop, tracelb and others are not traces
    const [src, dst, method] = [o.src, o.dst, o.method];
    if (typeof dst !== 'string' || !net.isIP(dst) || typeof method !== 'string' || !Array.isArray(o.hops ?? [])) {
      return sink.report({ line: i + 1, message: 'trace without dst / method / hops' });
    }
    const ipVersion: IpVersion = net.isIPv6(dst) ? 6 : 4;
    const run = `scamper-${dst}-${(o.start as { sec?: number })?.sec ?? i}`;
    const hops = (o.hops ?? []) as ScamperHop[];
    const attempts = new Map<number, number>();
    for (const h of hops) {
      if (typeof h.addr !== 'string' || typeof h.probe_ttl !== 'number') {
        sink.report({ line: i + 1, message: 'hop without addr / probe_ttl' });
        continue;
      }
      const attempt = attempts.get(h.probe_ttl) ?? 0;
      attempts.set(h.probe_ttl, attempt + 1);
      const mpls: MplsLabel[] = (h.icmpext ?? [])
        .filter((e) => e.ie_cn === 1 && e.ie_ct === 1)
        .flatMap((e) => (e.mpls_labels ?? []).map((l) => ({ label: l.mpls_label, tc: l.mpls_exp, s: l.mpls_s === 1, ttl: l.mpls_ttl })));
      const probe = probeFields({
        ttl: h.probe_ttl, attempt, proto: protoOf(method), ipVersion, dst, run,
        src: typeof src === 'string' ? src : null,
        sport: typeof o.sport === 'number' ? o.sport : null,
        dport: typeof o.dport === 'number' ? o.dport : null,
        probeId: h.probe_id ?? null,
        size: h.probe_size ?? null,
        sentAt: h.tx ? h.tx.sec * 1000 + h.tx.usec / 1000 : null,
      });
      records.push(
        makeRecord(probe, {
          addr: h.addr, kind: kindOf(ipVersion, h), icmpType: h.icmp_type ?? null, icmpCode: h.icmp_code ?? null, rttMs: h.rtt ?? null,
          replyTtl: h.reply_ttl ?? null, quotedTtl: h.icmp_q_ttl ?? null, ipId: h.reply_ipid ?? null, replySize: h.reply_size ?? null,
          quotedTos: h.icmp_q_tos ?? null, mtu: h.icmp_nhmtu ?? null, tcpFlags: h.tcp_flags ?? null, mpls: mpls.length ? mpls : null,
        }),
      );
    }
    traces.push({
      src: String(src ?? ''), dst, method, stopReason: String(o.stop_reason ?? ''),
      unanswered: Math.max(0, Number(o.probe_count ?? hops.length) - hops.length),
    });
  });
  return { records, errors: sink.errors, traces };
}
