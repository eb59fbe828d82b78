import type { ProbeRecord } from '../record';
import type { InitialTtlRule, ReturnEstimate } from '../analysis';
import { topLevel, TTL_AXIS, type ChartOptions, type VegaLiteSpec } from './spec';

/** Reply-TTL ranges that each initial-TTL rule maps to one initial TTL (inclusive bounds). */
export function initialTtlBands(rule: InitialTtlRule = 'tnt'): { lo: number; hi: number; initialTtl: number }[] {
  return rule === 'tracepath'
    ? [
        { lo: 0, hi: 64, initialTtl: 64 },
        { lo: 65, hi: 128, initialTtl: 128 },
        { lo: 129, hi: 255, initialTtl: 255 },
      ]
    : [
        { lo: 0, hi: 32, initialTtl: 32 },
        { lo: 33, hi: 64, initialTtl: 64 },
        { lo: 65, hi: 128, initialTtl: 128 },
        { lo: 129, hi: 255, initialTtl: 255 },
      ];
}

export interface ReplyTtlHistogramOptions extends ChartOptions {
  /** Initial-TTL rule that groups the reply TTLs (default 'tnt': 32/64/128/255). */
  rule?: InitialTtlRule;
}

/**
 * Histogram of reply TTLs as received, one panel per initial TTL the values are taken to
 * have started from (by `rule`), one bar per TTL value coloured by reply kind and labelled
 * with the return hop count it implies (initial TTL − reply TTL + 1). One responder's kinds
 * split over two panels (e.g. time-exceeded from 255, echo-reply from 64) is a router signature.
 */
export function replyTtlHistogramSpec(records: readonly ProbeRecord[], options: ReplyTtlHistogramOptions = {}): VegaLiteSpec {
  const rule = options.rule ?? 'tnt';
  const bands = initialTtlBands(rule);
  const bandOf = (ttl: number) => bands.find((b) => ttl >= b.lo && ttl <= b.hi)!;
  const bandLabel = (b: { initialTtl: number }) => `initial TTL ${b.initialTtl}`;
  const counts = new Map<string, { replyTtl: number; kind: string; replies: number }>();
  for (const r of records) {
    if (r.replyTtl === null || r.addr === null || r.replyTtl < 0 || r.replyTtl > 255) continue;
    const kind = r.kind ?? 'other';
    const key = `${r.replyTtl}|${kind}`;
    const c = counts.get(key);
    if (c) c.replies++;
    else counts.set(key, { replyTtl: r.replyTtl, kind, replies: 1 });
  }
  const bars = [...counts.values()]
    .sort((a, b) => a.replyTtl - b.replyTtl || a.kind.localeCompare(b.kind))
    .map((c) => {
      const band = bandOf(c.replyTtl);
      return { ...c, band: bandLabel(band), initialTtl: band.initialTtl, returnHops: band.initialTtl - c.replyTtl + 1 };
    });
  const usedBands = bands.filter((b) => bars.some((c) => c.initialTtl === b.initialTtl)).map(bandLabel);
  const replies = bars.reduce((s, b) => s + b.replies, 0);
  // Axis labels: the reply TTL, and under it the return hops it implies.
  const initialExpr = bands
    .slice(0, -1)
    .map((b) => `datum.value <= ${b.hi} ? ${b.initialTtl} : `)
    .join('') + String(bands[bands.length - 1].initialTtl);
  const x = {
    field: 'replyTtl',
    type: 'ordinal',
    title: 'reply TTL / return hops',
    sort: 'descending',
    axis: { labelAngle: 0, labelExpr: `[datum.label, (${initialExpr}) - datum.value + 1 + ' back']`, labelLineHeight: 13 },
  };
  return topLevel(
    {
      data: { values: bars },
      facet: { column: { field: 'band', type: 'nominal', title: null, sort: usedBands, header: { labelFontSize: 12, labelColor: '#333' } } },
      spec: {
        width: { step: 44 },
        height: 220,
        layer: [
          {
            mark: { type: 'bar', width: { band: 0.8 } },
            encoding: {
              x,
              y: { field: 'replies', type: 'quantitative', title: 'replies', stack: true },
              color: { field: 'kind', type: 'nominal', title: 'reply kind', scale: { scheme: 'tableau10' } },
              tooltip: [
                { field: 'replyTtl', title: 'reply TTL' },
                { field: 'kind', title: 'reply kind' },
                { field: 'replies', title: 'replies' },
                { field: 'initialTtl', title: 'initial TTL' },
                { field: 'returnHops', title: 'return hops' },
              ],
            },
          },
        ],
      },
      resolve: { scale: { x: 'independent' } },
    },
    {
      title: 'Reply TTLs and the initial TTLs they imply',
      subtitle: [`${replies} replies · panels: initial TTL by the ${rule} rule (${bands.map((b) => `${b.lo}–${b.hi} → ${b.initialTtl}`).join(', ')})`, 'return hops = initial TTL − reply TTL + 1'],
      description: `reply-TTL histogram of ${replies} replies`,
      width: null,
      height: null,
    },
    options,
  );
}

