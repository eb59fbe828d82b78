import type { ProbeRecord } from '../record';
import { estimateReturn } from './return-path';

/**
 * Joins a trace from A to B with a trace from B to A: which routers both directions
 * cross, where the paths part and meet again, and the measured return length against the
 * reply-TTL estimate. Routers answer each direction with a different interface, so
 * alignment takes (strongest first): the same address; two-sided subnet mates (a router's
 * forward address shares a link prefix with the reverse hop after it, and its reverse
 * address with the forward hop after it — the two links it joins); and, inside a stretch
 * of equal length on both sides between aligned routers, hop-count position.
 */

export interface OneWay {
  /** The measuring end's address (the trace's source). */
  src: string;
  /** The far end's address (the trace's target). */
  dst: string;
  records: readonly ProbeRecord[];
}

export interface BidirectionalOptions {
  /** Link prefix lengths for subnet mates: IPv4 default 30 (/31 links match too), IPv6 default 126. */
  matePrefix?: { 4?: number; 6?: number };
  /** Align by position inside equal-length stretches (default true). */
  position?: boolean;
}

export type AlignedBy = 'address' | 'subnet' | 'position';

export interface PathHop {
  /** 0 = the measuring end itself; then the TTL. */
  ttl: number;
  /** Most common answering address at this TTL, null when silent. */
  addr: string | null;
}

export interface HopAlignment {
  forwardTtl: number;
  reverseTtl: number;
  forward: string;
  reverse: string;
  by: AlignedBy;
}

export interface Divergence {
  /** The last router both paths share before they part (forward TTL / reverse TTL), null at the start. */
  after: { forwardTtl: number; reverseTtl: number; addr: string } | null;
  /** Where they meet again. */
  before: { forwardTtl: number; reverseTtl: number; addr: string } | null;
  /** Hops only the forward path crosses, in forward order. */
  forwardOnly: PathHop[];
  /** Hops only the reverse path crosses, in reverse order (as B's trace saw them). */
  reverseOnly: PathHop[];
  /** One line naming it. */
  description: string;
}

export interface BidirectionalResult {
  a: string;
  b: string;
  /** A's trace, ttl 0 = A. */
  forward: PathHop[];
  /** B's trace, ttl 0 = B. */
  reverse: PathHop[];
  aligned: HopAlignment[];
  divergences: Divergence[];
  symmetric: boolean;
  hopCounts: {
    /** TTL at which A's trace reached B (null: not reached). */
    forward: number | null;
    reverse: number | null;
    /** B→A length from the reply TTL of B's answer to A's trace (lib/analysis/return-path). */
    reverseEstimate: number | null;
    /** A→B length from the reply TTL of A's answer to B's trace. */
    forwardEstimate: number | null;
  };
}

