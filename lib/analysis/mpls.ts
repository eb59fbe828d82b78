import type { ProbeRecord } from '../record';
import { guessInitialTtl, returnHops } from './ttl';

export type MplsTunnelKind = 'explicit' | 'implicit' | 'opaque' | 'invisible';

/** An MPLS tunnel read from a trace, with the evidence for it. */
export interface MplsTunnel {
  kind: MplsTunnelKind;
  /** TTLs of the hops that answered from inside the tunnel (for invisible: the hop after the jump). */
  ttls: number[];
  /** Addresses of those hops. */
  addrs: string[];
  /** Label stacks quoted at each TTL (explicit, opaque). */
  labels: Record<number, number[]>;
  /** LSRs that cannot be seen (opaque: from the label TTL; invisible: from the return-length jump). */
  hidden: number | null;
  evidence: string;
}

export interface MplsOptions {
  /** A jump in return hop count this large between consecutive hops (forward step 1) is an invisible tunnel. Default 3. */
  returnJump?: number;
  /** A label TTL at least this far below 255 on a lone labelled hop is an opaque tunnel. Default 2. */
  opaqueGap?: number;
}

interface HopView {
  ttl: number;
  addr: string | null;
  labels: number[] | null;
  lseTtl: number | null;
  quotedTtl: number | null;
  replyTtl: number | null;
}

/** One view per TTL: the first answered time-exceeded (or any answer) at that TTL. */
function hopViews(records: readonly ProbeRecord[]): HopView[] {
  const byTtl = new Map<number, ProbeRecord[]>();
  for (const r of records) if (r.addr !== null) (byTtl.get(r.ttl) ?? byTtl.set(r.ttl, []).get(r.ttl)!).push(r);
  return [...byTtl.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([ttl, rs]) => {
      const r = rs.find((x) => x.kind === 'time-exceeded') ?? rs[0];
      const labelled = rs.find((x) => x.mpls && x.mpls.length > 0);
      return {
        ttl,
        addr: r.addr,
        labels: labelled ? labelled.mpls!.map((l) => l.label) : null,
        lseTtl: labelled ? labelled.mpls![0].ttl : null,
        quotedTtl: r.quotedTtl,
        replyTtl: r.replyTtl,
      };
    });
}

function returnHopsOf(replyTtl: number | null): number | null {
  return replyTtl === null ? null : returnHops(replyTtl, guessInitialTtl(replyTtl));
}

/**
 * MPLS tunnels in a trace (the four classes of Donnet et al., "Revealing MPLS tunnels
 * obscured from traceroute", and TNT):
 *  - explicit: consecutive hops quote RFC 4950 label stacks;
 *  - implicit: no labels, but the quoted TTL is above 1 and rises by one along consecutive
 *    hops (the LSRs copy the IP TTL into the LSE and quote the IP header they restored);
 *    the tunnel starts at the hop quoting 1 just before the run (the first LSR);
 *  - opaque: a single labelled hop whose label TTL is far below 255 (the LSRs before it
 *    decremented only the label TTL: 255 − LSE-TTL of them are hidden);
 *  - invisible: no trace of labels, but the same address at two consecutive TTLs, or the
 *    return hop count jumping by several hops between consecutive hops (the tunnel's LSRs
 *    are on the way back too, uncounted on the way out).
 * Consecutive hops of one class form one tunnel.
 */
