import type { ProbeRecord } from '../record';

/**
 * A place on the path where the probes were rewritten: from `ttl` on, the routers quote
 * them with another source address (or port) than the hops before saw. The NAT is the box
 * at `after` or an unseen one between it and `ttl` (a NAT that answers itself quotes the
 * probe as it arrived, before rewriting it).
 *
 * Only NATs that leave the quotes of ICMP errors untranslated show: one that translates
 * them back (RFC 5508, Linux conntrack) hands the source its own probe again.
 */
export interface NatRewrite {
  ttl: number;
  /** The last answering hop before `ttl` (null: none answered). */
  after: { ttl: number; addr: string } | null;
  fields: ('src' | 'sport')[];
  /** Source address the hops from `ttl` on saw. */
  translatedSrc: string;
  /** Quotes at `ttl` that show it, of all the quotes there. */
  quotes: { rewritten: number; total: number };
  evidence: string;
}

/** How one quote differs from the probe that drew it. */
interface QuoteView {
  ttl: number;
  /** The quoted source address; the probe's own when not rewritten. */
  src: string;
  sportMoved: boolean;
}

function quoteViews(records: readonly ProbeRecord[]): QuoteView[] {
  const out: QuoteView[] = [];
  for (const r of records) {
    if (r.quotedSrc === null || r.src === null) continue;
    out.push({ ttl: r.ttl, src: r.quotedSrc, sportMoved: r.sport !== null && r.quotedSport !== null && r.quotedSport !== r.sport });
  }
  return out;
}

const stateKey = (src: string, sportMoved: boolean) => `${src}|${sportMoved ? 1 : 0}`;

/**
 * Where the quotes change along the path (each change is a NAT; a second change further on
 * is a second NAT, as with a CPE behind a carrier-grade NAT). Per TTL the state is what most
 * of its quotes show; the state before the first hop is the probes as sent.
 */
export function natRewrites(records: readonly ProbeRecord[]): NatRewrite[] {
  const sent = records.find((r) => r.src !== null)?.src;
  if (sent === undefined || sent === null) return [];
  const views = quoteViews(records);
  const byTtl = new Map<number, QuoteView[]>();
  for (const v of views) (byTtl.get(v.ttl) ?? byTtl.set(v.ttl, []).get(v.ttl)!).push(v);
  const answeredAt = new Map<number, string>();
  for (const r of [...records].sort((a, b) => a.ttl - b.ttl)) if (r.addr !== null && !answeredAt.has(r.ttl)) answeredAt.set(r.ttl, r.addr);

  const found: NatRewrite[] = [];
  let state = { src: sent, sportMoved: false };
  for (const ttl of [...byTtl.keys()].sort((a, b) => a - b)) {
    const quotes = byTtl.get(ttl)!;
    const counts = new Map<string, { view: QuoteView; n: number }>();
    for (const q of quotes) {
      const k = stateKey(q.src, q.sportMoved);
      const c = counts.get(k);
      if (c) c.n++;
      else counts.set(k, { view: q, n: 1 });
    }
    const top = [...counts.values()].sort((a, b) => b.n - a.n)[0];
    // A tie is no evidence of a change.
    if ([...counts.values()].filter((c) => c.n === top.n).length > 1) continue;
    const next = { src: top.view.src, sportMoved: top.view.sportMoved || state.sportMoved };
    const fields: ('src' | 'sport')[] = [];
    if (next.src !== state.src) fields.push('src');
    if (top.view.sportMoved && !state.sportMoved) fields.push('sport');
    if (fields.length === 0) continue;
    const before = [...answeredAt.keys()].filter((t) => t < ttl).sort((a, b) => b - a)[0];
    const rewritten = quotes.filter((q) => q.src !== state.src || (q.sportMoved && !state.sportMoved)).length;
    const what = fields.map((f) => (f === 'src' ? `source ${state.src} -> ${next.src}` : 'source port')).join(', ');
    found.push({
      ttl,
      after: before === undefined ? null : { ttl: before, addr: answeredAt.get(before)! },
      fields,
      translatedSrc: next.src,
      quotes: { rewritten, total: quotes.length },
      evidence: `${rewritten} of ${quotes.length} quotes at hop ${ttl} carry the probe rewritten (${what})`,
    });
    state = next;
  }
  return found;
}
