import { path, rateTest, type PathOptions, type PathResult, type RateTestResult } from '../probe';
import { optionHelp, parseCommand, type OptionSpec } from './args';
import { mplsTunnels, natRewrites, readLatency, type LatencyReading, type MplsTunnel, type NatRewrite } from '../analysis';
import { formatReadings } from './readings';
import { TRACE_OPTIONS, traceOptionsFromArgs } from './trace-command';
import { AGENT_CLIENT_OPTIONS, agentFromArgs, viaAgent } from './agent-command';
import { asnDatabaseFromArgs, asPathOf, ENRICH_OPTIONS, formatAsPath } from './enrich-options';

export const PATH_OPTIONS: OptionSpec[] = [
  ...TRACE_OPTIONS.filter((o) => !['method', 'numeric', 'size'].includes(o.long)),
  ...AGENT_CLIENT_OPTIONS,
  ...ENRICH_OPTIONS.filter((o) => o.long === 'asn-db'),
  { long: 'mtu', short: 'l', type: 'int', min: 68, max: 65535, help: 'starting datagram size (default: the outgoing interface MTU)' },
  { long: 'no-signatures', type: 'flag', help: 'do not ping the hops for their TTL signatures' },
  { long: 'samples', type: 'int', min: 1, max: 10, help: 'RTT samples per answering hop, sent at once after its first answer (default 3; 1 is tracepath\'s way)' },
  { long: 'rate-test', type: 'flag', help: 'after the walk, test every answering hop for ICMP rate limiting (20 probes at 200/s, then 6 at 1/s; hops in parallel, about 7 s)' },
];

export const PATH_USAGE = `usage: hopscope path [options] TARGET\n\nWalks the path hop by hop like tracepath: return hops (asymm), path MTU, router signatures.\n\n${optionHelp(PATH_OPTIONS)}`;

/**
 * Verdict tags per TTL from the readings: `tunnel` inside an MPLS tunnel (and `MPLS L1/L2`,
 * the label stack a labelled hop quoted), `nat` where the
 * probes get rewritten, `delay` where a latency step starts, `icmp-slow` where a hop only
 * answers slowly; from rate tests, `rate-limited N/s burst B` or `lossy P%`.
 */
export function hopVerdicts(readings: PathReadings, rates: readonly RateTestResult[] = []): Map<number, string[]> {
  const tags = new Map<number, string[]>();
  const add = (ttl: number, tag: string) => {
    const t = tags.get(ttl) ?? tags.set(ttl, []).get(ttl)!;
    if (!t.includes(tag)) t.push(tag);
  };
  for (const t of readings.tunnels) {
    for (const ttl of t.ttls) {
      add(ttl, 'tunnel');
      // The label stack the hop quoted (RFC 4950), top first, as traceroute -e shows it.
      if (t.labels[ttl]?.length) add(ttl, `MPLS ${t.labels[ttl].join('/')}`);
    }
  }
  for (const n of readings.nats) add(n.after?.ttl ?? n.ttl, 'nat');
  for (const v of readings.latency.verdicts) {
    if (v.kind === 'path-delay') add(v.ttl, 'delay');
    else if (v.kind === 'icmp-slow') add(v.ttl, 'icmp-slow');
  }
  for (const r of rates) {
    const v = r.result;
    if (v.verdict === 'rate-limited') add(r.ttl, `rate-limited ${v.ratePerSec}/s burst ${v.burst}`);
    else if (v.verdict === 'lossy') add(r.ttl, `lossy ${(v.loss * 100).toFixed(0)}%`);
  }
  return tags;
}

