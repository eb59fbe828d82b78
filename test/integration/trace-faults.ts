// Faults put into a lab router for one flow or one unused address only, so other tests and
// people using the same topology at the same time are not disturbed.
import { execFileSync } from 'node:child_process';

let counter = 0;

/**
 * Runs `fn` with an nftables rule set in namespace `ns` (`rules`: nft statements, one per
 * line) at `hook` (prerouting: before the TTL expires; forward: only what is forwarded;
 * output: what the node itself sends),
 * then removes it, whatever happens.
 */
export async function withFault<T>(ns: string, rules: string, fn: () => Promise<T>, hook: 'prerouting' | 'forward' | 'output' = 'prerouting'): Promise<T> {
  const table = `hs_fault_${process.pid}_${counter++}`;
  const body = rules.split('\n').map((r) => `  ${r.trim()}`).filter((r) => r.trim()).join('\n');
  execFileSync('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], {
    input: `table inet ${table} {\n chain c {\n  type filter hook ${hook} priority -300;\n${body}\n }\n}\n`,
    timeout: 10_000,
  });
  try {
    return await fn();
  } finally {
    execFileSync('ip', ['netns', 'exec', ns, 'nft', 'delete', 'table', 'inet', table], { timeout: 10_000 });
  }
}

/** A router that never answers probes of UDP flow `sport` expiring at it (the rest of the path still answers). */
export const silentFor = (sport: number) => `udp sport ${sport} ip ttl 1 drop\nudp sport ${sport} ip6 hoplimit 1 drop`;
/** A router that drops every probe of UDP flow `sport`: it and everything after it are silent for that flow. */
export const blackHoleFor = (sport: number) => `udp sport ${sport} drop`;
/** A router that drops everything sent to `addr` (an address nobody else uses). */
export const blackHoleTo = (addr: string) => (addr.includes(':') ? `ip6 daddr ${addr} drop` : `ip daddr ${addr} drop`);