/** Input of the asymmetry chart: forward and return hop counts per probed TTL. */
export interface AsymmetryRow {
  ttl: number;
  forwardHops: number;
  returnHops: number;
  addr?: string | null;
}

/** Asymmetry rows from return-path estimates (`returnTable`): forward hops = TTL. */
export function asymmetryRows(estimates: readonly ReturnEstimate[]): AsymmetryRow[] {
  return estimates.map((e) => ({ ttl: e.ttl, forwardHops: e.ttl, returnHops: e.returnHops, addr: e.addr }));
}

/**
 * Forward vs return hop count per hop (seed 003's `asymm`): two lines over the probed TTL,
 * with the difference written where they part. Equal lines mean a symmetric path (or a
 * consistent initial-TTL guess); a constant offset of 1 at one router is often a 254 iTTL.
 */
export function asymmetrySpec(rows: readonly AsymmetryRow[], options: ChartOptions = {}): VegaLiteSpec {
  const long = rows.flatMap((r) => [
    { ttl: r.ttl, direction: 'forward (probe TTL)', hops: r.forwardHops, addr: r.addr ?? null },
    { ttl: r.ttl, direction: 'return (from reply TTL)', hops: r.returnHops, addr: r.addr ?? null },
  ]);
  const diffs = rows
    .filter((r) => r.returnHops !== r.forwardHops)
    .map((r) => ({ ttl: r.ttl, top: Math.max(r.forwardHops, r.returnHops), label: `asymm ${r.returnHops - r.forwardHops > 0 ? '+' : ''}${r.returnHops - r.forwardHops}`, addr: r.addr ?? null }));
  const asymmetric = new Set(diffs.map((d) => d.ttl)).size;
  const ttls = [...new Set(rows.map((r) => r.ttl))].sort((a, b) => a - b);
  const x = { field: 'ttl', type: 'quantitative', title: TTL_AXIS.title, axis: { ...TTL_AXIS, ...(ttls.length <= 40 ? { values: ttls } : {}) }, scale: { zero: false, nice: false, padding: 12 } };
  const tooltip = [
    { field: 'ttl', title: 'TTL' },
    { field: 'addr', title: 'responder' },
    { field: 'direction' },
    { field: 'hops' },
  ];
  const directions = ['forward (probe TTL)', 'return (from reply TTL)'];
  const y = { field: 'hops', type: 'quantitative', title: 'hop count', axis: { tickMinStep: 1, format: 'd' }, scale: { zero: true } };
  const color = { field: 'direction', type: 'nominal', title: 'direction', scale: { domain: directions, range: ['#1f77b4', '#d62728'] } };
  const point = (direction: string, mark: Record<string, unknown>) => ({
    transform: [{ filter: { field: 'direction', equal: direction } }],
    mark: { type: 'point', ...mark },
    encoding: { x, y, color, tooltip },
  });
  const layers: Record<string, unknown>[] = [
    {
      data: { values: long },
      layer: [
        {
          mark: { type: 'line', strokeWidth: 1.6 },
          encoding: { x, y, color, strokeDash: { field: 'direction', type: 'nominal', legend: null, scale: { domain: directions, range: [[1, 0], [5, 3]] } } },
        },
        point(directions[0], { filled: true, size: 45 }),
        point(directions[1], { filled: false, shape: 'square', size: 110, strokeWidth: 1.6 }),
      ],
    },
  ];
  if (diffs.length) {
    layers.push({
      data: { values: diffs },
      mark: { type: 'text', dy: -12, fontSize: 11, color: '#d62728' },
      encoding: { x: { field: 'ttl', type: 'quantitative' }, y: { field: 'top', type: 'quantitative' }, text: { field: 'label' } },
    });
  }
  return topLevel(
    { layer: layers },
    {
      title: 'Forward vs return hop count',
      subtitle: [`${rows.length} hops, ${asymmetric} with a return path of another length`, 'asymm N = return − forward hops · ●: forward · □: return'],
      description: `forward vs return hop count at ${ttls.length} TTLs`,
      width: Math.max(360, Math.min(900, ttls.length * 40)),
      height: 260,
    },
    options,
  );
}
