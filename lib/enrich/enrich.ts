import type { AsnDatabase, AsnInfo } from './asn';
import type { NameStatus, ReverseDns } from './rdns';

/** What is known about one address. */
export interface AddressInfo {
  addr: string;
  name: string | null;
  /** null when no reverse DNS was asked. */
  nameStatus: NameStatus | null;
  asn: number | null;
  asName: string | null;
  /** Every origin AS (multi-origin prefixes, AS sets). */
  origins: number[];
  prefix: string | null;
}

export interface EnrichOptions {
  asn?: AsnDatabase | null;
  rdns?: ReverseDns | null;
}

/** Names and AS numbers of every distinct address (nulls skipped), in first-seen order. */
export async function enrich(addresses: Iterable<string | null>, options: EnrichOptions): Promise<Map<string, AddressInfo>> {
  const distinct = [...new Set([...addresses].filter((a): a is string => typeof a === 'string' && a !== ''))];
  const names = await Promise.all(distinct.map((a) => options.rdns?.lookup(a) ?? null));
  const out = new Map<string, AddressInfo>();
  distinct.forEach((addr, i) => {
    const as: AsnInfo | null = options.asn?.lookup(addr) ?? null;
    out.set(addr, {
      addr,
      name: names[i]?.name ?? null,
      nameStatus: names[i]?.status ?? null,
      asn: as?.asn ?? null,
      asName: as?.name ?? null,
      origins: as?.origins ?? [],
      prefix: as?.prefix ?? null,
    });
  });
  return out;
}

/** Adds `name`, `asn`, `asName` and `prefix` columns to rows that have an `addr`. */
export function withAddressInfo<R extends { addr: string | null }>(rows: readonly R[], info: ReadonlyMap<string, AddressInfo>): (R & Pick<AddressInfo, 'name' | 'asn' | 'asName' | 'prefix'>)[] {
  return rows.map((r) => {
    const i = r.addr ? info.get(r.addr) : undefined;
    return { ...r, name: i?.name ?? null, asn: i?.asn ?? null, asName: i?.asName ?? null, prefix: i?.prefix ?? null };
  });
}
