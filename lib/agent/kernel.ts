/**
 * Probing from an unprivileged process (a notebook kernel, a REPL): through an agent named by
 * HOPSCOPE_AGENT, or in-process when this process may open raw sockets. The kernel's first
 * output (kernel/launch.js) is `probingMode().message`.
 */
import { canProbe } from '../probe';
import { AgentProber } from './client';

export type ProbingModeName = 'in-process' | 'agent' | 'none';

export interface ProbingMode {
  mode: ProbingModeName;
  /** The agent's address when mode is 'agent' (or when one was named but is unreachable). */
  address: string | null;
  /** One paragraph: which mode is active and how to use it, or why there is none. */
  message: string;
}

/**
 * HOPSCOPE_AGENT: 'unix:/path', 'tcp://host:port' (token in HOPSCOPE_AGENT_TOKEN) or 'stdio'
 * (start one with HOPSCOPE_AGENT_COMMAND, e.g. `sudo -n /usr/bin/node …/dist/cli/main.js agent`,
 * whitespace-separated; default this hopscope's `agent --listen stdio`, which needs privileges).
 */
export function agentFromEnvironment(env: NodeJS.ProcessEnv = process.env): { address: string; token?: string; command?: string[] } | null {
  const address = env.HOPSCOPE_AGENT?.trim();
  if (!address) return null;
  const command = env.HOPSCOPE_AGENT_COMMAND?.trim() ? env.HOPSCOPE_AGENT_COMMAND.trim().split(/\s+/) : undefined;
  return { address, token: env.HOPSCOPE_AGENT_TOKEN?.trim() || undefined, command };
}

let shared: Promise<AgentProber> | null = null;

/**
 * The agent this process probes through (HOPSCOPE_AGENT), connected once and shared by every
 * cell; connected again after it was lost. Rejects with a clear error when none is named or
 * it cannot be reached.
 */
export async function kernelAgent(): Promise<AgentProber> {
  if (shared) {
    const a = await shared.catch(() => null);
    if (a?.connected) return a;
  }
  const cfg = agentFromEnvironment();
  if (!cfg) throw new Error('no agent named: set HOPSCOPE_AGENT=unix:/path/to/agent.sock (or tcp://host:port with HOPSCOPE_AGENT_TOKEN) before starting the kernel, or call hs.agent.connectAgent(address)');
  shared = AgentProber.connect(cfg.address, { token: cfg.token, command: cfg.command });
  return shared;
}

/** Which way this process probes: in-process (root or CAP_NET_RAW), through an agent, or not at all. */
export async function probingMode(): Promise<ProbingMode> {
  const cfg = agentFromEnvironment();
  const local = canProbe();
  if (cfg) {
    try {
      const a = await kernelAgent();
      const l = a.info!.limits;
      return {
        mode: 'agent',
        address: cfg.address,
        message:
          `probing through the agent at ${cfg.address} (pid ${a.info!.pid}, protocol ${a.info!.version}, at most ${l.rate} probes/s): ` +
          'const agent = await hs.agent.kernelAgent(); then agent.trace(target) / agent.mda / agent.path / agent.sample, or { prober: agent }' +
          (local ? '. This process could also probe in-process.' : '.'),
      };
    } catch (err) {
      return {
        mode: local ? 'in-process' : 'none',
        address: cfg.address,
        message: `the agent at ${cfg.address} cannot be used: ${(err as Error).message}${local ? '; probing in-process instead.' : '; probing will NOT work until it runs (hopscope agent --listen ' + cfg.address + ' as root).'}`,
      };
    }
  }
  if (local) return { mode: 'in-process', address: null, message: `probing in-process: this process can open raw sockets${process.getuid?.() === 0 ? ' (root)' : ' (CAP_NET_RAW)'}.` };
  return {
    mode: 'none',
    address: null,
    message: 'no probing: this process cannot open raw sockets and no agent is named (start `hopscope agent --listen unix:/run/hopscope/agent.sock` as root and set HOPSCOPE_AGENT to that address).',
  };
}
