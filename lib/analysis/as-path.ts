/** One hop of a path with the AS its address belongs to (null: no AS known — private, unannounced, silent). */
export interface HopAs {
  ttl: number;
  addr: string | null;
  asn: number | null;
}

export interface AsSegment {
  asn: number;
  firstTtl: number;
  lastTtl: number;
  /** TTLs inside the segment whose AS is unknown but which sit between hops of this AS. */
  bridged: number[];
}

export interface AsBorder {
  /** First TTL of the new AS. */
  ttl: number;
  from: number;
  to: number;
  /** TTLs between the two ASes whose AS is unknown: the border is somewhere among them. */
  unknownBetween: number[];
  /** True when unknown hops sit between the ASes, so the exact crossing is not known. */
  uncertain: boolean;
}

export interface AsPath {
  segments: AsSegment[];
  borders: AsBorder[];
  /** Unknown hops before the first known AS or after the last one. */
  unplaced: number[];
}

/**
 * The AS-level path of a hop-level one: consecutive hops of one AS form a segment; hops with
 * no AS (a private address, an IXP LAN, a link numbered from the neighbour's space left
 * unannounced) are bridged when the same AS is on both sides, and otherwise leave the border
 * uncertain between the ASes around them. Input in TTL order, one entry per TTL.
 */
export function asPath(hops: readonly HopAs[]): AsPath {
  const sorted = [...hops].sort((a, b) => a.ttl - b.ttl);
  const segments: AsSegment[] = [];
  const borders: AsBorder[] = [];
  let pendingUnknown: number[] = [];
  const unplaced: number[] = [];
  for (const h of sorted) {
    if (h.asn === null) {
      pendingUnknown.push(h.ttl);
      continue;
    }
    const last = segments.at(-1);
    if (!last) {
      unplaced.push(...pendingUnknown);
    } else if (last.asn === h.asn) {
      last.bridged.push(...pendingUnknown);
      last.lastTtl = h.ttl;
      pendingUnknown = [];
      continue;
    } else {
      borders.push({ ttl: h.ttl, from: last.asn, to: h.asn, unknownBetween: pendingUnknown, uncertain: pendingUnknown.length > 0 });
    }
    segments.push({ asn: h.asn, firstTtl: h.ttl, lastTtl: h.ttl, bridged: [] });
    pendingUnknown = [];
  }
  unplaced.push(...pendingUnknown);
  return { segments, borders, unplaced };
}

/**
 * One AS per TTL from the addresses that answered there: the AS most of the TTL's answering
 * addresses belong to (the lowest AS number on a tie), null when none has one.
 */
export function hopAsFromAddresses(byTtl: ReadonlyMap<number, readonly (string | null)[]>, asnOf: (addr: string) => number | null): HopAs[] {
  return [...byTtl.entries()].map(([ttl, addrs]) => {
    const counts = new Map<number, number>();
    let first: string | null = null;
    for (const a of addrs) {
      if (!a) continue;
      first ??= a;
      const asn = asnOf(a);
      if (asn !== null) counts.set(asn, (counts.get(asn) ?? 0) + 1);
    }
    const best = [...counts.entries()].sort((x, y) => y[1] - x[1] || x[0] - y[0])[0];
    return { ttl, addr: first, asn: best ? best[0] : null };
  });
}
