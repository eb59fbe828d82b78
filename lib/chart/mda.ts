import type { MultipathAnomaly, MultipathResult } from '../record';
import { mdaLayout, type MdaEdgeKind, type MdaLayout, type MdaVertex, type MdaVertexRole } from './mda-layout';
import { formatMs, tooltipFields, topLevel, TTL_AXIS, type ChartOptions, type VegaLiteSpec } from './spec';

export interface MdaGraphOptions extends ChartOptions {
  /**
   * Widest the graph may get with full addresses as labels (pixels); beyond it the labels
   * drop the prefix every address shares (full addresses stay in the tooltips). Default 900.
   */
  maxWidth?: number;
}

const ROLE_LEGEND: { role: MdaVertexRole; label: string; color: string }[] = [
  { role: 'router', label: 'router', color: '#9e9e9e' },
  { role: 'per-flow', label: 'per-flow balancer', color: '#1f77b4' },
  { role: 'per-packet', label: 'per-packet balancer', color: '#d62728' },
  { role: 'per-destination', label: 'per-destination balancer', color: '#9467bd' },
  { role: 'unknown', label: 'balancer, kind unknown', color: '#ff7f0e' },
  { role: 'target', label: 'target', color: '#2ca02c' },
];

const EDGE_LEGEND: { kind: MdaEdgeKind; label: string; color: string; dash: number[] }[] = [
  { kind: 'link', label: 'link (one flow joins them)', color: '#555555', dash: [1, 0] },
  { kind: 'other-destinations', label: 'link to other destinations only', color: '#9467bd', dash: [6, 3] },
  { kind: 'uncertain', label: 'uncertain (per-packet balancer)', color: '#d62728', dash: [4, 3] },
  { kind: 'false-link', label: 'false link (classic traceroute)', color: '#e377c2', dash: [1, 3] },
];

const SEVERAL_TTLS = 'several TTLs (unequal lengths)';
const ONE_TTL = 'one TTL';

/** Pixels per character of a 10 px label as vega estimates it without a canvas (0.8 em), which its `limit` uses. */
const LABEL_CHAR_PX = 8;
const ROW_PX = 40;
const MIN_COLUMN_PX = 64;
const MAX_COLUMN_PX = 170;

/** The prefix every address shares, cut after its last separator ('.' or ':'); '' if none. */
export function commonAddressPrefix(addrs: readonly string[]): string {
  if (addrs.length < 2) return '';
  let prefix = addrs[0];
  for (const a of addrs) while (!a.startsWith(prefix)) prefix = prefix.slice(0, -1);
  const cut = Math.max(prefix.lastIndexOf('.'), prefix.lastIndexOf(':'));
  return cut > 0 ? prefix.slice(0, cut + 1) : '';
}

/** Labels and column width: full addresses if the graph fits `maxWidth`, else without their shared prefix. */
function labelling(layout: MdaLayout, maxWidth: number): { label: (addr: string) => string; columnPx: number; prefix: string } {
  const columns = layout.lastTtl - layout.firstTtl + 1;
  const addrs = [...new Set(layout.vertices.map((v) => v.addr))];
  const columnFor = (labels: string[]) => Math.min(MAX_COLUMN_PX, Math.max(MIN_COLUMN_PX, Math.ceil(Math.max(0, ...labels.map((l) => l.length)) * LABEL_CHAR_PX) + 14));
  const full = columnFor(addrs);
  const prefix = commonAddressPrefix(addrs);
  if (columns * full <= maxWidth || prefix === '') return { label: (a) => a, columnPx: full, prefix: '' };
  const label = (a: string) => `…${a.slice(prefix.length)}`;
  return { label, columnPx: columnFor(addrs.map(label)), prefix };
}

/** "a, b, c +2 more". */
function listed(items: readonly string[], most = 4): string {
  return items.length <= most ? items.join(', ') : `${items.slice(0, most).join(', ')} +${items.length - most} more`;
}

