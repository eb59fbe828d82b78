/**
 * danfojs-node DataFrames of probe records and analysis results. danfojs (and TensorFlow.js
 * under it) is required on the first call only, so the rest of hopscope never pays its load
 * time; every table is computed in plain TypeScript first (`columns.ts`).
 */
import type { DataFrame } from 'danfojs-node';
import type { ProbeRecord } from '../record';
import type { HopRow } from '../analysis';
import { HOP_SUMMARY_COLUMNS, hopSummaryRows, probeColumns, rowsToColumns, type Columns } from './columns';

export type { DataFrame };
type Danfo = typeof import('danfojs-node');

let danfo: Danfo | null = null;

/** The danfojs-node module, loaded on first use (about a second: TensorFlow.js comes with it). */
export function danfojs(): Danfo {
  if (!danfo) {
    try {
      danfo = require('danfojs-node') as Danfo;
    } catch (err) {
      throw new Error(`hopscope frames need danfojs-node (npm install danfojs-node@1.2.0 with the overrides in hopscope's package.json): ${(err as Error).message}`);
    }
  }
  return danfo;
}

/** A DataFrame from column arrays (kept in column order, with their dtypes). */
export function columnsToFrame(cols: Columns): DataFrame {
  const dfd = danfojs();
  if (cols.rows === 0) return new dfd.DataFrame([], { columns: cols.columns });
  return new dfd.DataFrame(cols.data, { columns: cols.columns, dtypes: cols.dtypes });
}

/** One row per probe (long format), every record field a column unless `fields` picks some. */
export function probeFrame(records: readonly ProbeRecord[], fields?: readonly (keyof ProbeRecord)[]): DataFrame {
  return columnsToFrame(probeColumns(records, fields));
}

/** Per-hop summary: one row per (hop, responder) with loss and RTT statistics, from records or a `hopTable`. */
export function hopFrame(input: readonly ProbeRecord[] | readonly HopRow[]): DataFrame {
  return columnsToFrame(rowsToColumns(hopSummaryRows(input), Object.keys(HOP_SUMMARY_COLUMNS), HOP_SUMMARY_COLUMNS));
}

/** Any array of flat objects (analysis results) as a DataFrame; nested values become JSON text. */
export function toFrame<T extends object>(rows: readonly T[], columns?: readonly string[]): DataFrame {
  return columnsToFrame(rowsToColumns(rows, columns));
}

/** Duck-typed DataFrame check that never loads danfojs. */
export function isDataFrame(x: unknown): x is DataFrame {
  if (typeof x !== 'object' || x === null) return false;
  const d = x as { columns?: unknown; shape?: unknown; head?: unknown; $isSeries?: unknown; values?: unknown };
  return Array.isArray(d.columns) && Array.isArray(d.shape) && typeof d.head === 'function' && d.$isSeries === false;
}

/** Column names and rows of a DataFrame (the first `limit` rows), without loading danfojs. */
export function frameRows(df: DataFrame, limit = Infinity): { columns: string[]; rows: unknown[][]; total: number } {
  const [total] = df.shape as [number, number];
  const values = total === 0 ? [] : (df.values as unknown[][]);
  return { columns: [...df.columns], rows: limit < total ? values.slice(0, limit) : values, total };
}
