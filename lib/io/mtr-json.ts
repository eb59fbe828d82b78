import net from 'node:net';
import { makeRecord, probeFields, type IpVersion, type ProbeProto, type ProbeRecord } from '../record';
import { destinationAnswer, timeExceeded } from './reply-kinds';
import { ErrorSink, isObject, numberOf, type ImportError, type ImportOptions } from './result';

/** One hop of an mtr report: aggregates only (mtr --json keeps no per-probe data). */
export interface MtrHop {
  ttl: number;
  /** The host as mtr printed it (address, name, or `name (address)`); null for `???` (no reply). */
  host: string | null;
  /** The host's address, when the report shows one. */
  addr: string | null;
  /** `ASN` column (mtr -z), as printed. */
  asn: string | null;
  lossPct: number;
  sent: number;
  lastMs: number;
  avgMs: number;
  bestMs: number;
  worstMs: number;
  stdevMs: number;
}

export interface MtrOptions extends ImportOptions {
  /** What mtr probed with (its JSON does not say): 'icmp' (mtr's default), 'udp' (-u) or 'tcp' (-T). */
  proto?: ProbeProto;
}

export interface MtrReport {
  /** `report.mtr.src`: the local host name as mtr printed it (not an address). */
  src: string | null;
  /** `report.mtr.dst`: the target as given (an address, or a name). */
  dst: string;
  tests: number;
  /** Probe size including IP and ICMP/UDP/TCP headers (`psize`). */
  packetSize: number | null;
  tos: number | null;
  hops: MtrHop[];
  /** Records derived from the aggregates, only as far as they determine them (see parseMtrJson). */
  records: ProbeRecord[];
  errors: ImportError[];
  meta: {
    proto: ProbeProto;
    protoAssumed: boolean;
    /** TTLs with some but not all probes answered: which attempts were lost is unknown. */
    attemptOrderUnknown: number[];
    /** TTLs whose records carry RTTs (one or two answers: Last, or Best and Wrst). */
    rttsFromAggregates: number[];
  };
}

/** `name (addr)` or a bare address; null when the host shows no address. */
function addressOf(host: string): string | null {
  const m = host.match(/\(([^()\s]+)\)\s*$/);
  if (m && net.isIP(m[1])) return m[1];
  return net.isIP(host) ? host : null;
}

/**
 * `mtr --json` reports (mtr 0.92 quotes its numbers, 0.93+ does not: both are read).
 *
 * mtr keeps per-hop aggregates, not probes: `hops` is that table, as it is. `records` are
 * what the aggregates determine and nothing more: Snt probes per TTL, of which
 * round(Snt × (1 − Loss%)) answered from the hop's address (mtr's JSON names one host per
 * TTL); RTTs only where the aggregates fix every answer's value (one answer: Last; two:
 * Best and Wrst, Last being the later one), null otherwise — never an average spread over
 * probes. Attempt numbers are mtr's rounds when a hop answered all or none of its probes;
 * with partial loss the answered records come first and the TTL is listed in
 * `meta.attemptOrderUnknown`. The probe protocol is not in the JSON: `options.proto`
 * (default 'icmp', mtr's default); replies from the target count as its usual answer, the
 * others as time exceeded. A target given by name keeps the name as the records' dst, a
 * host printed as a bare name (no -n) the name as their addr.
 */
export function parseMtrJson(text: string, options: MtrOptions = {}): MtrReport {
  const sink = new ErrorSink('mtr', options);
  const proto = options.proto ?? 'icmp';
  const empty = (): MtrReport => ({
    src: null, dst: '', tests: 0, packetSize: null, tos: null, hops: [], records: [], errors: sink.errors,
    meta: { proto, protoAssumed: options.proto === undefined, attemptOrderUnknown: [], rttsFromAggregates: [] },
  });
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    sink.report({ line: 1, message: `not JSON: ${(err as Error).message}` });
    return empty();
  }
  const report = isObject(doc) && isObject(doc.report) ? doc.report : null;
  if (!report || !isObject(report.mtr) || !Array.isArray(report.hubs)) {
    sink.report({ index: 0, message: 'no report.mtr / report.hubs' });
    return empty();
  }
  const m = report.mtr;
  const out = empty();
  out.src = m.src === undefined ? null : String(m.src);
  out.dst = String(m.dst ?? '');
  out.tests = numberOf(m.tests) ?? 0;
  const psize = numberOf(m.psize);
  out.packetSize = psize !== null && psize > 0 ? psize : null;
  out.tos = numberOf(m.tos);
  report.hubs.forEach((h, index) => {
    if (!isObject(h)) return sink.report({ index, message: 'hub is not an object' });
    const keys = ['count', 'Loss%', 'Snt', 'Last', 'Avg', 'Best', 'Wrst', 'StDev'] as const;
    const bad = keys.find((k) => numberOf(h[k]) === null);
    if (bad || typeof h.host !== 'string') return sink.report({ index, message: `hub lacks ${bad ?? 'host'}` });
    const n = (k: (typeof keys)[number]) => numberOf(h[k])!;
    if (n('Loss%') < 0 || n('Loss%') > 100 || n('Snt') < 0 || !Number.isInteger(n('Snt'))) return sink.report({ index, message: `hub has Loss% ${n('Loss%')} / Snt ${n('Snt')}` });
    const silent = h.host === '???';
    out.hops.push({
      ttl: n('count'), host: silent ? null : h.host, addr: silent ? null : addressOf(h.host), asn: typeof h.ASN === 'string' ? h.ASN : null,
      lossPct: n('Loss%'), sent: n('Snt'), lastMs: n('Last'), avgMs: n('Avg'), bestMs: n('Best'), worstMs: n('Wrst'), stdevMs: n('StDev'),
    });
  });
  const dstAddr = net.isIP(out.dst) ? out.dst : null;
  const ipVersion: IpVersion = dstAddr ? (net.isIPv6(dstAddr) ? 6 : 4) : out.hops.some((h) => h.addr && net.isIPv6(h.addr)) ? 6 : 4;
  const src = out.src !== null && net.isIP(out.src) ? out.src : null;
  for (const hop of out.hops) {
    // A host mtr printed as a bare name (no -n) stays a name: it did answer.
    const who = hop.addr ?? hop.host;
    const answered = who === null ? 0 : Math.round(hop.sent * (1 - hop.lossPct / 100));
    if (answered > 0 && answered < hop.sent) out.meta.attemptOrderUnknown.push(hop.ttl);
    const rtts: (number | null)[] = Array(answered).fill(null);
    if (answered === 1) rtts[0] = hop.lastMs;
    if (answered === 2) [rtts[0], rtts[1]] = [hop.lastMs === hop.bestMs ? hop.worstMs : hop.bestMs, hop.lastMs];
    if (answered === 1 || answered === 2) out.meta.rttsFromAggregates.push(hop.ttl);
    for (let attempt = 0; attempt < hop.sent; attempt++) {
      const probe = probeFields({ ttl: hop.ttl, attempt, proto, ipVersion, dst: out.dst, run: `mtr-${out.dst}`, src, size: out.packetSize, tos: out.tos });
      if (attempt >= answered) {
        out.records.push(makeRecord(probe));
        continue;
      }
      const kind = who === dstAddr || who === out.dst ? destinationAnswer(proto, ipVersion) : timeExceeded(ipVersion);
      out.records.push(makeRecord(probe, { addr: who, rttMs: rtts[attempt], ...kind }));
    }
  }
  return out;
}
