import net from 'node:net';
import { makeRecord, probeFields, type IpVersion, type MplsLabel, type ProbeRecord, type ReplyFields } from '../record';
import { ErrorSink, type ImportOptions, type ImportResult } from './result';

export interface TracerouteMeta {
  target: string | null;
  dst: string | null;
  maxHops: number | null;
  packetSize: number | null;
}

/** traceroute's `!` annotations as ICMP unreachable type/code (IPv4 codes; IPv6 mapped to its own). */
const ANNOTATIONS: Record<string, { v4: number; v6: number }> = {
  '!N': { v4: 0, v6: 0 },
  '!H': { v4: 1, v6: 3 },
  '!P': { v4: 2, v6: 4 },
  '!S': { v4: 5, v6: 5 },
  '!X': { v4: 13, v6: 1 },
  '!V': { v4: 14, v6: 1 },
  '!C': { v4: 15, v6: 1 },
};

function annotate(r: ProbeRecord, token: string): string | null {
  if (token.startsWith('!F')) {
    const mtu = Number(token.slice(3));
    Object.assign(r, { kind: 'frag-needed', icmpType: r.ipVersion === 4 ? 3 : 2, icmpCode: r.ipVersion === 4 ? 4 : 0, mtu: Number.isFinite(mtu) && mtu > 0 ? mtu : null });
    return null;
  }
  const known = ANNOTATIONS[token];
  const code = known ? (r.ipVersion === 4 ? known.v4 : known.v6) : /^!\d+$/.test(token) ? Number(token.slice(1)) : null;
  if (code === null) return `unknown annotation ${token}`;
  Object.assign(r, { kind: 'unreachable', icmpType: r.ipVersion === 4 ? 3 : 1, icmpCode: code });
  return null;
}

function parseMpls(token: string): MplsLabel | null {
  const m = token.match(/^<MPLS:L=(\d+),E=(\d+),S=(\d+),T=(\d+)>$/);
  return m ? { label: Number(m[1]), tc: Number(m[2]), s: m[3] === '1', ttl: Number(m[4]) } : null;
}

/**
 * Text of Linux traceroute (inetutils-style numbered hops): `-n` or named (`host (addr)`),
 * several responders per hop, `*`, `!H !N !P !S !X !V !C !F-mtu !<code>`, `-e` MPLS objects.
 * One record per probe; replies from the target are marked terminal ('other': the text does not
 * say which protocol answered), the rest time-exceeded unless annotated.
 */
export function parseTracerouteText(text: string, options: ImportOptions = {}): ImportResult & { meta: TracerouteMeta } {
  const sink = new ErrorSink('traceroute', options);
  const meta: TracerouteMeta = { target: null, dst: null, maxHops: null, packetSize: null };
  const records: ProbeRecord[] = [];
  const lines = text.split('\n');
  let ipVersion: IpVersion = 4;
  lines.forEach((line, i) => {
    const lineNo = i + 1;
    if (line.trim() === '') return;
    const header = line.match(/^traceroute(?:6)? to (\S+) \(([^)]+)\), (\d+) hops max, (\d+) byte packets/);
    if (header) {
      [meta.target, meta.dst] = [header[1], header[2]];
      meta.maxHops = Number(header[3]);
      meta.packetSize = Number(header[4]);
      ipVersion = net.isIPv6(header[2]) ? 6 : 4;
      return;
    }
    const hop = line.match(/^\s*(\d+)\s+(.*)$/);
    if (!hop) return sink.report({ line: lineNo, message: `not a traceroute line: ${JSON.stringify(line.slice(0, 80))}` });
    if (!meta.dst) return sink.report({ line: lineNo, message: 'hop line before the "traceroute to" header' });
    const ttl = Number(hop[1]);
    const tokens = hop[2].trim().split(/\s+/);
    let addr: string | null = null;
    let attempt = 0;
    let last: ProbeRecord | null = null;
    const probe = () => probeFields({ ttl, attempt: attempt++, proto: 'udp', ipVersion, dst: meta.dst!, size: meta.packetSize });
    for (let k = 0; k < tokens.length; k++) {
      const tok = tokens[k];
      if (tok === '*') {
        records.push((last = makeRecord(probe())));
        continue;
      }
      if (tokens[k + 1] === 'ms' && /^\d+(\.\d+)?$/.test(tok)) {
        if (addr === null) {
          sink.report({ line: lineNo, message: `an RTT with no responder before it` });
          return;
        }
        const reply: Partial<ReplyFields> = { addr, rttMs: Number(tok), kind: addr === meta.dst ? 'other' : 'time-exceeded' };
        records.push((last = makeRecord(probe(), reply)));
        k++;
        continue;
      }
      if (tok.startsWith('!')) {
        const problem = last?.addr ? annotate(last, tok) : 'annotation with no reply before it';
        if (problem) sink.report({ line: lineNo, message: problem });
        continue;
      }
      if (tok.startsWith('<MPLS:')) {
        const label = parseMpls(tok);
        if (!label || !last?.addr) sink.report({ line: lineNo, message: `bad MPLS object ${tok}` });
        else last.mpls = [...(last.mpls ?? []), label];
        continue;
      }
      const named = tokens[k + 1]?.match(/^\(([^)]+)\)$/);
      if (named && net.isIP(named[1])) {
        addr = named[1];
        k++;
        continue;
      }
      if (net.isIP(tok)) {
        addr = tok;
        continue;
      }
      sink.report({ line: lineNo, message: `unexpected ${JSON.stringify(tok)}` });
      return;
    }
  });
  return { records, errors: sink.errors, meta };
}