/** `asOf` (from --asn-db) tags each address like traceroute -A: [AS64500], [*] when unannounced. */
export function formatPath(r: PathResult, verdicts: Map<number, string[]> = new Map(), asOf?: (addr: string) => number | null): string {
  const lines = [` 1?: [LOCALHOST]${' '.repeat(22)}pmtu ${r.localMtu}`];
  for (const h of r.hops) {
    const head = `${String(h.ttl).padStart(2)}:  `;
    if (h.addr === null) {
      lines.push(`${head}no reply`);
      continue;
    }
    const tags = [
      h.pmtu !== null ? `pmtu ${h.pmtu}` : '',
      h.asymm ? `asymm ${String(h.returnHops).padStart(2)}` : '',
      h.reached ? 'reached' : '',
      ...(verdicts.get(h.ttl) ?? []),
      h.signature?.class ? `[${h.signature.timeExceeded ?? '-'}/${h.signature.echoReply ?? '-'} ${h.signature.class}]` : h.signature && (h.signature.timeExceeded ?? h.signature.echoReply) !== null ? `[${h.signature.timeExceeded ?? '-'}/${h.signature.echoReply ?? '-'}]` : '',
    ].filter(Boolean);
    const who = asOf ? `${h.addr} [${asOf(h.addr) === null ? '*' : `AS${asOf(h.addr)}`}]` : h.addr;
    lines.push(`${head}${who.padEnd(40)} ${(h.rttMs ?? 0).toFixed(3).padStart(9)}ms ${tags.join(' ')}`.trimEnd());
  }
  lines.push(`     Resume: pmtu ${r.pmtu}${r.reached ? ` hops ${r.hopsToDst} back ${r.back}` : ''}`);
  return lines.join('\n');
}

export interface PathReadings {
  tunnels: MplsTunnel[];
  latency: LatencyReading;
  nats: NatRewrite[];
}

/** MPLS, latency and NAT readings of the walk's own probes (the signature pings, sent with TTL 64 to each hop, left out). */
export function pathReadings(result: PathResult): PathReadings {
  const walked = new Set(result.hops.map((h) => h.ttl));
  const records = result.records.filter((r) => r.dst === result.dst && walked.has(r.ttl) && !(r.proto === 'icmp' && r.ttl === 64 && !walked.has(64)));
  const tunnels = mplsTunnels(records);
  return { tunnels, latency: readLatency(records, { tunnels }), nats: natRewrites(records) };
}

export async function pathCommand(argv: readonly string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const parsed = parseCommand('path', argv, PATH_OPTIONS, PATH_USAGE, out);
  if (!parsed) return 0;
  const { target, values } = parsed;
  const options: PathOptions = { ...traceOptionsFromArgs(values), mtu: values.mtu as number | undefined, signatures: !values['no-signatures'], samples: values.samples as number | undefined };
  const run = await viaAgent(values, () => path(target, options), (agent) => agent.path(target, options));
  const result = await run.result;
  const readings = pathReadings(result);
  const rates = values['rate-test'] ? await rateTests(target, options, result, values) : [];
  const verdicts = hopVerdicts(readings, rates);
  const asn = asnDatabaseFromArgs(values);
  const asOf = asn ? (addr: string) => asn.lookup(addr)?.asn ?? null : undefined;
  const asHops = asn ? asPathOf(result.records.filter((r) => r.dst === result.dst && r.ttl <= result.hops.length), asn) : null;
  if (values.json) {
    for (const h of result.hops) {
      const rate = rates.find((r) => r.ttl === h.ttl)?.result;
      const as = asOf && h.addr !== null ? { asn: asOf(h.addr) } : {};
      out.write(JSON.stringify({ type: 'hop', ...h, rttMs: h.rttMs, ...as, verdicts: verdicts.get(h.ttl) ?? [], ...(rate ? { rate } : {}) }) + '\n');
    }
    if (asHops) out.write(JSON.stringify({ type: 'as-path', ...asHops }) + '\n');
    const { records, hops, ...summary } = result;
    void records;
    void hops;
    out.write(JSON.stringify({ type: 'readings', mpls: readings.tunnels, latency: readings.latency.verdicts, nat: readings.nats }) + '\n');
    out.write(JSON.stringify(summary) + '\n');
  } else {
    out.write(formatPath(result, verdicts, asOf) + '\n');
    if (asHops) for (const line of formatAsPath(asHops)) out.write(line + '\n');
    for (const line of formatReadings(readings.tunnels, readings.latency.verdicts, readings.nats)) out.write(line + '\n');
  }
  return result.reached ? 0 : 1;
}

/** Rate tests of every hop that answered the walk, all at once (through the agent when one was named). */
async function rateTests(target: string, options: PathOptions, result: PathResult, values: Record<string, string | number | boolean>): Promise<RateTestResult[]> {
  const agent = typeof values.agent === 'string' ? await agentFromArgs(values.agent, values) : null;
  try {
    const hops = result.hops.filter((h) => h.addr !== null);
    return await Promise.all(hops.map((h) => rateTest(target, { ...options, ttl: h.ttl, ...(agent ? { prober: agent } : {}) })));
  } finally {
    agent?.close();
  }
}