export function bidirectionalJoin(forward: OneWay, reverse: OneWay, options: BidirectionalOptions = {}): BidirectionalResult {
  const p4 = options.matePrefix?.[4] ?? 30;
  const p6 = options.matePrefix?.[6] ?? 126;
  if (!Number.isInteger(p4) || p4 < 8 || p4 > 32) throw new RangeError(`matePrefix[4] must be an integer from 8 to 32, got ${p4}`);
  if (!Number.isInteger(p6) || p6 < 16 || p6 > 128) throw new RangeError(`matePrefix[6] must be an integer from 16 to 128, got ${p6}`);
  const F = hopsOf(forward);
  const R = hopsOf(reverse);
  const mate = (x: string | null, y: string | null) => x !== null && y !== null && x !== y && sameSubnet(x, y, p4, p6);

  const candidates: { i: number; j: number; by: AlignedBy }[] = [];
  for (let i = 0; i < F.length; i++) {
    for (let j = 0; j < R.length; j++) {
      const f = F[i].addr;
      const r = R[j].addr;
      if (f === null || r === null) continue;
      if (f === r) candidates.push({ i, j, by: 'address' });
      else if (mate(r, F[i + 1]?.addr ?? null) && mate(f, R[j + 1]?.addr ?? null)) candidates.push({ i, j, by: 'subnet' });
    }
  }
  const rank = { address: 0, subnet: 1, position: 2 };
  candidates.sort((x, y) => rank[x.by] - rank[y.by] || x.i - y.i);
  const chosen: { i: number; j: number; by: AlignedBy }[] = [];
  const consistent = (c: { i: number; j: number }) => chosen.every((d) => d.i !== c.i && d.j !== c.j && (d.i < c.i) === (d.j > c.j));
  for (const c of candidates) if (consistent(c)) chosen.push(c);
  chosen.sort((x, y) => x.i - y.i);

  if (options.position !== false) {
    // Equal stretches between aligned routers: the same routers, answering unknown addresses.
    const anchors = chosen.slice();
    for (let k = 0; k + 1 < anchors.length; k++) {
      const a = anchors[k];
      const b = anchors[k + 1];
      const fl = b.i - a.i - 1;
      const rl = a.j - b.j - 1;
      if (fl > 0 && fl === rl) {
        for (let n = 1; n <= fl; n++) {
          if (F[a.i + n].addr !== null && R[a.j - n].addr !== null) chosen.push({ i: a.i + n, j: a.j - n, by: 'position' });
        }
      }
    }
    chosen.sort((x, y) => x.i - y.i);
  }

  const aligned: HopAlignment[] = chosen.map((c) => ({ forwardTtl: F[c.i].ttl, reverseTtl: R[c.j].ttl, forward: F[c.i].addr!, reverse: R[c.j].addr!, by: c.by }));

  // Stretches between consecutive aligned routers where either side has hops of its own.
  const divergences: Divergence[] = [];
  const bounds = [null, ...chosen, null] as ({ i: number; j: number } | null)[];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const lo = bounds[k];
    const hi = bounds[k + 1];
    const fFrom = lo ? lo.i + 1 : 0;
    const fTo = hi ? hi.i : F.length;
    const rFrom = hi ? hi.j + 1 : 0;
    const rTo = lo ? lo.j : R.length;
    const forwardOnly = F.slice(fFrom, fTo);
    const reverseOnly = R.slice(rFrom, rTo);
    if (forwardOnly.length === 0 && reverseOnly.length === 0) continue;
    if (!lo || !hi) continue; // before the first or after the last shared router: the ends, not a divergence
    const after = { forwardTtl: F[lo.i].ttl, reverseTtl: R[lo.j].ttl, addr: F[lo.i].addr! };
    const before = { forwardTtl: F[hi.i].ttl, reverseTtl: R[hi.j].ttl, addr: F[hi.i].addr! };
    const list = (hs: PathHop[]) => (hs.length ? hs.map((h) => h.addr ?? '*').join(', ') : 'no hop');
    divergences.push({
      after, before, forwardOnly, reverseOnly,
      description: `between ${after.addr} (forward hop ${after.forwardTtl}) and ${before.addr} (forward hop ${before.forwardTtl}) the forward path crosses ${list(forwardOnly)} (${forwardOnly.length} hop${forwardOnly.length === 1 ? '' : 's'}), the reverse path ${list(reverseOnly)} (${reverseOnly.length} hop${reverseOnly.length === 1 ? '' : 's'})`,
    });
  }

  const reachedAt = (hops: PathHop[], target: string) => hops.find((h) => h.ttl > 0 && h.addr === target)?.ttl ?? null;
  const estimateFrom = (w: OneWay) => {
    const r = w.records.find((x) => x.addr === w.dst && x.replyTtl !== null && x.kind !== 'time-exceeded');
    return r ? estimateReturn(r)?.returnHops ?? null : null;
  };
  return {
    a: forward.src,
    b: forward.dst,
    forward: F,
    reverse: R,
    aligned,
    divergences,
    symmetric: divergences.length === 0 && F.length === R.length,
    hopCounts: {
      forward: reachedAt(F, forward.dst),
      reverse: reachedAt(R, reverse.dst),
      reverseEstimate: estimateFrom(forward),
      forwardEstimate: estimateFrom(reverse),
    },
  };
}

