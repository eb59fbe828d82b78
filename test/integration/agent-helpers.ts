/** Starting and stopping `hopscope agent` processes for tests (shared by the agent tests). */
import { spawn, type ChildProcess } from 'node:child_process';
import { CLI } from './helpers';

const children = new Set<ChildProcess>();

export interface Agent {
  proc: ChildProcess;
  address: string;
  stderr: () => string;
}

/** Starts `hopscope agent ARGS` (from source) in a namespace (null: this one) and waits until it serves. */
export function startAgent(ns: string | null, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Agent> {
  const cmd = [process.execPath, '--import', 'tsx', CLI, 'agent', ...args];
  const [file, argv] = ns ? ['ip', ['netns', 'exec', ns, ...cmd]] : [cmd[0], cmd.slice(1)];
  const proc = spawn(file, argv, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
  children.add(proc);
  proc.on('exit', () => children.delete(proc));
  let err = '';
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`agent did not start in 20 s: ${err}`)), 20_000);
    proc.stderr!.on('data', (d) => {
      err += d;
      const m = /serving (\S+)/.exec(err);
      if (m) {
        clearTimeout(t);
        resolve({ proc, address: m[1], stderr: () => err });
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(t);
      reject(new Error(`agent exited with ${code}: ${err}`));
    });
  });
}

export function stopAgent(a: Agent): Promise<void> {
  if (a.proc.exitCode !== null || a.proc.signalCode !== null) return Promise.resolve();
  return new Promise((r) => {
    a.proc.once('exit', () => r());
    a.proc.kill('SIGTERM');
  });
}

/** Every agent still running (after a failed test). */
export function killAgents(): void {
  for (const c of children) c.kill('SIGKILL');
}
