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

/**
 * A table drawn as a picture (text marks on a grid), for tables that have no chart of their
 * own, so that their display still carries an image for viewers that show only images.
 */
export function tableSpec(columns: readonly string[], rows: readonly (readonly Cell[])[], options: TableSpecOptions = {}): VegaLiteSpec {
  const maxRows = options.maxRows ?? 20;
  const maxChars = options.maxChars ?? 28;
  const shown = rows.slice(0, maxRows);
  const values: { row: number; column: string; text: string; numeric: boolean }[] = [];
  shown.forEach((r, i) => columns.forEach((c, j) => values.push({ row: i, column: c, text: cellText(r[j], maxChars), numeric: typeof r[j] === 'number' })));
  const widths = columns.map((c, j) => Math.max(c.length, ...shown.map((r) => cellText(r[j], maxChars).length)));
  const width = Math.max(120, Math.min(1100, widths.reduce((s, w) => s + w * 7 + 18, 0)));
  return topLevel(
    {
      data: { values },
      mark: { type: 'text', align: 'left', fontSize: 11, font: 'DejaVu Sans Mono, monospace' },
      encoding: {
        x: { field: 'column', type: 'ordinal', sort: [...columns], title: null, axis: { orient: 'top', labelAngle: 0, domain: false, ticks: false, labelFontWeight: 'bold', labelAlign: 'left', labelPadding: 6 }, scale: { padding: 0.1, align: 0 } },
        y: { field: 'row', type: 'ordinal', title: null, axis: null },
        text: { field: 'text' },
      },
    },
    {
      title: 'Table',
      subtitle: rows.length > shown.length ? `first ${shown.length} of ${rows.length} rows` : `${rows.length} row${rows.length === 1 ? '' : 's'}`,
      description: `table of ${rows.length} rows and ${columns.length} columns`,
      width,
      height: Math.max(20, shown.length * 17),
    },
    { ...options },
  );
}
