import type { MultipathResult } from '../record';
import { mda, MDA_DEFAULTS, type MdaOptions } from '../probe';
import { optionHelp, parseCommand, UsageError, type OptionSpec } from './args';
import { printRun } from './output';
import { TRACE_OPTIONS, traceOptionsFromArgs } from './trace-command';

const SHARED = TRACE_OPTIONS.filter((o) => !['method', 'queries', 'numeric'].includes(o.long));

export const MDA_OPTIONS: OptionSpec[] = [
  ...SHARED,
  { long: 'confidence', type: 'string', choices: ['95', '99'], help: 'per-vertex confidence, percent (default 95)' },
  {
    long: 'trace-confidence',
    type: 'string',
    choices: ['95', '99'],
    help: 'whole-trace confidence instead, percent: the failure budget split over the trace\'s tests, each vertex\'s stopping point computed for it',
  },
  { long: 'full', type: 'flag', help: 'classic MDA: per-vertex stopping points everywhere (default: MDA-Lite, which falls back to them only where needed)' },
  { long: 'budget', type: 'int', min: 1, max: 1_000_000, help: `stop after this many probes (default ${MDA_DEFAULTS.maxProbes})` },
  { long: 'time-limit', type: 'number', min: 0.1, max: 86_400, help: `stop after this many seconds (default ${MDA_DEFAULTS.timeLimitMs / 1000})` },
  {
    long: 'per-dest-prefix',
    type: 'int',
    min: 0,
    max: 128,
    help: 'also probe other addresses of the target\'s prefix of this length (e.g. 24), ports fixed, to find per-destination balancers; off unless given',
  },
];

export const MDA_USAGE = `usage: hopscope mda [options] TARGET\n\n${optionHelp(MDA_OPTIONS)}`;

/** `95% per vertex`, or `99% for the whole trace (99.98% per vertex over 70 tests)`. */
function confidenceLine(r: MultipathResult): string {
  if (r.confidenceMode !== 'whole-trace') return `${r.confidence}% per vertex`;
  return `${r.confidence}% for the whole trace (${r.vertexConfidence}% per vertex over ${r.branchPoints} tests)`;
}

/** The paths as scamper's tracelb prints them: `a -> (b, c) -> d`, one TTL per step. */
export function formatMultipath(r: MultipathResult): string {
  const byTtl = new Map<number, string[]>();
  for (const n of r.nodes) for (const ttl of n.ttls) byTtl.set(ttl, [...(byTtl.get(ttl) ?? []), n.addr]);
  const steps = [...byTtl.entries()].sort(([a], [b]) => a - b).map(([, addrs]) => (addrs.length === 1 ? addrs[0] : `(${addrs.sort().join(', ')})`));
  const algo = r.algorithm === 'mda' ? 'mda (full)' : (r.algorithm ?? 'mda');
  const falseLinks = r.anomalies.flatMap((a) => (a.kind === 'false-link' ? [a.from === a.to ? `${a.from} at TTL ${a.ttl} and ${a.ttl + 1}` : `${a.from} -> ${a.to}`] : []));
  const lines = [
    `hopscope ${algo} to ${r.target} (${r.dst}), ${r.proto}, ${confidenceLine(r)}${r.perDestPrefix ? `, other destinations in ${r.perDestPrefix}` : ''}`,
    steps.join(' -> '),
    ...r.balancers.map((b) => `balancer at TTL ${b.ttl} ${b.addr}: ${b.kind}, ${b.nextHops.length} next hops (${b.nextHops.join(', ')})`),
    ...r.anomalies.flatMap((a) => {
      if (a.kind === 'loop' || a.kind === 'cycle') return [`${a.kind}: ${a.addr} at TTL ${a.ttls.join(' and ')} on one flow`];
      if (a.kind === 'diamond') {
        const to = a.convergence ? `${a.convergence.addr} (TTL ${a.convergence.ttl})` : 'the end';
        const notes = [a.meshed ? 'meshed' : '', a.unequalLengths ? 'unequal lengths' : ''].filter(Boolean);
        return [`diamond: ${a.divergence.addr} (TTL ${a.divergence.ttl}) to ${to}, ${a.maxWidth} wide, ${a.length} long${notes.length ? `, ${notes.join(', ')}` : ''}`];
      }
      return [];
    }),
    ...(falseLinks.length ? [`false links classic traceroute could show: ${falseLinks.join('; ')}`] : []),
    ...r.links.filter((l) => l.uncertain).map((l) => `uncertain link (behind a per-packet balancer): ${l.from} -> ${l.to}`),
    ...(r.fallbacks ?? []).map((f) => `fell back to full MDA at TTL ${f.ttl}: ${f.reason} (${f.addrs.join(', ')})`),
    `# ${r.complete ? 'complete' : `stopped: ${r.stopReason}`}, ${r.nodes.length} nodes, ${r.links.length} links, ${r.probes} probes, ${r.durationMs.toFixed(1)} ms`,
  ];
  return lines.join('\n');
}

export async function mdaCommand(argv: readonly string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const parsed = parseCommand('mda', argv, MDA_OPTIONS, MDA_USAGE, out);
  if (!parsed) return 0;
  const { target, values } = parsed;
  if (values.confidence !== undefined && values['trace-confidence'] !== undefined) {
    throw new UsageError('--confidence (per vertex) and --trace-confidence (whole trace): give one of them');
  }
  const options: MdaOptions = {
    ...traceOptionsFromArgs(values),
    algorithm: values.full === true ? 'mda' : 'mda-lite',
    ...(values['trace-confidence'] !== undefined ? { traceConfidence: Number(values['trace-confidence']) } : { confidence: values.confidence === '99' ? 99 : 95 }),
    maxProbes: values.budget as number | undefined,
    timeLimitMs: values['time-limit'] === undefined ? undefined : (values['time-limit'] as number) * 1000,
    perDestPrefix: values['per-dest-prefix'] as number | undefined,
  };
  const result = await printRun(mda(target, options), values.json === true, out, formatMultipath);
  return result.complete ? 0 : 1;
}
