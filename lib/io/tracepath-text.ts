import net from 'node:net';
import { makeRecord, probeFields, type IpVersion, type ProbeRecord } from '../record';
import { ErrorSink, type ImportOptions, type ImportResult } from './result';

export interface TracepathExtras {
  /** Starting pmtu from the `[LOCALHOST]` line. */
  localPmtu: number | null;
  /** `pmtu N` annotations: the hop that reported a smaller MTU. */
  pmtuChanges: { ttl: number; addr: string; mtu: number }[];
  /** `asymm N` annotations: tracepath's return hop count where it differs from the TTL. */
  asymm: { ttl: number; addr: string; returnHops: number }[];
  resume: { pmtu: number; hops: number | null; back: number | null } | null;
}

/**
 * Text of iputils tracepath: one record per line that names a responder (tracepath prints a
 * line per answered try), `no reply` lines as unanswered probes, with its pmtu / asymm /
 * resume information kept beside the records. Destination is the `reached` address.
 */
export function parseTracepathText(text: string, options: ImportOptions = {}): ImportResult & { extras: TracepathExtras; dst: string | null } {
  const sink = new ErrorSink('tracepath', options);
  const extras: TracepathExtras = { localPmtu: null, pmtuChanges: [], asymm: [], resume: null };
  const parsed: { ttl: number; addr: string | null; rtt: number | null; reached: boolean; pmtu: number | null; line: number }[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const local = line.match(/^\s*\d+\?: \[LOCALHOST\]\s+(?:[\d.]+ms\s+)?pmtu (\d+)/);
    if (local) {
      extras.localPmtu = Number(local[1]);
      return;
    }
    const resume = line.match(/^\s*Resume: pmtu (\d+)(?: hops (\d+) back (\d+))?/);
    if (resume) {
      extras.resume = { pmtu: Number(resume[1]), hops: resume[2] ? Number(resume[2]) : null, back: resume[3] ? Number(resume[3]) : null };
      return;
    }
    const noReply = line.match(/^\s*(\d+):\s+no reply/);
    if (noReply) {
      parsed.push({ ttl: Number(noReply[1]), addr: null, rtt: null, reached: false, pmtu: null, line: i + 1 });
      return;
    }
    const hop = line.match(/^\s*(\d+):\s+(\S+)\s+([\d.]+)ms(.*)$/);
    if (!hop || !net.isIP(hop[2])) return sink.report({ line: i + 1, message: `not a tracepath line: ${JSON.stringify(line.slice(0, 80))}` });
    const [ttl, addr, rest] = [Number(hop[1]), hop[2], hop[4]];
    const pmtu = rest.match(/pmtu (\d+)/);
    const asymm = rest.match(/asymm\s+(\d+)/);
    if (pmtu) extras.pmtuChanges.push({ ttl, addr, mtu: Number(pmtu[1]) });
    if (asymm) extras.asymm.push({ ttl, addr, returnHops: Number(asymm[1]) });
    parsed.push({ ttl, addr, rtt: Number(hop[3]), reached: /reached/.test(rest), pmtu: pmtu ? Number(pmtu[1]) : null, line: i + 1 });
  });
  const dst = parsed.find((p) => p.reached)?.addr ?? null;
  const ipVersion: IpVersion = parsed.some((p) => p.addr && net.isIPv6(p.addr)) ? 6 : 4;
  const attempts = new Map<number, number>();
  const records: ProbeRecord[] = parsed.map((p) => {
    const attempt = attempts.get(p.ttl) ?? 0;
    attempts.set(p.ttl, attempt + 1);
    const probe = probeFields({ ttl: p.ttl, attempt, proto: 'udp', ipVersion, dst: dst ?? '' });
    if (p.addr === null) return makeRecord(probe);
    const kind = p.pmtu !== null ? 'frag-needed' : p.reached ? 'port-unreachable' : 'time-exceeded';
    return makeRecord(probe, { addr: p.addr, rttMs: p.rtt, kind, mtu: p.pmtu });
  });
  if (dst === null && records.length > 0) sink.report({ line: parsed.at(-1)!.line, message: 'the destination was never reached: records carry an empty dst' });
  return { records, errors: sink.errors, extras, dst };
}
