import { execFileSync } from 'node:child_process';
import type { HopTruth, PathTruth } from '../lab';

export const isRoot = process.getuid?.() === 0;
export const NEED_ROOT = isRoot ? false : 'needs root (network namespaces, raw sockets)';

/** Lines of `traceroute -n` output → addresses seen per TTL. */
export function parseTracerouteN(out: string): Map<number, Set<string>> {
  const hops = new Map<number, Set<string>>();
  for (const line of out.split('\n').slice(1)) {
    const m = line.match(/^\s*(\d+)\s+(.*)$/);
    if (!m) continue;
    const addrs = m[2].match(/(\d+\.\d+\.\d+\.\d+|[0-9a-f]*:[0-9a-f:]+)/g) ?? [];
    hops.set(Number(m[1]), new Set(addrs));
  }
  return hops;
}

export function truthAddrs(h: HopTruth, family: 4 | 6): string[] {
  return (family === 4 ? h.v4 : h.v6) ?? [];
}

export function dstOf(p: PathTruth, family: 4 | 6): string {
  const d = family === 4 ? p.dst.v4 : p.dst.v6;
  if (!d) throw new Error('truth has no destination for this family');
  return d;
}

/** Runs a command in a namespace and returns stdout (throws with stderr on failure). */
export function inNs(ns: string, cmd: string, args: string[], timeoutMs = 30_000): string {
  return execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
}

import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { ProbeRecord, TraceSummary } from '../../lib/record';

export const CLI = join(__dirname, '../../lib/cli/main.ts');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs `hopscope ARGS` (from source) inside a namespace, bounded in time. */
export function hopscopeIn(ns: string, args: string[], timeoutMs = 30_000, prefix: string[] = []): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('ip', ['netns', 'exec', ns, ...prefix, process.execPath, '--import', 'tsx', CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hopscope ${args.join(' ')} did not finish in ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

/** `hopscope trace --json` output → records and summary (every line must be JSON). */
export function parseJsonTrace(stdout: string): { records: ProbeRecord[]; summary: TraceSummary } {
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as ProbeRecord | TraceSummary);
  const summary = lines.at(-1) as TraceSummary;
  if (summary?.type !== 'summary') throw new Error(`last line is not a summary: ${stdout.slice(-300)}`);
  return { records: lines.slice(0, -1) as ProbeRecord[], summary };
}

export function addrsByTtl(records: readonly ProbeRecord[]): Map<number, Set<string>> {
  const m = new Map<number, Set<string>>();
  for (const r of records) {
    if (!m.has(r.ttl)) m.set(r.ttl, new Set());
    if (r.addr) m.get(r.ttl)!.add(r.addr);
  }
  return m;
}
