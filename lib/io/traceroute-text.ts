import net from 'node:net';
import { makeRecord, probeFields, type IpVersion, type MplsLabel, type ProbeProto, type ProbeRecord, type ReplyFields } from '../record';
import { destinationAnswer, fragNeeded, timeExceeded, unreachableType } from './reply-kinds';
import { ErrorSink, textLines, type ImportOptions, type ImportResult } from './result';

/** One trace of the text (a `traceroute to` header and its hop lines). */
export interface TracerouteMeta {
  /** Line of the header. */
  line: number;
  /** The `run` of this trace's records. */
  run: string;
  target: string;
  dst: string;
  /** `from SRC` of BSD-style headers, else null. */
  src: string | null;
  maxHops: number;
  /** Probe size: whole IP datagram, as Linux traceroute counts it. */
  packetSize: number;
  /** `-A` AS lookups: the text after each address, e.g. `AS64500` or `*`. */
  asPaths: { ttl: number; addr: string; as: string }[];
  /** `--back`: the return hop count traceroute printed as `'-N'` where it differs from the TTL. */
  backHops: { ttl: number; addr: string; hops: number }[];
  /** `-e` extension objects other than MPLS, as printed (`class/type:hex`). */
  otherExtensions: { ttl: number; addr: string; text: string }[];
}

export interface TracerouteOptions extends ImportOptions {
  /** What traceroute probed with: the text does not say. 'udp' (default), 'icmp' (-I) or 'tcp' (-T). */
  proto?: ProbeProto;
}

export interface TracerouteImport extends ImportResult {
  meta: { traces: TracerouteMeta[]; proto: ProbeProto; protoAssumed: boolean };
}

/** traceroute's `!` annotations (Linux traceroute 2.x) as ICMP unreachable codes per family. */
const ANNOTATIONS: Record<string, Partial<Record<IpVersion, number>>> = {
  '!N': { 4: 0, 6: 0 },
  '!H': { 4: 1, 6: 3 },
  '!P': { 4: 2 },
  '!S': { 4: 5 },
  '!X': { 4: 13, 6: 1 },
  '!V': { 4: 14 },
  '!C': { 4: 15 },
};

/** Reply fields an annotation sets, or a problem. */
function annotation(token: string, v: IpVersion): Partial<ReplyFields> | string {
  const frag = token.match(/^!F(?:-(\d+))?$/);
  if (frag) return fragNeeded(v, frag[1] ? Number(frag[1]) : null);
  const code = ANNOTATIONS[token]?.[v] ?? (token.match(/^!<?(\d+)>?$/) ? Number(token.match(/\d+/)![0]) : undefined);
  if (code !== undefined) {
    const port = code === (v === 4 ? 3 : 4);
    return { kind: port ? 'port-unreachable' : 'unreachable', icmpType: unreachableType(v), icmpCode: code };
  }
  const typed = token.match(/^!<(\d+)-(\d+)>$/);
  if (typed) return { kind: 'other', icmpType: Number(typed[1]), icmpCode: Number(typed[2]) };
  return `unknown annotation ${token}`;
}

/** `<MPLS:L=..,E=..,S=..,T=../L=..>` (several objects separated by `;`): labels and the other objects. */
function extension(token: string): { mpls: MplsLabel[]; other: string[] } | null {
  const inner = token.slice(1, -1);
  const mpls: MplsLabel[] = [];
  const other: string[] = [];
  for (const obj of inner.split(';')) {
    if (!obj.startsWith('MPLS:')) {
      other.push(obj);
      continue;
    }
    for (const entry of obj.slice(5).split('/')) {
      const m = entry.match(/^L=(\d+),E=(\d+),S=([01]),T=(\d+)$/);
      if (!m) return null;
      mpls.push({ label: Number(m[1]), tc: Number(m[2]), s: m[3] === '1', ttl: Number(m[4]) });
    }
  }
  return { mpls, other };
}

const HEADER = /^traceroute6? to (\S+) \(([^)]+)\)(?: from (\S+))?, (\d+) hops max, (\d+) byte packets/;

/**
 * Text of Linux traceroute (2.x; BSD-style output reads too): numbered hop lines after a
 * `traceroute to NAME (ADDR), N hops max, M byte packets` header (several traces may follow
 * each other, each its own run). Per probe: `*`, or an RTT after the responder (printed
 * once per run of the same responder: `addr` with -n, `name (addr)` without), with what
 * traceroute prints after the responder — `[AS…]` (-A), `<MPLS:L=…,E=…,S=…,T=…>` (-e;
 * labels apply to the following RTTs of that responder), `'-N'` (--back) — and after the
 * RTT an annotation `!H !N !P !S !X !V !C !F-mtu !<code> !<type-code>`. One record per
 * probe; a reply from the destination is its usual answer to `options.proto` (the text
 * does not say the protocol), an annotated one an unreachable / frag-needed, the others
 * time exceeded. A bad line is reported and none of its probes kept.
 */