export function mplsTunnels(records: readonly ProbeRecord[], options: MplsOptions = {}): MplsTunnel[] {
  const jump = options.returnJump ?? 3;
  const opaqueGap = options.opaqueGap ?? 2;
  const hops = hopViews(records);
  const tunnels: MplsTunnel[] = [];
  const used = new Set<number>();

  // Explicit and opaque: runs of labelled hops.
  for (let i = 0; i < hops.length; ) {
    if (!hops[i].labels) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < hops.length && hops[j + 1].labels && hops[j + 1].ttl === hops[j].ttl + 1) j++;
    const run = hops.slice(i, j + 1);
    const labels = Object.fromEntries(run.map((h) => [h.ttl, h.labels!]));
    run.forEach((h) => used.add(h.ttl));
    const lone = run.length === 1 && run[0].lseTtl !== null && 255 - run[0].lseTtl >= opaqueGap;
    tunnels.push(
      lone
        ? { kind: 'opaque', ttls: [run[0].ttl], addrs: [run[0].addr!], labels, hidden: 255 - run[0].lseTtl!, evidence: `one labelled hop with label TTL ${run[0].lseTtl} (255 − ${255 - run[0].lseTtl!} LSRs)` }
        : { kind: 'explicit', ttls: run.map((h) => h.ttl), addrs: run.map((h) => h.addr!), labels, hidden: null, evidence: `${run.length} consecutive hops quote label stacks (RFC 4950)` },
    );
    i = j + 1;
  }

  // Implicit: quoted TTL above 1 and rising by one along consecutive unlabelled hops.
  for (let i = 0; i < hops.length; ) {
    const h = hops[i];
    if (used.has(h.ttl) || h.quotedTtl === null || h.quotedTtl < 2) {
      i++;
      continue;
    }
    let j = i;
    while (j + 1 < hops.length && !used.has(hops[j + 1].ttl) && hops[j + 1].ttl === hops[j].ttl + 1 && hops[j + 1].quotedTtl === (hops[j].quotedTtl ?? 0) + 1) j++;
    // A lone q-TTL of 2 can be a router quirk; a rising run of two or more is a tunnel.
    if (j > i) {
      // A hop quoting q entered the tunnel q hops before it: the hops in between are LSRs
      // too, the first of them quoting 1 like any router. Take them in when they quote
      // exactly what that arithmetic says (and leave room for an ingress at TTL 1 or later).
      while (i > 0 && hops[i - 1].ttl === hops[i].ttl - 1 && !used.has(hops[i - 1].ttl) && hops[i - 1].quotedTtl === (hops[i].quotedTtl ?? 0) - 1 && hops[i - 1].quotedTtl! >= 1 && hops[i - 1].ttl - hops[i - 1].quotedTtl! >= 1) i--;
      const run = hops.slice(i, j + 1);
      run.forEach((x) => used.add(x.ttl));
      tunnels.push({ kind: 'implicit', ttls: run.map((x) => x.ttl), addrs: run.map((x) => x.addr!), labels: {}, hidden: null, evidence: `quoted TTL rises ${run.map((x) => x.quotedTtl).join(', ')} along consecutive hops` });
    }
    i = j + 1;
  }

  // Invisible: a duplicate address at consecutive TTLs, or a jump in the return length.
  for (let i = 1; i < hops.length; i++) {
    const [a, b] = [hops[i - 1], hops[i]];
    if (b.ttl !== a.ttl + 1 || used.has(b.ttl)) continue;
    if (a.addr !== null && a.addr === b.addr) {
      tunnels.push({ kind: 'invisible', ttls: [b.ttl], addrs: [b.addr!], labels: {}, hidden: null, evidence: `${b.addr} answers at TTL ${a.ttl} and ${b.ttl} (the egress of a tunnel that hides its LSRs)` });
      used.add(b.ttl);
      continue;
    }
    const ra = returnHopsOf(a.replyTtl);
    const rb = returnHopsOf(b.replyTtl);
    if (ra !== null && rb !== null && rb - ra >= jump) {
      tunnels.push({ kind: 'invisible', ttls: [b.ttl], addrs: [b.addr!], labels: {}, hidden: rb - ra - 1, evidence: `return hop count jumps from ${ra} to ${rb} between TTL ${a.ttl} and ${b.ttl} (forward step 1)` });
      used.add(b.ttl);
    }
  }
  return tunnels.sort((x, y) => x.ttls[0] - y.ttls[0]);
}
