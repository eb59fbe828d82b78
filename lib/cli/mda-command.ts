import type { MultipathResult } from '../record';
import { mda, MDA_DEFAULTS, type MdaOptions } from '../probe';
import { optionHelp, parseCommand, type OptionSpec } from './args';
import { printRun } from './output';
import { TRACE_OPTIONS, traceOptionsFromArgs } from './trace-command';
import { AGENT_CLIENT_OPTIONS, viaAgent } from './agent-command';

const SHARED = TRACE_OPTIONS.filter((o) => !['method', 'queries', 'numeric'].includes(o.long));

export const MDA_OPTIONS: OptionSpec[] = [
  ...SHARED,
  ...AGENT_CLIENT_OPTIONS,
  { long: 'confidence', type: 'string', choices: ['95', '99'], help: 'per-vertex confidence, percent (default 95)' },
  { long: 'budget', type: 'int', min: 1, max: 1_000_000, help: `stop after this many probes (default ${MDA_DEFAULTS.maxProbes})` },
  { long: 'time-limit', type: 'number', min: 0.1, max: 86_400, help: `stop after this many seconds (default ${MDA_DEFAULTS.timeLimitMs / 1000})` },
];

export const MDA_USAGE = `usage: hopscope mda [options] TARGET\n\n${optionHelp(MDA_OPTIONS)}`;

/** The paths as scamper's tracelb prints them: `a -> (b, c) -> d`, one TTL per step. */
export function formatMultipath(r: MultipathResult): string {
  const byTtl = new Map<number, string[]>();
  for (const n of r.nodes) for (const ttl of n.ttls) byTtl.set(ttl, [...(byTtl.get(ttl) ?? []), n.addr]);
  const steps = [...byTtl.entries()].sort(([a], [b]) => a - b).map(([, addrs]) => (addrs.length === 1 ? addrs[0] : `(${addrs.sort().join(', ')})`));
  const lines = [
    `hopscope mda to ${r.target} (${r.dst}), ${r.proto}, ${r.confidence}% per vertex`,
    steps.join(' -> '),
    ...r.balancers.map((b) => `balancer at TTL ${b.ttl} ${b.addr}: ${b.kind}, ${b.nextHops.length} next hops (${b.nextHops.join(', ')})`),
    ...r.anomalies.map((a) => `loop: ${a.addr} at TTL ${a.ttls.join(' and ')}`),
    `# ${r.complete ? 'complete' : `stopped: ${r.stopReason}`}, ${r.links.length} links, ${r.probes} probes, ${r.durationMs.toFixed(1)} ms`,
  ];
  return lines.join('\n');
}

export async function mdaCommand(argv: readonly string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const parsed = parseCommand('mda', argv, MDA_OPTIONS, MDA_USAGE, out);
  if (!parsed) return 0;
  const { target, values } = parsed;
  const options: MdaOptions = {
    ...traceOptionsFromArgs(values),
    confidence: values.confidence === '99' ? 99 : 95,
    maxProbes: values.budget as number | undefined,
    timeLimitMs: values['time-limit'] === undefined ? undefined : (values['time-limit'] as number) * 1000,
  };
  const result = await printRun(await viaAgent(values, () => mda(target, options), (agent) => agent.mda(target, options)), values.json === true, out, formatMultipath);
  return result.complete ? 0 : 1;
}
