import net from 'node:net';
import { makeRecord, probeFields, type IpVersion, type MplsLabel, type ProbeProto, type ProbeRecord, type ReplyFields } from '../record';
import { ErrorSink, type ImportOptions, type ImportResult } from './result';

interface AtlasReply {
  from?: string;
  rtt?: number;
  ttl?: number;
  size?: number;
  x?: string;
  err?: string | number;
  error?: string;
  late?: number;
  dup?: boolean;
  itos?: number;
  ittl?: number;
  icmpext?: { version?: number; rfc4884?: number; obj?: { class: number; type: number; mpls?: { label: number; exp: number; s: number; ttl: number }[] }[] };
}

/** Atlas `err` values as ICMP unreachable codes (v4 / v6), per the result format docs. */
const ERR_CODES: Record<string, { v4: number; v6: number }> = {
  N: { v4: 0, v6: 0 },
  H: { v4: 1, v6: 3 },
  A: { v4: 13, v6: 1 },
  P: { v4: 2, v6: 4 },
  p: { v4: 3, v6: 4 },
};

export interface AtlasImport extends ImportResult {
  /** Replies flagged `dup` (a second answer to one probe) and `late`, counted, not made records. */
  duplicates: number;
  late: number;
}

/**
 * RIPE Atlas traceroute results (a JSON array, or one result per line): one record per
 * reply or `*`; probe-side fields the format lacks (ports, probe ids, per-probe send times)
 * stay null; `paris_id` becomes the flow id; replies from `dst_addr` are terminal.
 */
export function parseAtlasTraceroute(text: string, options: ImportOptions = {}): AtlasImport {
  const sink = new ErrorSink('atlas', options);
  const records: ProbeRecord[] = [];
  let duplicates = 0;
  let late = 0;
  const items: { value: unknown; line?: number; index?: number }[] = [];
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) {
    try {
      (JSON.parse(trimmed) as unknown[]).forEach((value, index) => items.push({ value, index }));
    } catch (err) {
      sink.report({ line: 1, message: `not a JSON array: ${(err as Error).message}` });
    }
  } else {
    text.split('\n').forEach((l, i) => {
      if (l.trim() === '') return;
      try {
        items.push({ value: JSON.parse(l), line: i + 1 });
      } catch (err) {
        sink.report({ line: i + 1, message: `not JSON: ${(err as Error).message}` });
      }
    });
  }
  for (const { value, line, index } of items) {
    const where = { line, index };
    const o = value as Record<string, unknown>;
    if (o?.type !== undefined && o.type !== 'traceroute') continue;
    const dst = o?.dst_addr;
    if (typeof dst !== 'string' || !net.isIP(dst) || !Array.isArray(o.result)) {
      sink.report({ ...where, message: 'traceroute result without dst_addr / result[]' });
      continue;
    }
    const ipVersion: IpVersion = o.af === 6 || net.isIPv6(dst) ? 6 : 4;
    const proto: ProbeProto = o.proto === 'ICMP' ? 'icmp' : o.proto === 'TCP' ? 'tcp' : 'udp';
    const run = `atlas-${o.msm_id ?? '?'}-${o.prb_id ?? '?'}-${o.timestamp ?? '?'}`;
    const sentAt = typeof o.timestamp === 'number' ? o.timestamp * 1000 : null;
    for (const hop of o.result as { hop?: number; result?: AtlasReply[]; error?: string }[]) {
      if (typeof hop.hop !== 'number') {
        sink.report({ ...where, message: 'hop without a number' });
        continue;
      }
      if (hop.error !== undefined || !Array.isArray(hop.result)) {
        sink.report({ ...where, message: `hop ${hop.hop}: ${hop.error ?? 'no result'}` });
        continue;
      }
      let attempt = 0;
      for (const rep of hop.result) {
        if (rep.error !== undefined) {
          sink.report({ ...where, message: `hop ${hop.hop}: ${rep.error}` });
          continue;
        }
        if (rep.dup) {
          duplicates++;
          continue;
        }
        if (rep.late !== undefined) {
          late++;
          continue;
        }
        const probe = probeFields({
          ttl: hop.hop, attempt: attempt++, proto, ipVersion, dst, run,
          src: typeof o.src_addr === 'string' ? o.src_addr : null,
          flowId: typeof o.paris_id === 'number' ? o.paris_id : null,
          size: typeof o.size === 'number' ? o.size : null,
          sentAt,
        });
        if (rep.x === '*' || rep.from === undefined) {
          records.push(makeRecord(probe));
          continue;
        }
        if (!net.isIP(rep.from)) {
          sink.report({ ...where, message: `hop ${hop.hop}: from ${JSON.stringify(rep.from)} is not an address` });
          continue;
        }
        const reply: Partial<ReplyFields> = {
          addr: rep.from, rttMs: rep.rtt ?? null, replyTtl: rep.ttl ?? null, replySize: rep.size ?? null,
          quotedTos: rep.itos ?? null, quotedTtl: rep.ittl ?? 1,
          kind: rep.from === dst ? (proto === 'icmp' ? 'echo-reply' : proto === 'udp' ? 'port-unreachable' : 'other') : 'time-exceeded',
        };
        if (rep.from === dst) reply.quotedTtl = null;
        if (rep.err !== undefined) {
          const e = ERR_CODES[String(rep.err)];
          const code = e ? (ipVersion === 4 ? e.v4 : e.v6) : typeof rep.err === 'number' ? rep.err : null;
          Object.assign(reply, { kind: e && String(rep.err) === 'p' ? 'port-unreachable' : 'unreachable', icmpType: ipVersion === 4 ? 3 : 1, icmpCode: code });
        }
        const mpls: MplsLabel[] = (rep.icmpext?.obj ?? [])
          .filter((x) => x.class === 1 && x.type === 1)
          .flatMap((x) => (x.mpls ?? []).map((l) => ({ label: l.label, tc: l.exp, s: l.s === 1, ttl: l.ttl })));
        if (mpls.length) reply.mpls = mpls;
        records.push(makeRecord(probe, reply));
      }
    }
  }
  return { records, errors: sink.errors, duplicates, late };
}
