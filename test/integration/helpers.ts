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