function anomalyLines(result: MultipathResult): string[] {
  const of = <K extends MultipathAnomaly['kind']>(kind: K) => result.anomalies.filter((a): a is Extract<MultipathAnomaly, { kind: K }> => a.kind === kind);
  const lines: string[] = [];
  const diamonds = of('diamond').map(
    (d) =>
      `TTL ${d.divergence.ttl}→${d.convergence ? d.convergence.ttl : 'end'} width ${d.maxWidth}` +
      [d.meshed ? 'meshed' : '', d.unequalLengths ? 'unequal lengths' : ''].filter(Boolean).map((s) => `, ${s}`).join(''),
  );
  if (diamonds.length) lines.push(`diamonds: ${listed(diamonds)}`);
  const falseLinks = of('false-link').map((f) => `${f.from}→${f.to} at TTL ${f.ttl}`);
  if (falseLinks.length) lines.push(`false links classic traceroute would draw (no flow joins them): ${listed(falseLinks, 2)}`);
  const loops = [...of('loop'), ...of('cycle')].map((l) => `${l.kind} ${l.addr} at TTL ${l.ttls.join(', ')}`);
  if (loops.length) lines.push(`loops and cycles: ${listed(loops, 3)}`);
  const fallbacks = (result.fallbacks ?? []).map((f) => `TTL ${f.ttl} (${f.reason}: ${listed(f.addrs, 2)})`);
  if (fallbacks.length) lines.push(`handed to full MDA: ${listed(fallbacks, 3)}`);
  return lines;
}

function vertexRows(layout: MdaLayout, label: (addr: string) => string) {
  const roleLabel = new Map(ROLE_LEGEND.map((r) => [r.role, r.label]));
  return layout.vertices.map((v: MdaVertex) => ({
    ttl: v.ttl,
    y: v.y,
    addr: v.addr,
    label: label(v.addr),
    role: roleLabel.get(v.role)!,
    balancerKind: v.balancer ? (v.balancer.kind === 'unknown' ? 'balancer (kind?)' : v.balancer.kind) : '',
    nextHops: v.balancer ? v.balancer.nextHops.length : null,
    evidence: v.balancer?.evidence ?? '',
    seenAt: v.ttls.join(', '),
    ttlCount: v.ttls.length > 1 ? SEVERAL_TTLS : ONE_TTL,
    flows: v.flows,
    rttMs: v.rttMs,
    rtt: v.rttMs === null ? 'none carried' : `${formatMs(v.rttMs)} ms`,
  }));
}

/**
 * Path graph of an MDA result: one column per hop (x = probe TTL), one vertex per address at
 * each TTL it answered at (an address at several TTLs, the sign of branches of unequal
 * length, is drawn as a square at each), lines for the result's links only (dashed:
 * uncertain or seen towards other destinations; dotted: would-be false links), balancers
 * coloured by kind and named under their vertex, the target in green. Diamonds, false links,
 * loops and MDA-Lite fallbacks are listed in the subtitle; tooltips give address, TTLs,
 * flows and median RTT. The layout is computed by `mdaLayout` (deterministic); the height
 * grows with the widest hop, and wide graphs label addresses without their shared prefix.
 */
