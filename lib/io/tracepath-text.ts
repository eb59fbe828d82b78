import net from 'node:net';
import { makeRecord, probeFields, type IpVersion, type ProbeRecord, type ReplyFields } from '../record';
import { destinationAnswer, fragNeeded, timeExceeded, unreachableType } from './reply-kinds';
import { ErrorSink, textLines, type ImportOptions, type ImportResult } from './result';

/** What tracepath says besides its replies: path MTU, return lengths, its summary. */
export interface TracepathMeta {
  /** The destination: the address of the `reached` line, else options.dst, else null. */
  dst: string | null;
  /** Starting pmtu from the `[LOCALHOST]` line (the source's own interface MTU). */
  localPmtu: number | null;
  /** `pmtu N` annotations: the hop that answered frag-needed / packet-too-big, and the MTU. */
  pmtuChanges: { ttl: number; addr: string; mtu: number }[];
  /** `asymm N`: tracepath's return hop count from the reply TTL, where it differs from the TTL. */
  asymm: { ttl: number; addr: string; returnHops: number }[];
  /** `Resume: pmtu N [hops H] [back B]`: the final path MTU, forward and return hop counts. */
  resume: { pmtu: number; hops: number | null; back: number | null } | null;
  /** `Too many hops: pmtu N`: the destination was not reached within tracepath's max hops. */
  tooManyHops: boolean;
  /** Lines `N?:` — replies tracepath could not match to a probe it sent at that TTL. */
  unmatched: number[];
  /** Lines that carry no reply: `send failed`, `reply received 8)`, corrupted payloads. */
  notes: { line: number; text: string }[];
}

export interface TracepathOptions extends ImportOptions {
  /** The destination, for a text where it never answered (tracepath prints no header). */
  dst?: string;
}

export interface TracepathImport extends ImportResult {
  meta: TracepathMeta;
}

/** tracepath's errno annotations; the ICMP code behind an errno is not unique, so it stays null. */
const ERRNO_MARKS: Record<string, Pick<ReplyFields, 'kind'>> = { '!H': { kind: 'unreachable' }, '!N': { kind: 'unreachable' }, '!A': { kind: 'unreachable' }, '!P': { kind: 'unreachable' } };

interface Parsed {
  ttl: number;
  line: number;
  addr: string | null;
  rtt: number | null;
  reply: Partial<ReplyFields> | null;
  /** Probe size (tracepath sends full-size probes: the pmtu it knows at that moment). */
  size: number | null;
}

/**
 * Text of iputils tracepath (`-n`, or names; IPv4 and IPv6). tracepath prints a line per
 * reply — several per TTL when the path MTU shrinks and it probes again — and `no reply`
 * after its three unanswered tries: one record per reply line, three unanswered records per
 * `no reply`. The probe protocol is UDP; probe sizes follow the pmtu tracepath knew when it
 * sent each one. Replies: `reached` = the destination's port unreachable, `pmtu N` =
 * frag-needed / packet-too-big with that MTU, `!H !N !A !P` = unreachable (code unknown:
 * tracepath prints the errno), otherwise time exceeded. `asymm`, `pmtu`, `[LOCALHOST]`,
 * `Resume:` go in the meta. A host printed as a bare name (no -n) stays a name in `addr`.
 */
