import { asPath, hopAsFromAddresses, type AsPath } from '../analysis';
import { NameCache, openAsnDatabase, Pfx2As, type AsnDatabase } from '../enrich';
import type { ProbeRecord } from '../record';
import { UsageError, type OptionSpec } from './args';

export const ENRICH_OPTIONS: OptionSpec[] = [
  { long: 'asn-db', type: 'string', help: 'AS numbers from this CAIDA pfx2as file or MaxMind (MMDB) ASN database' },
  { long: 'dns-server', type: 'string', help: 'reverse DNS from this server (ADDR or ADDR:PORT) instead of the system resolver' },
];

/** Opens `--asn-db` (null without it); bad pfx2as lines are reported on stderr, never dropped silently. */
export function asnDatabaseFromArgs(values: Record<string, unknown>, err: NodeJS.WritableStream = process.stderr): AsnDatabase | null {
  const path = values['asn-db'];
  if (typeof path !== 'string') return null;
  let db: AsnDatabase;
  try {
    db = openAsnDatabase(path);
  } catch (e) {
    throw new UsageError(`--asn-db ${path}: ${(e as Error).message}`);
  }
  if (db instanceof Pfx2As && db.errors.length) {
    for (const e of db.errors.slice(0, 5)) err.write(`hopscope: ${path}:${e.line}: ${e.reason}, skipped\n`);
    if (db.errors.length > 5) err.write(`hopscope: ${path}: ${db.errors.length - 5} more bad lines skipped\n`);
  }
  return db;
}

/** A name cache for `--dns-server` (or the system resolver), null with -n or --json. */
export function nameCacheFromArgs(values: Record<string, unknown>, numeric: boolean): NameCache | null {
  if (numeric) return null;
  const server = values['dns-server'];
  if (server !== undefined && (typeof server !== 'string' || !/^(\[[0-9a-f:.]+\]|[0-9.]+)(:\d{1,5})?$|^[0-9a-f:]+$/i.test(server))) {
    throw new UsageError(`--dns-server must be an IP address with an optional :PORT ([v6]:PORT for IPv6), got ${JSON.stringify(server)}`);
  }
  return new NameCache(300, typeof server === 'string' ? [server] : undefined);
}

/** The AS path of a set of probe records: one AS per TTL from the addresses that answered there. */
export function asPathOf(records: readonly ProbeRecord[], db: AsnDatabase): AsPath {
  const byTtl = new Map<number, (string | null)[]>();
  for (const r of [...records].sort((a, b) => a.ttl - b.ttl)) {
    if (!byTtl.has(r.ttl)) byTtl.set(r.ttl, []);
    byTtl.get(r.ttl)!.push(r.addr);
  }
  return asPath(hopAsFromAddresses(byTtl, (a) => db.lookup(a)?.asn ?? null));
}

export function formatAsPath(p: AsPath): string[] {
  const lines = p.segments.map((s) => `AS${s.asn}  hops ${s.firstTtl}-${s.lastTtl}${s.bridged.length ? ` (no AS at ${s.bridged.join(', ')}: bridged)` : ''}`);
  for (const b of p.borders) {
    lines.push(`border AS${b.from} -> AS${b.to} at hop ${b.ttl}${b.uncertain ? ` (uncertain: no AS at ${b.unknownBetween.join(', ')})` : ''}`);
  }
  return lines;
}
