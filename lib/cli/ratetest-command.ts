import { rateTest } from '../probe';
import { parseArgs, optionHelp, UsageError, type OptionSpec } from './args';
import { TRACE_OPTIONS, traceOptionsFromArgs } from './trace-command';

export const RATETEST_OPTIONS: OptionSpec[] = [
  ...TRACE_OPTIONS.filter((o) => ['ipv4', 'ipv6', 'proto', 'icmp', 'tcp', 'port', 'sport', 'wait', 'source', 'interface', 'json', 'help'].includes(o.long)),
  { long: 'ttl', short: 't', type: 'int', min: 1, max: 255, help: 'TTL of the hop to test (required)' },
  { long: 'fast', type: 'int', min: 2, max: 10_000, help: 'probes in the fast burst (default 20, at 200/s)' },
  { long: 'slow', type: 'int', min: 1, max: 10_000, help: 'probes in the slow run (default 6, at 1/s)' },
];

export async function ratetestCommand(argv: readonly string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const { positional, values } = parseArgs(argv, RATETEST_OPTIONS);
  if (values.help) return out.write(`usage: hopscope ratetest --ttl N [options] TARGET\n\nTells a hop that rate-limits its ICMP from one that loses packets.\n\n${optionHelp(RATETEST_OPTIONS)}\n`), 0;
  if (positional.length !== 1) throw new UsageError(`ratetest takes one TARGET, got ${positional.length}`);
  if (values.ttl === undefined) throw new UsageError('--ttl is required: the TTL of the hop to test');
  const r = await rateTest(positional[0], {
    ...traceOptionsFromArgs(values),
    ttl: values.ttl as number,
    fastProbes: values.fast as number | undefined,
    slowProbes: values.slow as number | undefined,
  });
  if (values.json) {
    const { records, ...summary } = r;
    void records;
    out.write(JSON.stringify(summary) + '\n');
    return 0;
  }
  const v = r.result;
  const what =
    v.verdict === 'rate-limited' ? `rate-limited (about ${v.ratePerSec}/s, burst ${v.burst})` : v.verdict === 'lossy' ? `lossy (${(v.loss * 100).toFixed(0)}% at both rates)` : 'clean';
  out.write(`TTL ${r.ttl} ${r.addr ?? '*'}: ${what}; answered ${v.fastAnswered} of the fast burst, ${v.slowAnswered} of the slow run\n`);
  return 0;
}
