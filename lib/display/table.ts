/** Tables for display: a small model, and its text/plain and text/html renderings. */
import type { HopRow } from '../analysis';
import { formatMs } from '../chart/spec';

export type Cell = string | number | boolean | null | undefined;

export interface TableModel {
  columns: string[];
  rows: Cell[][];
  /** Rows in the whole table (rows may hold only some of them). */
  total: number;
  /** Columns to right-align (numbers); guessed from the values when absent. */
  numeric?: boolean[];
  /** Rows were left out before this index of `rows` (head and tail of a long table). */
  gapAfter?: number;
}

/** Default number of rows a displayed table shows (head and tail beyond it). */
export const MAX_ROWS = 40;

/** The rows to keep of a long table: all when few, else the first ones and the last 5. */
export function trimRows<T>(rows: readonly T[], maxRows = MAX_ROWS): { rows: T[]; gapAfter?: number } {
  if (rows.length <= maxRows) return { rows: [...rows] };
  const tail = Math.min(5, Math.floor(maxRows / 4));
  const head = maxRows - tail;
  return { rows: [...rows.slice(0, head), ...rows.slice(rows.length - tail)], gapAfter: head };
}

/** Display text of a cell. */
export function cellText(v: Cell): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') {
    if (Number.isInteger(v) || !Number.isFinite(v)) return String(v);
    return String(Number(v.toPrecision(6)));
  }
  return String(v);
}

function numericColumns(t: TableModel): boolean[] {
  if (t.numeric) return t.numeric;
  return t.columns.map((_, j) => {
    let any = false;
    for (const r of t.rows) {
      const v = r[j];
      if (v === null || v === undefined || v === '') continue;
      if (typeof v !== 'number') return false;
      any = true;
    }
    return any;
  });
}

function moreNote(t: TableModel, shown: number): string {
  return t.total > shown ? `${t.total} rows, ${shown} shown` : `${t.total} row${t.total === 1 ? '' : 's'}`;
}

/** Fixed-width text table. */
export function tableText(t: TableModel): string {
  const { rows, gapAfter } = t;
  const numeric = numericColumns(t);
  const cells = rows.map((r) => t.columns.map((_, j) => cellText(r[j])));
  const widths = t.columns.map((c, j) => Math.max(c.length, ...cells.map((r) => r[j].length)));
  const line = (vals: string[]) =>
    vals
      .map((v, j) => (numeric[j] ? v.padStart(widths[j]) : v.padEnd(widths[j])))
      .join('  ')
      .trimEnd();
  const out = [line(t.columns), widths.map((w) => '-'.repeat(w)).join('  ')];
  cells.forEach((r, i) => {
    if (i === gapAfter) out.push('…');
    out.push(line(r));
  });
  out.push(`(${moreNote(t, rows.length)})`);
  return out.join('\n');
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** HTML table with inline styles (no stylesheet needed in any viewer). */
export function tableHtml(t: TableModel): string {
  const { rows, gapAfter } = t;
  const numeric = numericColumns(t);
  const td = (v: Cell, j: number, tag: 'td' | 'th') =>
    `<${tag} style="padding:2px 8px;text-align:${numeric[j] ? 'right' : 'left'};${tag === 'th' ? 'border-bottom:1px solid #999;' : ''}white-space:nowrap">${escapeHtml(cellText(v))}</${tag}>`;
  const body: string[] = [];
  rows.forEach((r, i) => {
    if (i === gapAfter) body.push(`<tr><td colspan="${t.columns.length}" style="text-align:center">…</td></tr>`);
    body.push(`<tr>${t.columns.map((_, j) => td(r[j], j, 'td')).join('')}</tr>`);
  });
  return (
    `<table class="hopscope-table" style="border-collapse:collapse;font-size:12px;font-variant-numeric:tabular-nums">` +
    `<thead><tr>${t.columns.map((c, j) => td(c, j, 'th')).join('')}</tr></thead><tbody>${body.join('')}</tbody></table>` +
    `<div style="color:#666;font-size:11px">${escapeHtml(moreNote(t, rows.length))}</div>`
  );
}

/** The per-hop table as traceroute users read it: one line per responder, `*` for silent hops. */
export function hopTableModel(hops: readonly HopRow[], maxRows = MAX_ROWS): TableModel {
  const columns = ['hop', 'address', 'replies', 'loss', 'min ms', 'median ms', 'p90 ms', 'max ms', 'reply kinds'];
  const rows: Cell[][] = [];
  for (const h of hops) {
    const loss = `${Math.round(h.loss * 100)}%`;
    if (h.responders.length === 0) {
      rows.push([h.ttl, '*', `0/${h.sent}`, loss, '', '', '', '', '']);
      continue;
    }
    h.responders.forEach((r, i) => {
      const s = r.rtt;
      rows.push([i === 0 ? h.ttl : '', r.addr, `${r.replies}/${h.sent}`, i === 0 ? loss : '', formatMs(s?.min), formatMs(s?.median), formatMs(s?.p90), formatMs(s?.max), r.kinds.join(', ')]);
    });
  }
  return { columns, ...trimRows(rows, maxRows), total: rows.length, numeric: [true, false, true, true, true, true, true, true, false] };
}

/** Rows of plain objects as a table (keys of the first rows as columns). */
export function objectsTableModel(rows: readonly object[], maxRows = MAX_ROWS): TableModel {
  const columns: string[] = [];
  for (const r of rows.slice(0, 50)) for (const k of Object.keys(r)) if (!columns.includes(k)) columns.push(k);
  const kept = trimRows(rows, maxRows);
  return { columns, rows: kept.rows.map((r) => columns.map((c) => toCell((r as Record<string, unknown>)[c]))), gapAfter: kept.gapAfter, total: rows.length };
}

/** Key / value table of one object. */
export function recordTableModel(obj: object, maxRows = MAX_ROWS): TableModel {
  const rows = Object.entries(obj).map(([k, v]) => [k, toCell(v)] as Cell[]);
  return { columns: ['field', 'value'], ...trimRows(rows, maxRows), total: rows.length, numeric: [false, false] };
}

export function toCell(v: unknown): Cell {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return v.toString();
  if (Array.isArray(v) && v.every((x) => typeof x !== 'object' || x === null)) return v.join(', ');
  return JSON.stringify(v);
}
