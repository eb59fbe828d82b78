import { readFileSync } from 'node:fs';
import { AgentServer, AgentProber, parseAgentAddress, PROTOCOL_VERSION } from '../agent';
import { checkProbePrivilege } from '../probe';
import { optionHelp, parseArgs, UsageError, type OptionSpec } from './args';

export const AGENT_OPTIONS: OptionSpec[] = [
  { long: 'listen', type: 'string', help: 'stdio (default), unix:/path, tcp:PORT (loopback) or tcp://ADDRESS:PORT' },
  { long: 'token-file', type: 'string', help: 'file holding the token clients must present (else env HOPSCOPE_AGENT_TOKEN); TCP needs one' },
  { long: 'socket-mode', type: 'string', help: 'permissions of a Unix socket, octal (default 600: only this user)' },
  { long: 'rate', type: 'number', min: 0.1, max: 1_000_000, help: 'probes per second at most, every client together (default 1000)' },
  { long: 'max-requests', type: 'int', min: 1, max: 10_000, help: 'requests running at once per connection (default 64)' },
  { long: 'max-connections', type: 'int', min: 1, max: 10_000, help: 'connections at once (default 32)' },
  { long: 'budget', type: 'int', min: 1, max: 100_000_000, help: 'probes one request may send (default 100000)' },
  { long: 'idle', type: 'number', min: 0.01, max: 604_800, help: 'close a connection idle this long, seconds (default 600)' },
  { long: 'interface', short: 'i', type: 'string', help: 'send from this interface' },
  { long: 'quiet', type: 'flag', help: 'no log lines on stderr' },
  { long: 'help', short: 'h', type: 'flag', help: 'this help' },
];

export const AGENT_USAGE = `usage: hopscope agent [options]\n\nA privileged probe agent: owns the raw sockets, serves probes and whole measurements to\nunprivileged clients over a line-oriented JSON protocol (version ${PROTOCOL_VERSION}, lib/agent/PROTOCOL.md).\n\n${optionHelp(AGENT_OPTIONS)}`;

/** The token from --token-file or HOPSCOPE_AGENT_TOKEN (trimmed), undefined when neither. */
export function tokenFromArgs(values: Record<string, string | number | boolean>): string | undefined {
  const file = values['token-file'];
  if (typeof file === 'string') {
    try {
      return readFileSync(file, 'utf8').trim();
    } catch (err) {
      throw new UsageError(`--token-file: cannot read ${file}: ${(err as Error).message}`);
    }
  }
  const env = process.env.HOPSCOPE_AGENT_TOKEN;
  return env ? env.trim() : undefined;
}

/** Connects to the agent named by --agent (or another option) with the token from the environment or --token-file. */
export async function agentFromArgs(address: string, values: Record<string, string | number | boolean>, argument = '--agent'): Promise<AgentProber> {
  parseAgentAddress(address, argument);
  return AgentProber.connect(address, { token: tokenFromArgs(values), ipVersion: values.ipv6 ? 6 : 4 });
}

export async function agentCommand(argv: readonly string[], err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const { positional, values } = parseArgs(argv, AGENT_OPTIONS);
  if (values.help) {
    process.stdout.write(AGENT_USAGE + '\n');
    return 0;
  }
  if (positional.length > 0) throw new UsageError(`agent takes no TARGET, got ${positional.join(' ')}\n${AGENT_USAGE}`);
  const listen = (values.listen as string | undefined) ?? 'stdio';
  const tcpPort = /^tcp:(\d{1,5})$/.exec(listen);
  const address = parseAgentAddress(tcpPort ? `tcp://127.0.0.1:${tcpPort[1]}` : listen, '--listen', true);
  let mode = 0o600;
  if (values['socket-mode'] !== undefined) {
    const m = String(values['socket-mode']);
    if (!/^[0-7]{3,4}$/.test(m)) throw new UsageError(`--socket-mode must be octal permissions like 600 or 660, got ${JSON.stringify(m)}`);
    mode = parseInt(m, 8);
  }
  checkProbePrivilege(); // before serving anyone: PrivilegeError, exit 77
  const quiet = values.quiet === true;
  const agent = new AgentServer({
    token: tokenFromArgs(values),
    rate: values.rate as number | undefined,
    maxRequests: values['max-requests'] as number | undefined,
    maxConnections: values['max-connections'] as number | undefined,
    maxProbesPerRequest: values.budget as number | undefined,
    idleMs: values.idle === undefined ? undefined : (values.idle as number) * 1000,
    device: values.interface as string | undefined,
    log: quiet ? undefined : (l) => err.write(`hopscope agent: ${l}\n`),
  });
  const stop = () => agent.close();
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  try {
    if (address.kind === 'stdio') {
      await agent.serve(process.stdin, process.stdout, 'stdio');
      return 0;
    }
    const server = address.kind === 'unix' ? await agent.listenUnix(address.path, mode) : await agent.listenTcp(address.port, address.host);
    if (!quiet) err.write(`hopscope agent: pid ${process.pid} serving ${address.kind === 'unix' ? `unix:${address.path}` : `tcp://${address.host}:${(server.address() as { port: number }).port}`}\n`);
    await new Promise<void>((resolve) => server.once('close', () => resolve()));
    return 0;
  } finally {
    agent.close();
    process.removeListener('SIGTERM', stop);
    process.removeListener('SIGINT', stop);
  }
}

/** What trace, mda, path and sample take to run through an agent. */
export const AGENT_CLIENT_OPTIONS: OptionSpec[] = [
  { long: 'agent', type: 'string', help: 'probe through the agent at unix:/path or tcp://host:port (token: env HOPSCOPE_AGENT_TOKEN or --token-file)' },
  { long: 'token-file', type: 'string', help: 'file holding the agent token' },
];

/**
 * Runs `local` in-process, or `remote` inside the agent given by --agent; the connection is
 * closed when the measurement's result is settled.
 */
export async function viaAgent<R extends { result: Promise<unknown> }>(
  values: Record<string, string | number | boolean>,
  local: () => R,
  remote: (agent: AgentProber) => R,
): Promise<R> {
  if (typeof values.agent !== 'string') return local();
  const agent = await agentFromArgs(values.agent, values);
  const run = remote(agent);
  run.result.finally(() => agent.close()).catch(() => {});
  return run;
}