export function parseTracerouteText(text: string, options: TracerouteOptions = {}): TracerouteImport {
  const sink = new ErrorSink('traceroute', options);
  const proto = options.proto ?? 'udp';
  const traces: TracerouteMeta[] = [];
  const records: ProbeRecord[] = [];
  let cur: TracerouteMeta | null = null;
  let ipVersion: IpVersion = 4;
  textLines(text).forEach((line, i) => {
    const lineNo = i + 1;
    if (line.trim() === '') return;
    const header = line.match(HEADER);
    if (header) {
      const dst = header[2];
      if (!net.isIP(dst)) return sink.report({ line: lineNo, message: `header address ${JSON.stringify(dst)} is not an address` });
      ipVersion = net.isIPv6(dst) ? 6 : 4;
      cur = {
        line: lineNo, run: `traceroute-${dst}-${traces.length + 1}`, target: header[1], dst, src: header[3] ?? null,
        maxHops: Number(header[4]), packetSize: Number(header[5]), asPaths: [], backHops: [], otherExtensions: [],
      };
      traces.push(cur);
      return;
    }
    const hop = line.match(/^\s*(\d+)\s+(.*)$/);
    if (!hop) return sink.report({ line: lineNo, message: `not a traceroute line: ${JSON.stringify(line.slice(0, 80))}` });
    if (!cur) return sink.report({ line: lineNo, message: 'hop line before the "traceroute to" header' });
    const t: TracerouteMeta = cur;
    const ttl = Number(hop[1]);
    const tokens = hop[2].trim().split(/\s+/);
    const ours: ProbeRecord[] = [];
    const notes: (() => void)[] = [];
    let addr: string | null = null;
    let mpls: MplsLabel[] | null = null;
    let last: ProbeRecord | null = null;
    const probe = () => probeFields({ ttl, attempt: ours.length, proto, ipVersion, dst: t.dst, src: t.src, run: t.run, size: t.packetSize });
    const fail = (message: string) => sink.report({ line: lineNo, message });
    for (let k = 0; k < tokens.length; k++) {
      const tok = tokens[k];
      const rtt = tok.match(/^(\d+(?:\.\d+)?)(ms)?$/);
      if (tok === '*') {
        ours.push((last = makeRecord(probe())));
      } else if (rtt && (rtt[2] || tokens[k + 1] === 'ms')) {
        if (addr === null) return fail('an RTT with no responder before it');
        const reply = addr === t.dst ? destinationAnswer(proto, ipVersion) : timeExceeded(ipVersion);
        ours.push((last = makeRecord(probe(), { addr, rttMs: Number(rtt[1]), mpls: mpls && [...mpls], ...reply, quotedTtl: null })));
        if (!rtt[2]) k++;
      } else if (tok.startsWith('!')) {
        if (!last?.addr) return fail(`annotation ${tok} with no reply before it`);
        const a = annotation(tok, ipVersion);
        if (typeof a === 'string') return fail(a);
        Object.assign(last, a);
      } else if (tok.startsWith('<') && tok.endsWith('>')) {
        const ext = extension(tok);
        if (!ext || addr === null) return fail(`bad extension ${tok}`);
        mpls = ext.mpls.length ? ext.mpls : null;
        const who = addr;
        for (const o of ext.other) notes.push(() => t.otherExtensions.push({ ttl, addr: who, text: o }));
      } else if (tok.startsWith('[') && tok.endsWith(']')) {
        if (addr === null) return fail(`AS lookup ${tok} with no responder before it`);
        const who = addr;
        notes.push(() => t.asPaths.push({ ttl, addr: who, as: tok.slice(1, -1) }));
      } else if (/^'-\d+'$/.test(tok)) {
        if (addr === null) return fail(`back hops ${tok} with no responder before it`);
        const who = addr;
        notes.push(() => t.backHops.push({ ttl, addr: who, hops: Number(tok.slice(2, -1)) }));
      } else if (net.isIP(tok) || /^\(.*\)$/.test(tokens[k + 1] ?? '')) {
        // A responder: `addr`, or `name (addr)`.
        const paren = tokens[k + 1]?.match(/^\(([^()]+)\)$/);
        if (paren) {
          if (!net.isIP(paren[1])) return fail(`${JSON.stringify(paren[1])} is not an address`);
          addr = paren[1];
          k++;
        } else addr = tok;
        if (net.isIPv6(addr) !== (ipVersion === 6)) return fail(`${addr} is not an IPv${ipVersion} address`);
        mpls = null;
      } else {
        return fail(`unexpected ${JSON.stringify(tok)}`);
      }
    }
    records.push(...ours);
    for (const n of notes) n();
  });
  return { records, errors: sink.errors, meta: { traces, proto, protoAssumed: options.proto === undefined } };
}
