import type { ProbeRecord } from '../record';
import { readLatency, type LatencyOptions, type LatencyReading, type LatencyVerdict } from '../analysis';
import { formatMs, tooltipFields, topLevel, TTL_AXIS, type ChartOptions, type VegaLiteSpec } from './spec';

export interface LatencyVerdictOptions extends ChartOptions {
  /** Passed to `readLatency` when the input is records. */
  latency?: LatencyOptions;
}

/** Legend entries: the hop series, then the verdicts drawn over them. */
const SERIES = {
  range: { label: 'min–p90 range', color: '#c6dbef' },
  min: { label: 'min RTT (the reading uses it)', color: '#1f77b4' },
  median: { label: 'median RTT', color: '#555555' },
  pathDelay: { label: 'path delay: starts ┆, carried by shaded hops', color: '#ff7f0e' },
  icmpSlow: { label: 'ICMP generation, not path', color: '#d62728' },
  tunnel: { label: 'egress RTT (ICMP tunnelled)', color: '#9467bd' },
  inconclusive: { label: 'inconclusive rise', color: '#8c564b' },
} as const;

type Series = (typeof SERIES)[keyof typeof SERIES];

export function isLatencyReading(x: unknown): x is LatencyReading {
  const r = x as Partial<LatencyReading> | null;
  return typeof r === 'object' && r !== null && !Array.isArray(r) && Array.isArray(r.hops) && Array.isArray(r.verdicts) && typeof r.thresholdMs === 'number';
}

const ms = (v: number) => `${formatMs(v)} ms`;

/** One line per verdict, for the subtitle and the tooltips. */
export function verdictLine(v: LatencyVerdict): string {
  switch (v.kind) {
    case 'path-delay':
      return `path delay +${ms(v.deltaMs)} from TTL ${v.ttl}${v.carriedTo === null ? ' (last hop: unconfirmed)' : `, carried to TTL ${v.carriedTo}`}`;
    case 'icmp-slow':
      return `TTL ${v.ttl}: +${ms(v.deltaMs)} is ICMP generation, not path`;
    case 'inconclusive':
      return `TTL ${v.ttl}: +${ms(v.deltaMs)} inconclusive (some later hops carry it)`;
    case 'mpls-tunnel':
      return `TTL ${v.ttls.join(', ')}: egress RTT (ICMP tunnelled, ${v.tunnel} MPLS)`;
  }
}

function verdictMarks(reading: LatencyReading) {
  const minAt = new Map(reading.hops.map((h) => [h.ttl, h.min]));
  // Labels are arrays: one text line each, so they stay as narrow as a band of one hop.
  const bands: { x: number; x2: number; mid: number; series: string; label: string[]; note: string }[] = [];
  const starts: { x: number; series: string; note: string }[] = [];
  const spots: { ttl: number; min: number; series: string; label: string[]; note: string }[] = [];
  const band = (from: number, to: number, series: string, label: string[], note: string) => bands.push({ x: from - 0.45, x2: to + 0.45, mid: (from + to) / 2, series, label, note });
  for (const v of reading.verdicts) {
    const note = `${verdictLine(v)} — ${v.evidence}`;
    if (v.kind === 'mpls-tunnel') {
      band(Math.min(...v.ttls), Math.max(...v.ttls), SERIES.tunnel.label, ['egress RTT', '(ICMP tunnelled)'], note);
    } else if (v.kind === 'path-delay') {
      band(v.ttl, v.carriedTo ?? v.ttl, SERIES.pathDelay.label, ['path delay', `+${ms(v.deltaMs)}`], note);
      starts.push({ x: v.ttl - 0.5, series: SERIES.pathDelay.label, note });
    } else {
      const series = v.kind === 'icmp-slow' ? SERIES.icmpSlow : SERIES.inconclusive;
      const label = v.kind === 'icmp-slow' ? ['ICMP generation,', `not path (+${ms(v.deltaMs)})`] : ['inconclusive', `(+${ms(v.deltaMs)})`];
      spots.push({ ttl: v.ttl, min: minAt.get(v.ttl) ?? 0, series: series.label, label, note });
    }
  }
  return { bands, starts, spots };
}

/**
 * Latency verdicts per hop (seed 002, `analysis.readLatency`): each hop's min RTT as a line
 * (the reading takes every hop at its least queueing), its median as a dot and min–p90 as a
 * bar, with the verdicts drawn over them: a path-delay step as a dashed rule where it starts
 * (the link into that hop) and a band over the hops that carry it, an ICMP-slow spike marked
 * "ICMP generation, not path", MPLS tunnel hops shaded as "egress RTT (ICMP tunnelled)".
 * Input: probe records (read with `readLatency`) or a reading already made.
 */
