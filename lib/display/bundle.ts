/**
 * MIME bundles: everything `show()` can display, as one Jupyter display message with several
 * representations. Charts: the Vega-Lite spec (an object, for JupyterLab), its SVG (Notebook 6,
 * nbconvert HTML, GitHub) and a text line. Tables: the same three for their chart, plus the
 * table as text/plain and text/html (table and chart side by side), which every front end
 * prefers over the chart types.
 */
import { isAnswered, type MultipathResult, type ProbeRecord } from '../record';
import { hopTable, type HopRow } from '../analysis';
import { isHopRows, isVegaLiteSpec, mdaGraphSpec, rttPerHopSpec, specTitle, tableSpec, toSvgSync, withSubtitleLine, type VegaLiteSpec } from '../chart';
import { frameRows, isDataFrame, type DataFrame } from '../frame/dataframe';
import { escapeHtml, hopTableModel, MAX_ROWS, objectsTableModel, recordTableModel, tableHtml, tableText, toCell, trimRows, type TableModel } from './table';

export const VEGALITE_MIME = 'application/vnd.vegalite.v5+json';
export const SVG_MIME = 'image/svg+xml';
export const TEXT_MIME = 'text/plain';
export const HTML_MIME = 'text/html';

export interface MimeBundle {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/** Explicit parts: a table and/or a chart shown together. */
export interface ShowParts {
  table?: readonly ProbeRecord[] | readonly HopRow[] | DataFrame | readonly object[];
  chart?: VegaLiteSpec;
  title?: string;
}

/**
 * What `show()` accepts: a Vega-Lite spec (from `chart.*`), probe records, a `hopTable`, a
 * danfojs DataFrame, an MDA result (its path graph), a measurement result with `records` (trace, path, sample), `{table,
 * chart, title}`, any array of flat objects, or any object (shown as a field/value table).
 */
export type Showable = VegaLiteSpec | readonly ProbeRecord[] | readonly HopRow[] | DataFrame | ShowParts | { records: readonly ProbeRecord[] } | readonly object[] | object;

export interface BundleOptions {
  /** Title above a table (charts carry their own). */
  title?: string;
  /** A status line shown first (live displays): in the text, above the table, under the chart title. */
  progress?: string;
  /** Rows of a table shown (head and tail beyond). Default 40. */
  maxRows?: number;
}

export function isProbeRecord(x: unknown): x is ProbeRecord {
  if (typeof x !== 'object' || x === null) return false;
  const r = x as Partial<ProbeRecord>;
  return typeof r.ttl === 'number' && typeof r.attempt === 'number' && typeof r.dst === 'string' && 'addr' in r && 'rttMs' in r;
}

export function isProbeRecords(x: unknown): x is readonly ProbeRecord[] {
  return Array.isArray(x) && x.length > 0 && isProbeRecord(x[0]);
}

function chartText(spec: VegaLiteSpec): string {
  const t = spec.title;
  const sub = typeof t === 'object' && t !== null && t.subtitle !== undefined ? (Array.isArray(t.subtitle) ? t.subtitle : [t.subtitle]) : [];
  return [`[chart] ${specTitle(spec)}`, ...sub.map((s) => `  ${s}`)].join('\n');
}

/** Bundle of a chart alone. */
export function chartBundle(spec: VegaLiteSpec, options: BundleOptions = {}): MimeBundle {
  const s = options.progress ? withSubtitleLine(spec, options.progress) : spec;
  return {
    data: { [VEGALITE_MIME]: s, [SVG_MIME]: toSvgSync(s), [TEXT_MIME]: chartText(s) },
    metadata: { hopscope: { kind: 'chart', title: specTitle(s) } },
  };
}

/**
 * Bundle of a table with a chart of the same data (`pictureOnly`: the chart is only a
 * picture of the table, so the text form does not mention it).
 */
export function tableBundle(table: TableModel, spec: VegaLiteSpec, options: BundleOptions = {}, pictureOnly = false): MimeBundle {
  const svg = toSvgSync(spec);
  const head = [options.progress, options.title].filter((x): x is string => Boolean(x));
  const text = [...head, tableText(table), ...(pictureOnly ? [] : [chartText(spec)])].join('\n');
  const html =
    `<div class="hopscope-show">` +
    (options.progress ? `<div style="color:#555;font-size:12px;margin-bottom:4px">${escapeHtml(options.progress)}</div>` : '') +
    (options.title ? `<div style="font-weight:bold;margin-bottom:4px">${escapeHtml(options.title)}</div>` : '') +
    `<div style="display:flex;flex-wrap:wrap;gap:16px;align-items:flex-start"><div>${tableHtml(table)}</div><div>${svg}</div></div></div>`;
  return {
    data: { [VEGALITE_MIME]: spec, [SVG_MIME]: svg, [HTML_MIME]: html, [TEXT_MIME]: text },
    metadata: { hopscope: { kind: 'table', title: options.title ?? specTitle(spec), rows: table.total } },
  };
}

/**
 * Hop rows rebuilt from a per-hop summary table (`frame.hopFrame` columns), for its chart.
 * Only what the chart draws is filled in; a hop's own RTT is the median of its responders' medians.
 */
function hopRowsFromSummary(columns: readonly string[], rows: readonly unknown[][]): HopRow[] | null {
  const col = (name: string) => columns.indexOf(name);
  const [ttl, addr, replies, sent, min, median, max] = ['ttl', 'addr', 'replies', 'sent', 'rttMin', 'rttMedian', 'rttMax'].map(col);
  if ([ttl, addr, median].some((i) => i < 0)) return null;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
  const hops = new Map<number, HopRow>();
  for (const r of rows) {
    const t = num(r[ttl]);
    if (t === null) continue;
    let hop = hops.get(t);
    if (!hop) hops.set(t, (hop = { ttl: t, sent: 0, answered: 0, loss: 0, responders: [], rtt: null }));
    hop.sent = Math.max(hop.sent, num(r[sent]) ?? 0);
    const a = r[addr];
    const m = num(r[median]);
    if (typeof a !== 'string' || a === '') continue;
    const n = num(r[replies]) ?? 1;
    hop.answered += n;
    const rtt = m === null ? null : { count: n, min: num(r[min]) ?? m, max: num(r[max]) ?? m, mean: m, median: m, p90: m, stdev: 0, jitter: 0 };
    hop.responders.push({ addr: a, replies: n, rtt, kinds: [], replyTtls: [], flowIds: [] });
  }
  const out = [...hops.values()].sort((a, b) => a.ttl - b.ttl);
  for (const h of out) {
    h.sent = Math.max(h.sent, h.answered);
    h.loss = h.sent ? 1 - h.answered / h.sent : 0;
    const medians = h.responders.filter((r) => r.rtt).map((r) => r.rtt!.median).sort((a, b) => a - b);
    if (medians.length) h.rtt = { count: h.answered, min: medians[0], max: medians[medians.length - 1], mean: medians[0], median: medians[Math.floor(medians.length / 2)], p90: medians[medians.length - 1], stdev: 0, jitter: 0 };
  }
  return out;
}

/**
 * Probe records rebuilt from a long probe table (`frame.probeFrame` columns), for its chart:
 * only the fields the hop table and the RTT chart read, so a million rows stay cheap.
 */
function recordsFromProbeTable(columns: readonly string[], rows: readonly unknown[][]): ProbeRecord[] | null {
  const at = (name: string) => columns.indexOf(name);
  const [ttl, addr, rtt] = [at('ttl'), at('addr'), at('rttMs')];
  if (ttl < 0 || addr < 0 || rtt < 0) return null;
  const [attempt, kind, replyTtl, flowId] = [at('attempt'), at('kind'), at('replyTtl'), at('flowId')];
  const num = (r: readonly unknown[], i: number) => (i >= 0 && typeof r[i] === 'number' ? (r[i] as number) : null);
  const str = (r: readonly unknown[], i: number) => (i >= 0 && typeof r[i] === 'string' && r[i] !== '' ? (r[i] as string) : null);
  const out: ProbeRecord[] = [];
  for (const r of rows) {
    const t = num(r, ttl);
    if (t === null) continue;
    const partial = { ttl: t, attempt: num(r, attempt) ?? 0, addr: str(r, addr), rttMs: num(r, rtt), kind: str(r, kind), replyTtl: num(r, replyTtl), flowId: num(r, flowId) };
    out.push(partial as ProbeRecord);
  }
  return out;
}

function frameBundle(df: DataFrame, options: BundleOptions): MimeBundle {
  const maxRows = options.maxRows ?? MAX_ROWS;
  const { columns, total } = frameRows(df, 0);
  // Charts use the whole frame (its values), the table its head and tail.
  const all = frameRows(df).rows;
  const kept = trimRows(all, maxRows);
  const table: TableModel = { columns, rows: kept.rows.map((r) => r.map(toCell)), gapAfter: kept.gapAfter, total };
  const hops = hopRowsFromSummary(columns, all);
  const records = hops ? null : recordsFromProbeTable(columns, all);
  const title = options.title ?? `DataFrame: ${total} rows × ${columns.length} columns`;
  if (hops) return tableBundle(table, rttPerHopSpec(hops), { ...options, title });
  if (records && records.some(isAnswered)) return tableBundle(table, rttPerHopSpec(records), { ...options, title });
  return tableBundle(table, tableSpec(columns, table.rows, { title }), { ...options, title }, true);
}

function recordsBundle(records: readonly ProbeRecord[] | readonly HopRow[], options: BundleOptions): MimeBundle {
  const hops = isHopRows(records as readonly unknown[]) ? (records as readonly HopRow[]) : hopTable(records as readonly ProbeRecord[]);
  const spec = rttPerHopSpec(records);
  return tableBundle(hopTableModel(hops, options.maxRows), spec, options);
}

export function isMultipathResult(x: unknown): x is MultipathResult {
  const o = x as Partial<MultipathResult> | null;
  return typeof o === 'object' && o !== null && o.type === 'multipath' && Array.isArray(o.nodes) && Array.isArray(o.links) && Array.isArray(o.balancers);
}

/** An MDA result: its graph, beside the hop table of its records (its links when the records were left out). */
function multipathBundle(result: MultipathResult, options: BundleOptions): MimeBundle {
  const opts = { ...options, title: options.title ?? measurementTitle(result as unknown as Record<string, unknown>) };
  const table = isProbeRecords(result.records)
    ? hopTableModel(hopTable(result.records), options.maxRows)
    : objectsTableModel(
        result.links.map((l) => ({ ttl: l.ttl, from: l.from, to: l.to, flows: l.flowIds.length })),
        options.maxRows,
      );
  return tableBundle(table, mdaGraphSpec(result), opts);
}

function measurementTitle(x: Record<string, unknown>): string | undefined {
  const kind = typeof x.type === 'string' ? x.type : 'measurement';
  const target = typeof x.target === 'string' ? x.target : typeof x.dst === 'string' ? x.dst : null;
  return target ? `${kind} to ${target}` : undefined;
}

/** The MIME bundle `show()` would display for `x` (synchronous; renders SVG with vega). */
export function mimeBundle(x: Showable, options: BundleOptions = {}): MimeBundle {
  if (isVegaLiteSpec(x)) return chartBundle(x, options);
  if (isDataFrame(x)) return frameBundle(x, options);
  if (Array.isArray(x)) {
    if (x.length === 0) return tableBundle({ columns: ['(empty)'], rows: [], total: 0 }, tableSpec(['(empty)'], []), options, true);
    if (isProbeRecords(x) || isHopRows(x)) return recordsBundle(x as readonly ProbeRecord[] | readonly HopRow[], options);
    const table = objectsTableModel(x as readonly object[], options.maxRows);
    return tableBundle(table, tableSpec(table.columns, table.rows, { title: options.title ?? 'Table' }), options, true);
  }
  if (typeof x === 'object' && x !== null) {
    const o = x as Record<string, unknown>;
    if (('table' in o || 'chart' in o) && Object.keys(o).every((k) => k === 'table' || k === 'chart' || k === 'title')) {
      const parts = o as ShowParts;
      const opts = { ...options, title: options.title ?? parts.title };
      if (parts.table === undefined) return chartBundle(parts.chart!, opts);
      if (!parts.chart) return mimeBundle(parts.table, opts);
      return tableBundle(tableModelOf(parts.table, opts.maxRows), parts.chart, opts);
    }
    if (isMultipathResult(o)) return multipathBundle(o, options);
    if (isProbeRecords(o.records)) return recordsBundle(o.records, { ...options, title: options.title ?? measurementTitle(o) });
    const table = recordTableModel(o, options.maxRows);
    return tableBundle(table, tableSpec(table.columns, table.rows, { title: options.title ?? 'Object' }), options, true);
  }
  const text = String(x);
  return { data: { [TEXT_MIME]: text, [HTML_MIME]: `<pre>${escapeHtml(text)}</pre>` }, metadata: { hopscope: { kind: 'text' } } };
}

function tableModelOf(t: NonNullable<ShowParts['table']>, maxRows?: number): TableModel {
  if (isDataFrame(t)) {
    const { columns, rows, total } = frameRows(t, maxRows ?? MAX_ROWS);
    return { columns, rows: rows.map((r) => r.map(toCell)), total };
  }
  const rows = t as readonly unknown[];
  if (isHopRows(rows)) return hopTableModel(rows, maxRows);
  if (isProbeRecords(rows)) return hopTableModel(hopTable(rows), maxRows);
  return objectsTableModel(rows as readonly object[], maxRows);
}
