import readline from 'node:readline';
import { compareSessionToSyn } from '../analysis';
import { Session, trace, interfaceMtu } from '../probe';
import { TCP_FLAGS } from '../packet';
import { parseArgs, optionHelp, UsageError, type OptionSpec } from './args';
import { formatHop } from './trace-format';
import type { ProbeRecord } from '../record';
import { RemoteSession } from '../agent';
import { AGENT_CLIENT_OPTIONS, agentFromArgs } from './agent-command';

export const SESSION_OPTIONS: OptionSpec[] = [
  { long: 'interact', type: 'flag', help: 'send a byte per Enter, trace on Ctrl-D (proberoute --interact)' },
  { long: 'bytes', type: 'int', min: 0, max: 65536, help: 'without --interact: bytes to send before tracing (default 1)' },
  { long: 'simulate', type: 'flag', help: 'probes carry the next byte, which really reaches the server; the socket then sends it too (proberoute --simulate)' },
  { long: 'flags', type: 'string', help: 'probe TCP flags, comma separated (default push,ack)' },
  { long: 'queries', short: 'q', type: 'int', min: 1, max: 10, help: 'probes per hop (default 3)' },
  { long: 'max', short: 'm', type: 'int', min: 1, max: 255, help: 'max TTL (default 30)' },
  { long: 'wait', short: 'w', type: 'number', min: 0.001, max: 60, help: 'wait per probe, seconds (default 1)' },
  { long: 'no-compare', type: 'flag', help: 'skip the fresh-SYN trace of the same path' },
  { long: 'json', type: 'flag', help: 'records and the comparison as JSON lines' },
  ...AGENT_CLIENT_OPTIONS,
  { long: 'help', short: 'h', type: 'flag', help: 'this help' },
];

export const SESSION_USAGE = `usage: hopscope session [options] TARGET PORT\n\nTraces inside a live TCP connection to find where an established session dies.\n\n${optionHelp(SESSION_OPTIONS)}`;

const FLAG_BITS: Record<string, number> = { fin: TCP_FLAGS.FIN, syn: TCP_FLAGS.SYN, rst: TCP_FLAGS.RST, push: TCP_FLAGS.PSH, psh: TCP_FLAGS.PSH, ack: TCP_FLAGS.ACK, urg: TCP_FLAGS.URG };

export function parseFlags(text: string): number {
  return text.split(',').reduce((bits, f) => {
    const b = FLAG_BITS[f.trim().toLowerCase()];
    if (b === undefined) throw new UsageError(`--flags must be a comma-separated list of ${Object.keys(FLAG_BITS).join(', ')}, got ${JSON.stringify(f)}`);
    return bits | b;
  }, 0);
}

function printHops(records: readonly ProbeRecord[], out: NodeJS.WritableStream): void {
  const ttls = [...new Set(records.map((r) => r.ttl))].sort((a, b) => a - b);
  for (const ttl of ttls) out.write(formatHop(ttl, records.filter((r) => r.ttl === ttl), () => null) + '\n');
}

export async function sessionCommand(argv: readonly string[], out: NodeJS.WritableStream = process.stdout, input: NodeJS.ReadableStream = process.stdin): Promise<number> {
  const { positional, values } = parseArgs(argv, SESSION_OPTIONS);
  if (values.help) return out.write(SESSION_USAGE + '\n'), 0;
  if (positional.length !== 2) throw new UsageError(`session takes TARGET PORT, got ${positional.length} arguments\n${SESSION_USAGE}`);
  const [target, portText] = positional;
  const port = Number(portText);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`PORT must be an integer from 1 to 65535, got ${JSON.stringify(portText)}`);
  const flags = values.flags ? parseFlags(values.flags as string) : undefined;
  const json = values.json === true;
  const agent = typeof values.agent === 'string' ? await agentFromArgs(values.agent, values) : null;
  let session: Session | RemoteSession;
  try {
    session = agent ? await agent.openSession(target, port) : await Session.open(target, port);
  } catch (err) {
    const msg = (err as Error).message;
    const state = /ECONNREFUSED/.test(msg) ? 'closed' : /timed out/.test(msg) ? 'filtered' : 'state unknown';
    out.write(json ? JSON.stringify({ type: 'port', port, state, error: msg }) + '\n' : `Port ${port} ${state} (${msg})\n`);
    agent?.close();
    return 1;
  }
  const stopOnSignal = () => void session.close();
  process.once('SIGINT', stopOnSignal);
  try {
    if (values.interact) {
      out.write('Interactive mode, press Enter to send a byte, Ctrl-D to trace\n');
      const rl = readline.createInterface({ input });
      for await (const line of rl) {
        if (line.trim() === 'quit') break;
        await session.send(1);
        const re = await session.retransmissions();
        out.write(`sent ${session.sent} byte${session.sent > 1 ? 's' : ''}, retransmissions ${re ? re.total : '?'}\n`);
      }
    } else {
      const n = (values.bytes as number | undefined) ?? 1;
      if (n > 0) await session.send(n);
      await new Promise((r) => setTimeout(r, 300)); // let the bytes (or their first retransmission) go
    }
    const re = await session.retransmissions();
    if (!json) out.write(`outgoing MTU = ${session instanceof RemoteSession ? session.mtu : interfaceMtu(session.src)}\n`);
    const result = await session.trace({ maxTtl: values.max as number | undefined, queries: values.queries as number | undefined, waitMs: values.wait === undefined ? undefined : (values.wait as number) * 1000, flags, simulate: values.simulate === true });
    const synOptions = { proto: 'tcp' as const, port, maxTtl: values.max as number | undefined, waitMs: 1000, gapLimit: 3 };
    const syn = values['no-compare'] ? null : agent ? agent.trace(target, synOptions) : trace(target, synOptions);
    const synRecords: ProbeRecord[] = [];
    if (syn) for await (const r of syn) synRecords.push(r);
    const cmp = syn ? compareSessionToSyn(synRecords, result.records) : null;
    if (json) {
      for (const r of result.records) out.write(JSON.stringify(r) + '\n');
      out.write(JSON.stringify({ type: 'session', dst: target, port, simulated: result.simulated, bytesSent: session.sent, retransmissions: re?.total ?? null, reached: result.reached, lastAnswered: result.lastAnswered, comparison: cmp }) + '\n');
    } else {
      printHops(result.records, out);
      out.write(`Port ${port} open${result.reached ? '' : ' (the session is not getting through)'}; retransmissions ${re?.total ?? '?'}\n`);
      if (cmp?.diverges) out.write(`fresh SYNs go further: the session dies after TTL ${cmp.lastSessionTtl ?? 0}; likely stateful device ${cmp.suspect ?? '(silent)'} at TTL ${cmp.suspectTtl}\n`);
      else if (cmp) out.write('fresh SYNs and the session go equally far\n');
    }
    return result.reached ? 0 : 1;
  } finally {
    process.removeListener('SIGINT', stopOnSignal);
    await session.close();
    agent?.close();
  }
}
