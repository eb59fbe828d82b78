import { bidirectionalRows, type BidirectionalResult } from '../analysis';
import { bidirectional, type AgentProber } from '../agent';
import { parseArgs, UsageError, type OptionSpec } from './args';
import { agentFromArgs } from './agent-command';
import { traceOptionsFromArgs } from './trace-command';

export const BOTH_OPTIONS: OptionSpec[] = [
  { long: 'both', type: 'flag', help: 'with --from and --to: trace both directions at once and align the hops' },
  { long: 'from', type: 'string', help: 'agent at one end (unix:/path or tcp://host:port)' },
  { long: 'to', type: 'string', help: 'agent at the other end' },
  { long: 'mate-prefix', type: 'int', min: 8, max: 128, help: 'link prefix length for subnet-mate alignment (default 30 for IPv4, 126 for IPv6)' },
];

/** Forward and reverse side by side, then where they part and the hop counts. */
export function formatBidirectional(r: BidirectionalResult): string {
  const rows = bidirectionalRows(r);
  const w = Math.max(16, ...rows.map((x) => (x.forward ?? '').length));
  const lines = [`forward ${r.a} -> ${r.b}${' '.repeat(Math.max(1, w - 12))}reverse ${r.b} -> ${r.a}`];
  for (const row of rows) {
    const f = row.forwardTtl === null ? ''.padEnd(w + 4) : `${String(row.forwardTtl).padStart(2)}  ${(row.forward ?? '*').padEnd(w)}`;
    const b = row.reverseTtl === null ? '' : `${String(row.reverseTtl).padStart(2)}  ${row.reverse ?? '*'}`;
    lines.push(`${f}  ${b.padEnd(w + 4)}  ${row.by}`.trimEnd());
  }
  for (const d of r.divergences) lines.push(`diverge: ${d.description}`);
  if (r.divergences.length === 0) lines.push(r.symmetric ? 'symmetric: the same routers both ways' : 'no divergence found between aligned routers');
  const h = r.hopCounts;
  lines.push(`hops: forward ${h.forward ?? '?'} (estimate from the reverse trace's reply TTL ${h.forwardEstimate ?? '?'}), reverse ${h.reverse ?? '?'} (estimate from the forward trace's reply TTL ${h.reverseEstimate ?? '?'})`);
  return lines.join('\n');
}

export async function bothCommand(argv: readonly string[], specs: readonly OptionSpec[], usage: string, out: NodeJS.WritableStream): Promise<number> {
  const { positional, values } = parseArgs(argv, specs);
  if (typeof values.from !== 'string' || typeof values.to !== 'string') throw new UsageError(`--both needs --from AGENT and --to AGENT\n${usage}`);
  if (positional.length > 0) throw new UsageError(`--both takes no TARGET (the agents' addresses are traced), got ${positional.join(' ')}`);
  const options = traceOptionsFromArgs(values);
  const prefix = values['mate-prefix'] as number | undefined;
  if (prefix !== undefined && !options.ipVersion && prefix > 32) throw new UsageError(`--mate-prefix must be an integer from 8 to 32 for IPv4, got ${prefix}`);
  const agents: AgentProber[] = [];
  try {
    agents.push(await agentFromArgs(values.from, values, '--from'));
    agents.push(await agentFromArgs(values.to, values, '--to'));
    const r = await bidirectional(agents[0], agents[1], { ...options, matePrefix: prefix === undefined ? undefined : { [options.ipVersion ?? 4]: prefix } });
    if (values.json) {
      const { forwardRecords, reverseRecords, ...rest } = r;
      for (const rec of forwardRecords) out.write(JSON.stringify({ direction: 'forward', ...rec }) + '\n');
      for (const rec of reverseRecords) out.write(JSON.stringify({ direction: 'reverse', ...rec }) + '\n');
      out.write(JSON.stringify({ type: 'bidirectional', ...rest }) + '\n');
    } else out.write(formatBidirectional(r) + '\n');
    return r.forwardSummary.reached && r.reverseSummary.reached ? 0 : 1;
  } finally {
    for (const a of agents) a.close();
  }
}
