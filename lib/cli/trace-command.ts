import { trace, TRACE_DEFAULTS, type TraceOptions } from '../probe';
import { optionHelp, parseCommand, UsageError, type OptionSpec } from './args';
import { asnDatabaseFromArgs, ENRICH_OPTIONS, nameCacheFromArgs } from './enrich-options';
import { formatHeader, formatHop, formatSummaryLine } from './trace-format';
import { AGENT_CLIENT_OPTIONS, viaAgent } from './agent-command';
import { BOTH_OPTIONS, bothCommand } from './both-command';

export const TRACE_OPTIONS: OptionSpec[] = [
  { long: 'ipv4', short: '4', type: 'flag', help: 'use IPv4' },
  { long: 'ipv6', short: '6', type: 'flag', help: 'use IPv6' },
  { long: 'proto', type: 'string', choices: ['udp', 'icmp', 'tcp'], help: 'probe protocol (default udp)' },
  { long: 'icmp', short: 'I', type: 'flag', help: 'same as --proto icmp' },
  { long: 'tcp', short: 'T', type: 'flag', help: 'same as --proto tcp (SYN probes)' },
  { long: 'method', type: 'string', choices: ['paris', 'classic'], help: 'paris keeps the flow fixed (default); classic varies ports like traceroute' },
  { long: 'port', short: 'p', type: 'int', min: 1, max: 65535, help: 'destination port (UDP default 33434, TCP 80)' },
  { long: 'sport', type: 'int', min: 1, max: 65535, help: 'source port (ICMP: echo identifier)' },
  { long: 'queries', short: 'q', type: 'int', min: 1, max: 10, help: 'probes per hop (default 3)' },
  { long: 'first', short: 'f', type: 'int', min: 1, max: 255, help: 'first TTL (default 1)' },
  { long: 'max', short: 'm', type: 'int', min: 1, max: 255, help: 'max TTL (default 30)' },
  { long: 'wait', short: 'w', type: 'number', min: 0.001, max: 60, help: 'longest wait for a reply, seconds (default 3)' },
  { long: 'gap', type: 'int', min: 1, max: 255, help: `stop after this many silent hops (default ${TRACE_DEFAULTS.gapLimit})` },
  { long: 'rate', type: 'number', min: 0.1, max: 1_000_000, help: 'probes per second at most (default 1000)' },
  { long: 'size', type: 'int', min: 28, max: 65000, help: 'probe datagram size in bytes' },
  { long: 'source', short: 's', type: 'string', help: 'source address' },
  { long: 'interface', short: 'i', type: 'string', help: 'send from this interface' },
  { long: 'numeric', short: 'n', type: 'flag', help: 'no reverse DNS' },
  { long: 'json', type: 'flag', help: 'one JSON object per probe record, then a summary object' },
  { long: 'help', short: 'h', type: 'flag', help: 'this help' },
];

const TRACE_COMMAND_OPTIONS = [...TRACE_OPTIONS.slice(0, -1), ...ENRICH_OPTIONS, ...AGENT_CLIENT_OPTIONS, ...BOTH_OPTIONS, TRACE_OPTIONS.at(-1)!];

export const TRACE_USAGE = `usage: hopscope trace [options] TARGET\n\n${optionHelp(TRACE_COMMAND_OPTIONS)}`;

export function traceOptionsFromArgs(values: Record<string, string | number | boolean | undefined>): TraceOptions {
  if (values.ipv4 && values.ipv6) throw new UsageError('-4 and -6 exclude each other');
  const protoFlags = [values.icmp && 'icmp', values.tcp && 'tcp', values.proto].filter(Boolean);
  if (new Set(protoFlags).size > 1) throw new UsageError(`conflicting protocols: ${protoFlags.join(', ')}`);
  const o: TraceOptions = {
    proto: (protoFlags[0] as TraceOptions['proto']) ?? undefined,
    method: values.method as TraceOptions['method'],
    ipVersion: values.ipv4 ? 4 : values.ipv6 ? 6 : undefined,
    port: values.port as number | undefined,
    sport: values.sport as number | undefined,
    queries: values.queries as number | undefined,
    firstTtl: values.first as number | undefined,
    maxTtl: values.max as number | undefined,
    waitMs: values.wait === undefined ? undefined : (values.wait as number) * 1000,
    gapLimit: values.gap as number | undefined,
    rate: values.rate as number | undefined,
    size: values.size as number | undefined,
    src: values.source as string | undefined,
    device: values.interface as string | undefined,
  };
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as TraceOptions;
}

export async function traceCommand(argv: readonly string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  if (argv.includes('--both')) return bothCommand(argv, TRACE_COMMAND_OPTIONS, TRACE_USAGE, out);
  const parsed = parseCommand('trace', argv, TRACE_COMMAND_OPTIONS, TRACE_USAGE, out);
  if (!parsed) return 0;
  const { target, values } = parsed;
  const options = traceOptionsFromArgs(values);
  const json = values.json === true;
  const names = nameCacheFromArgs(values, values.numeric === true || json);
  const asn = asnDatabaseFromArgs(values);
  const asOf = asn ? (a: string) => asn.lookup(a)?.asn ?? null : undefined;
  const run = await viaAgent(values, () => trace(target, options), (agent) => agent.trace(target, options));
  const stop = () => run.abort();
  process.once('SIGINT', stop);
  try {
    if (json) {
      const seen = new Set<string>();
      for await (const r of run) {
        out.write(JSON.stringify(r) + '\n');
        if (r.addr) seen.add(r.addr);
      }
      // What the AS database says of each address, before the summary (which stays last).
      if (asn) for (const addr of seen) out.write(JSON.stringify({ type: 'address', addr, ...(asn.lookup(addr) ?? { asn: null }) }) + '\n');
    } else {
      // Names are asked for as soon as records arrive, while earlier hops are being printed.
      if (names) void (async () => { for await (const r of run) if (r.addr) void names.lookup(r.addr); })().catch(() => {});
      // The header as soon as the target is resolved, like traceroute; then one batch per
      // hop, printed the moment the hop is complete.
      const t = await run.settings;
      out.write(formatHeader(target, t.dst, t.maxTtl, t.proto, t.method, t.size) + '\n');
      for await (const hop of run.batches()) {
        const first = hop[0];
        const resolved = new Map<string, string | null>();
        if (names) for (const r of hop) if (r.addr && !resolved.has(r.addr)) resolved.set(r.addr, await names.nameOf(r.addr));
        out.write(formatHop(first.ttl, hop, (a) => resolved.get(a) ?? null, asOf) + '\n');
      }
    }
    const summary = await run.summary;
    out.write((json ? JSON.stringify(summary) : formatSummaryLine(summary)) + '\n');
    return summary.reached ? 0 : 1;
  } finally {
    process.removeListener('SIGINT', stop);
    names?.close();
  }
}
