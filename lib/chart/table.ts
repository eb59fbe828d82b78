import { topLevel, type ChartOptions, type VegaLiteSpec } from './spec';

export interface TableSpecOptions extends ChartOptions {
  /** Rows drawn (the first ones); default 20. */
  maxRows?: number;
  /** Characters per cell before it is cut with …; default 28. */
  maxChars?: number;
}

type Cell = string | number | boolean | null | undefined;

function cellText(v: Cell, maxChars: number): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' && !Number.isInteger(v) ? String(Number(v.toPrecision(6))) : String(v);
  return s.length > maxChars ? s.slice(0, maxChars - 1) + '…' : s;
}

/** Width of a character of the table's monospace font at 11 px (DejaVu Sans Mono: 0.602 em), rounded up. */
const CHAR_PX = 7;
/** Space between two columns. */
const GAP_PX = 18;
/** Widest picture before the widest columns are cut further (down to MIN_CHARS each). */
const MAX_WIDTH_PX = 1100;
const MIN_CHARS = 8;

/**
 * A table drawn as a picture (text marks on a grid), for tables that have no chart of their
 * own, so that their display still carries an image for viewers that show only images.
 * Each column is as wide as its longest cell (cells cut to `maxChars`, and the widest columns
 * cut further while the table is wider than 1100 px), so no cell runs into the next column.
 */
export function tableSpec(columns: readonly string[], rows: readonly (readonly Cell[])[], options: TableSpecOptions = {}): VegaLiteSpec {
  const maxRows = options.maxRows ?? 20;
  const maxChars = options.maxChars ?? 28;
  const shown = rows.slice(0, maxRows);
  // Characters kept per column: the longest cell (or header), within maxChars, then cut
  // column by column (the widest first) until the table fits.
  const limits = columns.map((c, j) => Math.max(c.length, ...shown.map((r) => cellText(r[j], maxChars).length)));
  const total = () => limits.reduce((s, w) => s + w * CHAR_PX + GAP_PX, 0);
  while (total() > MAX_WIDTH_PX) {
    const widest = limits.indexOf(Math.max(...limits));
    if (limits[widest] <= MIN_CHARS) break;
    limits[widest]--;
  }
  const starts: number[] = [];
  limits.reduce((x, w) => (starts.push(x), x + w * CHAR_PX + GAP_PX), 0);
  const values: { row: number; column: string; text: string; numeric: boolean; x: number }[] = [];
  shown.forEach((r, i) => columns.forEach((c, j) => values.push({ row: i, column: c, text: cellText(r[j], limits[j]), numeric: typeof r[j] === 'number', x: starts[j] })));
  const header = columns.map((c, j) => ({ row: -1, column: c, text: cellText(c, Math.max(limits[j], 1)), x: starts[j] }));
  const width = Math.max(120, total() - GAP_PX);
  const x = { field: 'x', type: 'quantitative', title: null, axis: null, scale: { domain: [0, width], nice: false, zero: true } };
  const y = { field: 'row', type: 'ordinal', title: null, axis: null };
  const font = 'DejaVu Sans Mono, monospace';
  return topLevel(
    {
      data: { values },
      layer: [
        { mark: { type: 'text', align: 'left', fontSize: 11, font }, encoding: { x, y, text: { field: 'text' } } },
        { data: { values: header }, mark: { type: 'text', align: 'left', fontSize: 11, font, fontWeight: 'bold' }, encoding: { x, y, text: { field: 'text' } } },
      ],
    },
    {
      title: 'Table',
      subtitle: rows.length > shown.length ? `first ${shown.length} of ${rows.length} rows` : `${rows.length} row${rows.length === 1 ? '' : 's'}`,
      description: `table of ${rows.length} rows and ${columns.length} columns`,
      width,
      height: Math.max(34, (shown.length + 1) * 17),
    },
    { ...options },
  );
}