export function mdaGraphSpec(result: MultipathResult, options: MdaGraphOptions = {}): VegaLiteSpec {
  const layout = mdaLayout(result);
  const { label, columnPx, prefix } = labelling(layout, options.maxWidth ?? 900);
  const columns = layout.lastTtl - layout.firstTtl + 1;
  const half = layout.widest / 2;
  const x = {
    type: 'quantitative',
    title: TTL_AXIS.title,
    scale: { domain: [layout.firstTtl - 0.5, layout.lastTtl + 0.5], nice: false, zero: false },
    axis: { ...TTL_AXIS, values: Array.from({ length: columns }, (_, i) => layout.firstTtl + i), grid: false },
  };
  const y = { type: 'quantitative', axis: null, scale: { domain: [-half, half], nice: false, zero: false } };
  const edgeLegend = EDGE_LEGEND.filter((e) => layout.edges.some((x) => x.kind === e.kind));
  const edgeLabel = new Map(EDGE_LEGEND.map((e) => [e.kind, e.label]));
  const edges = layout.edges.map((e) => ({
    x: e.from.ttl,
    y: e.from.y,
    x2: e.to.ttl,
    y2: e.to.y,
    from: e.from.addr,
    to: e.to.addr,
    ttl: e.from.ttl,
    kind: edgeLabel.get(e.kind)!,
    flows: e.flows,
    viaDst: listed(e.viaDst, 3),
  }));
  const edgeChannel = (range: (e: (typeof EDGE_LEGEND)[number]) => unknown) => ({
    field: 'kind',
    type: 'nominal',
    title: 'line',
    scale: { domain: edgeLegend.map((e) => e.label), range: edgeLegend.map(range) },
    legend: { symbolType: 'stroke', labelLimit: 400 },
  });
  const vertices = vertexRows(layout, label);
  const roles = ROLE_LEGEND.filter((r) => layout.vertices.some((v) => v.role === r.role));
  const shapes = [ONE_TTL, SEVERAL_TTLS].filter((s) => vertices.some((v) => v.ttlCount === s));
  const vertexTooltip = tooltipFields([
    ['addr', 'address'],
    ['ttl', 'TTL'],
    ['seenAt', 'seen at TTLs'],
    ['role', 'vertex'],
    ['nextHops', 'next hops'],
    ['evidence', 'balancer evidence'],
    ['flows', 'flows answered'],
    ['rtt', 'median RTT'],
  ]);
  const layers: Record<string, unknown>[] = [
    {
      data: { values: edges },
      mark: { type: 'rule', strokeWidth: 1.6, opacity: 0.85 },
      encoding: {
        x: { field: 'x', ...x },
        y: { field: 'y', ...y },
        x2: { field: 'x2' },
        y2: { field: 'y2' },
        // One legend: stroke and dash by the same field and title merge.
        stroke: edgeChannel((e) => e.color),
        strokeDash: edgeChannel((e) => e.dash),
        tooltip: tooltipFields([
          ['from', 'from'],
          ['to', 'to'],
          ['ttl', 'TTL of from'],
          ['kind', 'line'],
          ['flows', 'flows'],
          ['viaDst', 'via destinations'],
        ]),
      },
    },
    {
      data: { values: vertices },
      layer: [
        {
          mark: { type: 'point', filled: true, size: 110, opacity: 1, stroke: 'white', strokeWidth: 1 },
          encoding: {
            x: { field: 'ttl', ...x },
            y: { field: 'y', ...y },
            color: { field: 'role', type: 'nominal', title: 'vertex', scale: { domain: roles.map((r) => r.label), range: roles.map((r) => r.color) }, legend: { labelLimit: 400 } },
            ...(shapes.includes(SEVERAL_TTLS) ? { shape: { field: 'ttlCount', type: 'nominal', title: 'address seen at', scale: { domain: shapes, range: shapes.map((s) => (s === ONE_TTL ? 'circle' : 'square')) }, legend: { labelLimit: 400 } } } : {}),
            tooltip: vertexTooltip,
          },
        },
        {
          mark: { type: 'text', dy: -13, fontSize: 10, color: '#222', limit: columnPx - 8 },
          encoding: { x: { field: 'ttl', ...x }, y: { field: 'y', ...y }, text: { field: 'label' }, tooltip: vertexTooltip },
        },
        {
          transform: [{ filter: "datum.balancerKind !== ''" }],
          mark: { type: 'text', dy: 14, fontSize: 9, fontStyle: 'italic', color: '#444' },
          encoding: { x: { field: 'ttl', ...x }, y: { field: 'y', ...y }, text: { field: 'balancerKind' }, tooltip: vertexTooltip },
        },
      ],
    },
  ];
  if (layout.gaps.length) {
    layers.push({
      data: { values: layout.gaps.map((ttl) => ({ ttl, y: 0, label: '*', note: `no address answered at TTL ${ttl}` })) },
      mark: { type: 'text', fontSize: 14, color: '#b00020' },
      encoding: { x: { field: 'ttl', ...x }, y: { field: 'y', ...y }, text: { field: 'label' }, tooltip: [{ field: 'note', title: 'gap' }] },
    });
  }
  const addresses = new Set(layout.vertices.map((v) => v.addr)).size;
  const scope = result.confidenceMode === 'whole-trace' ? 'for the whole trace' : 'per vertex';
  const state = result.complete ? `complete at ${result.confidence}% ${scope}` : `stopped (${result.stopReason}) before ${result.confidence}% ${scope}`;
  const balancers = result.balancers.map((b) => `${b.kind} at TTL ${b.ttl} (${b.addr}, ${b.nextHops.length} next hops)`);
  const subtitle = [
    `${result.algorithm ?? 'MDA'}: ${addresses} addresses, ${result.links.length} links, ${result.probes} probes, ${state}`,
    balancers.length ? `balancers: ${listed(balancers, 3)}` : 'no balancer: a single path',
    ...anomalyLines(result),
    `${shapes.includes(SEVERAL_TTLS) ? '■: address at several TTLs · ' : ''}colour: vertex kind · lines: links between replies of one flow`,
    ...(prefix ? [`labels drop the prefix "${prefix}" every address shares (full address in the tooltip)`] : []),
  ];
  return topLevel(
    { layer: layers },
    {
      title: `MDA paths to ${result.target}`,
      subtitle,
      description: `MDA graph of ${addresses} addresses over ${columns} hops, ${result.balancers.length} balancers`,
      width: Math.max(320, columns * columnPx),
      height: Math.max(100, layout.widest * ROW_PX),
    },
    options,
  );
}