export function latencyVerdictSpec(input: readonly ProbeRecord[] | LatencyReading, options: LatencyVerdictOptions = {}): VegaLiteSpec {
  const reading = isLatencyReading(input) ? input : readLatency(input as readonly ProbeRecord[], options.latency);
  const ttls = reading.hops.map((h) => h.ttl);
  const lo = ttls.length ? Math.min(...ttls) : 1;
  const hi = ttls.length ? Math.max(...ttls) : 1;
  const x = { type: 'quantitative', title: TTL_AXIS.title, scale: { domain: [lo - 0.6, hi + 0.6], nice: false, zero: false }, axis: { ...TTL_AXIS, ...(ttls.length <= 40 ? { values: ttls } : {}) } };
  // An empty reading gets a fixed domain (vega warns about the infinite extent of no data).
  const y = { type: 'quantitative', title: 'RTT (ms)', scale: ttls.length ? { zero: true } : { domain: [0, 1] } };
  const { bands, starts, spots } = verdictMarks(reading);
  const used: Series[] = [SERIES.range, SERIES.min, SERIES.median];
  for (const s of [SERIES.pathDelay, SERIES.icmpSlow, SERIES.tunnel, SERIES.inconclusive]) if ([...bands, ...starts, ...spots].some((m) => m.series === s.label)) used.push(s);
  const color = { field: 'series', type: 'nominal', title: 'reading', scale: { domain: used.map((s) => s.label), range: used.map((s) => s.color) }, legend: { labelLimit: 400, symbolOpacity: 1, symbolType: 'square' } };
  const hops = reading.hops.map((h) => ({ ...h, addr: h.addr ?? '(none)' }));
  const hopTooltip = tooltipFields([
    ['ttl', 'TTL'],
    ['addr', 'responder'],
    ['count', 'replies'],
    ['min', 'min RTT (ms)', '.3f'],
    ['median', 'median RTT (ms)', '.3f'],
    ['p90', 'p90 RTT (ms)', '.3f'],
    ['jitter', 'jitter (ms)', '.3f'],
  ]);
  const noteTooltip = tooltipFields([['note', 'verdict']]);
  const constant = (series: Series) => ({ datum: series.label, ...color });
  const layers: Record<string, unknown>[] = [];
  if (bands.length)
    layers.push({
      data: { values: bands },
      layer: [
        { mark: { type: 'rect', opacity: 0.16 }, encoding: { x: { field: 'x', ...x }, x2: { field: 'x2' }, color, tooltip: noteTooltip } },
        { mark: { type: 'text', baseline: 'bottom', dy: -17, fontSize: 11, lineHeight: 13 }, encoding: { x: { field: 'mid', ...x }, y: { value: 'height' }, text: { field: 'label' }, color, tooltip: noteTooltip } },
      ],
    });
  layers.push({
    data: { values: hops },
    layer: [
      { mark: { type: 'rule', strokeWidth: 7 }, encoding: { x: { field: 'ttl', ...x }, y: { field: 'min', ...y }, y2: { field: 'p90' }, color: constant(SERIES.range), tooltip: hopTooltip } },
      { mark: { type: 'line', strokeWidth: 2, point: { filled: true, size: 55 } }, encoding: { x: { field: 'ttl', ...x }, y: { field: 'min', ...y }, color: constant(SERIES.min), tooltip: hopTooltip } },
      { mark: { type: 'point', filled: false, size: 60, strokeWidth: 1.5 }, encoding: { x: { field: 'ttl', ...x }, y: { field: 'median', ...y }, color: constant(SERIES.median), tooltip: hopTooltip } },
    ],
  });
  if (starts.length)
    layers.push({
      data: { values: starts },
      mark: { type: 'rule', strokeWidth: 2, strokeDash: [5, 3] },
      encoding: { x: { field: 'x', ...x }, color, tooltip: noteTooltip },
    });
  if (spots.length)
    layers.push({
      data: { values: spots },
      layer: [
        { mark: { type: 'point', shape: 'triangle-up', filled: false, size: 260, strokeWidth: 2 }, encoding: { x: { field: 'ttl', ...x }, y: { field: 'min', ...y }, color, tooltip: noteTooltip } },
        { mark: { type: 'text', baseline: 'alphabetic', dy: -27, fontSize: 11, lineHeight: 13, fontWeight: 'bold' }, encoding: { x: { field: 'ttl', ...x }, y: { field: 'min', ...y }, text: { field: 'label' }, color, tooltip: noteTooltip } },
      ],
    });
  const verdictLines = reading.verdicts.map(verdictLine);
  return topLevel(
    { layer: layers },
    {
      title: 'Latency per hop and what it means',
      subtitle: [
        `${reading.hops.length} hops at their min RTT · a rise under ${ms(reading.thresholdMs)} is noise`,
        verdictLines.length ? verdictLines.join(' · ') : 'no verdict: no rise above the threshold, no tunnelled hops',
        'a rise every later hop keeps = delay on the path (from the link into that hop) · a rise at one hop only = its ICMP generation',
        'shaded tunnel hops show the egress RTT: their ICMP goes out of the tunnel first',
      ],
      description: `latency reading of ${reading.hops.length} hops, ${reading.verdicts.length} verdicts`,
      width: Math.max(360, Math.min(900, reading.hops.length * 48)),
      height: 280,
    },
    options,
  );
}