/** Side-by-side rows (forward hop, the reverse hop aligned to it or standing in its stretch) for a table. */
export function bidirectionalRows(r: BidirectionalResult): { forwardTtl: number | null; forward: string | null; reverse: string | null; reverseTtl: number | null; by: AlignedBy | 'forward only' | 'reverse only' }[] {
  const rows: ReturnType<typeof bidirectionalRows> = [];
  const byF = new Map(r.aligned.map((a) => [a.forwardTtl, a]));
  const alignedR = new Set(r.aligned.map((a) => a.reverseTtl));
  // Walk the forward path; after each aligned hop, the reverse-only hops that lead back to it.
  const pendingReverse = (fromTtl: number, toTtl: number) => {
    for (let t = fromTtl - 1; t > toTtl; t--) {
      const h = r.reverse.find((x) => x.ttl === t);
      if (h && !alignedR.has(t)) rows.push({ forwardTtl: null, forward: null, reverse: h.addr, reverseTtl: t, by: 'reverse only' });
    }
  };
  let lastReverse = r.reverse.length;
  for (const f of r.forward) {
    const a = byF.get(f.ttl);
    if (a) {
      pendingReverse(lastReverse, a.reverseTtl);
      rows.push({ forwardTtl: f.ttl, forward: f.addr, reverse: a.reverse, reverseTtl: a.reverseTtl, by: a.by });
      lastReverse = a.reverseTtl;
    } else rows.push({ forwardTtl: f.ttl, forward: f.addr, reverse: null, reverseTtl: null, by: 'forward only' });
  }
  pendingReverse(lastReverse, -1);
  return rows;
}

function hopsOf(w: OneWay): PathHop[] {
  const byTtl = new Map<number, Map<string, number>>();
  let maxTtl = 0;
  for (const r of w.records) {
    maxTtl = Math.max(maxTtl, r.ttl);
    if (!byTtl.has(r.ttl)) byTtl.set(r.ttl, new Map());
    if (r.addr !== null) byTtl.get(r.ttl)!.set(r.addr, (byTtl.get(r.ttl)!.get(r.addr) ?? 0) + 1);
  }
  const hops: PathHop[] = [{ ttl: 0, addr: w.src }];
  for (let t = 1; t <= maxTtl; t++) {
    const c = byTtl.get(t);
    const best = c ? [...c.entries()].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))[0] : undefined;
    hops.push({ ttl: t, addr: best ? best[0] : null });
    if (best && best[0] === w.dst) break;
  }
  return hops;
}

function sameSubnet(a: string, b: string, p4: number, p6: number): boolean {
  const x = addrBits(a);
  const y = addrBits(b);
  if (!x || !y || x.length !== y.length) return false;
  const prefix = x.length === 32 ? p4 : p6;
  for (let k = 0; k < prefix; k++) if (x[k] !== y[k]) return false;
  return true;
}

/** An address as a bit string (32 or 128 characters), null when it is not one. */
function addrBits(a: string): string | null {
  if (/^\d+\.\d+\.\d+\.\d+$/.test(a)) {
    const parts = a.split('.').map(Number);
    if (parts.some((p) => p > 255)) return null;
    return parts.map((p) => p.toString(2).padStart(8, '0')).join('');
  }
  if (!a.includes(':')) return null;
  const [head, tail] = a.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail ? tail.split(':') : [];
  if (a.includes('::') ? h.length + t.length > 7 : h.length !== 8) return null;
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  return groups.map((g) => parseInt(g, 16).toString(2).padStart(16, '0')).join('');
}