export function parseTracepathText(text: string, options: TracepathOptions = {}): TracepathImport {
  const sink = new ErrorSink('tracepath', options);
  const meta: TracepathMeta = { dst: null, localPmtu: null, pmtuChanges: [], asymm: [], resume: null, tooManyHops: false, unmatched: [], notes: [] };
  const parsed: Parsed[] = [];
  let pmtu: number | null = null;
  let reached: string | null = null;
  textLines(text).forEach((line, i) => {
    const lineNo = i + 1;
    if (line.trim() === '') return;
    const local = line.match(/^\s*\d+\??:\s+\[LOCALHOST\]\s+(?:[\d.]+ms\s+)?pmtu (\d+)\s*$/);
    if (local) {
      meta.localPmtu ??= Number(local[1]);
      pmtu = Number(local[1]);
      return;
    }
    const resume = line.match(/^\s*Resume: pmtu (\d+)(?: hops (\d+))?(?: back (\d+))?\s*$/);
    if (resume) {
      meta.resume = { pmtu: Number(resume[1]), hops: resume[2] ? Number(resume[2]) : null, back: resume[3] ? Number(resume[3]) : null };
      return;
    }
    if (/^\s*Too many hops: pmtu \d+\s*$/.test(line)) {
      meta.tooManyHops = true;
      return;
    }
    const head = line.match(/^\s*(\d+)(\?)?:\s+(.*?)\s*$/);
    if (!head) return sink.report({ line: lineNo, message: `not a tracepath line: ${JSON.stringify(line.slice(0, 80))}` });
    const ttl = Number(head[1]);
    const rest = head[3];
    if (rest === 'no reply') {
      for (let k = 0; k < 3; k++) parsed.push({ ttl, line: lineNo, addr: null, rtt: null, reply: null, size: pmtu });
      return;
    }
    if (rest === 'send failed' || rest === 'reply received 8)') {
      meta.notes.push({ line: lineNo, text: rest });
      return;
    }
    const tokens = rest.split(/\s+/);
    let k = 0;
    let addr = tokens[k++];
    const paren = tokens[k]?.match(/^\(([^()]+)\)$/);
    if (paren) {
      addr = paren[1];
      k++;
    }
    if (addr === '???') return sink.report({ line: lineNo, message: 'not a host: "???" (tracepath could not name it and printed no address: run it with -n or -b)' });
    if (!net.isIP(addr) && !/^[A-Za-z0-9][A-Za-z0-9.-]*$/.test(addr)) return sink.report({ line: lineNo, message: `not a host: ${JSON.stringify(addr)}` });
    const rttTok = tokens[k]?.match(/^(\d+\.\d+)ms$/);
    const rtt = rttTok ? Number(rttTok[1]) : null;
    if (rttTok) k++;
    let tail = tokens.slice(k).join(' ');
    if (tail.startsWith('(This broken router returned corrupted payload)')) {
      meta.notes.push({ line: lineNo, text: 'This broken router returned corrupted payload' });
      tail = tail.slice('(This broken router returned corrupted payload)'.length).trim();
    }
    let reply: Partial<ReplyFields> | 'reached';
    const asymm = tail.match(/^asymm\s+(\d+)$/);
    const mtu = tail.match(/^pmtu (\d+)$/);
    if (tail === '') reply = {};
    else if (tail === 'reached') reply = 'reached';
    else if (asymm) {
      meta.asymm.push({ ttl, addr, returnHops: Number(asymm[1]) });
      reply = {};
    } else if (mtu) reply = fragNeeded(4, Number(mtu[1]));
    else if (tail in ERRNO_MARKS) reply = { ...ERRNO_MARKS[tail] };
    else return sink.report({ line: lineNo, message: `unexpected ${JSON.stringify(tail)}` });
    if (head[2]) meta.unmatched.push(lineNo);
    if (reply === 'reached') reached = addr;
    parsed.push({ ttl, line: lineNo, addr, rtt, reply: reply === 'reached' ? null : reply, size: pmtu });
    if (mtu) {
      meta.pmtuChanges.push({ ttl, addr, mtu: Number(mtu[1]) });
      pmtu = Number(mtu[1]);
    }
  });
  meta.dst = reached ?? options.dst ?? null;
  const dst = meta.dst;
  const ipVersion: IpVersion = [dst, ...parsed.map((p) => p.addr)].some((a) => a !== null && net.isIPv6(a)) ? 6 : 4;
  const attempts = new Map<number, number>();
  const records: ProbeRecord[] = parsed.map((p) => {
    const attempt = attempts.get(p.ttl) ?? 0;
    attempts.set(p.ttl, attempt + 1);
    const probe = probeFields({ ttl: p.ttl, attempt, proto: 'udp', ipVersion, dst: dst ?? '', run: `tracepath-${dst ?? 'unknown'}`, size: p.size });
    if (p.addr === null) return makeRecord(probe);
    let reply: Partial<ReplyFields>;
    if (p.reply === null) reply = destinationAnswer('udp', ipVersion);
    else if (p.reply.kind === 'frag-needed') reply = fragNeeded(ipVersion, p.reply.mtu ?? null);
    else if (p.reply.kind === 'unreachable') reply = { kind: 'unreachable', icmpType: unreachableType(ipVersion), icmpCode: null };
    else reply = timeExceeded(ipVersion);
    return makeRecord(probe, { addr: p.addr, rttMs: p.rtt, ...reply });
  });
  if (dst === null && records.length > 0) {
    sink.report({ line: parsed.at(-1)!.line, message: 'the destination never answered and options.dst is not given: records carry an empty dst' });
  }
  return { records, errors: sink.errors, meta };
}
