import type { SampleAggregate } from '../analysis';
import { sample, SAMPLE_DEFAULTS, type SampleOptions } from '../probe';
import { optionHelp, parseCommand, UsageError, type OptionSpec } from './args';
import { printRun } from './output';
import { TRACE_OPTIONS, traceOptionsFromArgs } from './trace-command';
import { AGENT_CLIENT_OPTIONS, viaAgent } from './agent-command';

export const SAMPLE_OPTIONS: OptionSpec[] = [
  ...TRACE_OPTIONS.filter((o) => !['method', 'numeric'].includes(o.long)),
  ...AGENT_CLIENT_OPTIONS,
  { long: 'count', short: 'c', type: 'int', min: 1, max: 1_000_000, help: `rounds to run (default ${SAMPLE_DEFAULTS.count})` },
  { long: 'interval', type: 'number', min: 0, max: 86_400, help: `seconds between rounds (default ${SAMPLE_DEFAULTS.intervalMs / 1000})` },
  { long: 'duration', type: 'number', min: 0.001, max: 604_800, help: 'stop after this many seconds' },
  { long: 'dport', type: 'int', min: 1, max: 65535, help: 'same as --port' },
];

export const SAMPLE_USAGE = `usage: hopscope sample [options] TARGET\n\nRepeats a trace with one fixed flow and counts the addresses seen at each hop.\n\n${optionHelp(SAMPLE_OPTIONS)}`;

export function formatSamples(a: SampleAggregate): string {
  const lines = a.hops.map((h) => {
    const addrs = h.addrs.map((x) => `${x.addr} ${x.count}/${h.probes}`).join('  ');
    return `${String(h.ttl).padStart(2)}  ${addrs || '*'}${h.probes > h.answered && h.addrs.length ? `  * ${h.probes - h.answered}/${h.probes}` : ''}${h.splitFlows.length ? '  [one flow, several addresses: per-packet balancing before this hop]' : ''}`;
  });
  lines.push(`# ${a.rounds} rounds${a.perPacketAt !== null ? `; per-packet balancing between TTL ${a.perPacketAt - 1} and ${a.perPacketAt}` : '; every hop kept one address per flow'}`);
  return lines.join('\n');
}

export async function sampleCommand(argv: readonly string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const parsed = parseCommand('sample', argv, SAMPLE_OPTIONS, SAMPLE_USAGE, out);
  if (!parsed) return 0;
  const { target, values } = parsed;
  if (values.dport !== undefined && values.port !== undefined && values.dport !== values.port) throw new UsageError('--dport and --port disagree');
  const options: SampleOptions = {
    ...traceOptionsFromArgs({ ...values, port: values.port ?? values.dport }),
    count: values.count as number | undefined,
    intervalMs: values.interval === undefined ? undefined : (values.interval as number) * 1000,
    durationMs: values.duration === undefined ? undefined : (values.duration as number) * 1000,
  };
  await printRun(await viaAgent(values, () => sample(target, options), (agent) => agent.sample(target, options)), values.json === true, out, (r) => `hopscope sample to ${r.target} (${r.dst})\n${formatSamples(r)}`);
  return 0;
}
