/**
 * Long-format tables of probe records and analysis results as plain column arrays, computed in
 * TypeScript (fast, no dependency). `dataframe.ts` hands them to danfojs.
 */
import type { MplsLabel, ProbeRecord } from '../record';
import { hopTable, type HopRow } from '../analysis';

export type CellValue = string | number | boolean | null;

/** Column-oriented table: every column has one value per row. */
export interface Columns {
  columns: string[];
  /** danfojs dtype per column: 'int32' | 'float32' | 'string' | 'boolean'. */
  dtypes: string[];
  data: Record<string, CellValue[]>;
  rows: number;
}

/** Column name → dtype of every `ProbeRecord` field, in schema order. */
export const PROBE_COLUMNS: Readonly<Record<keyof ProbeRecord, string>> = {
  run: 'string',
  round: 'int32',
  ttl: 'int32',
  attempt: 'int32',
  proto: 'string',
  ipVersion: 'int32',
  src: 'string',
  dst: 'string',
  sport: 'int32',
  dport: 'int32',
  flowLabel: 'int32',
  flowId: 'int32',
  probeId: 'int32',
  probeIpId: 'int32',
  tos: 'int32',
  size: 'int32',
  sentAt: 'float32',
  addr: 'string',
  kind: 'string',
  icmpType: 'int32',
  icmpCode: 'int32',
  rttMs: 'float32',
  replyTtl: 'int32',
  quotedTtl: 'int32',
  ipId: 'int32',
  mpls: 'string',
  replySize: 'int32',
  mtu: 'int32',
  quotedIpId: 'int32',
  quotedChecksum: 'int32',
  quotedTos: 'int32',
  quotedSrc: 'string',
  quotedSport: 'int32',
  tcpFlags: 'int32',
};

/** MPLS label stack as text, top entry first: `label/TC/S/TTL` separated by spaces. */
export function formatMpls(stack: readonly MplsLabel[] | null): string | null {
  if (stack === null) return null;
  return stack.map((e) => `${e.label}/${e.tc}/${e.s ? 1 : 0}/${e.ttl}`).join(' ');
}

/**
 * One row per probe, one column per record field (all of them unless `fields` picks some).
 * `mpls` becomes text (`formatMpls`); unanswered probes keep null reply fields.
 */
export function probeColumns(records: readonly ProbeRecord[], fields?: readonly (keyof ProbeRecord)[]): Columns {
  const columns = (fields ?? (Object.keys(PROBE_COLUMNS) as (keyof ProbeRecord)[])).slice();
  for (const c of columns) if (!(c in PROBE_COLUMNS)) throw new RangeError(`unknown probe record field ${JSON.stringify(c)}`);
  const n = records.length;
  const data: Record<string, CellValue[]> = {};
  for (const c of columns) {
    const col: CellValue[] = new Array(n);
    if (c === 'mpls') for (let i = 0; i < n; i++) col[i] = formatMpls(records[i].mpls);
    else for (let i = 0; i < n; i++) col[i] = records[i][c] as CellValue;
    data[c] = col;
  }
  return { columns, dtypes: columns.map((c) => PROBE_COLUMNS[c]), data, rows: n };
}

/** One row of the per-hop summary: a responder at a hop (or the hop itself when nothing answered). */
export interface HopSummaryRow {
  ttl: number;
  /** Probes sent at this TTL (all responders). */
  sent: number;
  /** Replies at this TTL (all responders). */
  answered: number;
  /** Share of probes at this TTL without a reply, 0..1. */
  loss: number;
  /** Responder; null on the row of a hop that did not answer at all. */
  addr: string | null;
  /** Replies from this responder. */
  replies: number;
  /** Share of this TTL's probes this responder answered, 0..1. */
  share: number;
  rttMin: number | null;
  rttMedian: number | null;
  rttMean: number | null;
  rttP90: number | null;
  rttMax: number | null;
  rttStdev: number | null;
  rttJitter: number | null;
  /** Reply kinds, comma-separated. */
  kinds: string | null;
  /** Distinct reply TTLs, comma-separated. */
  replyTtls: string | null;
  /** Number of distinct flows this responder answered. */
  flows: number;
}

export const HOP_SUMMARY_COLUMNS: Readonly<Record<keyof HopSummaryRow, string>> = {
  ttl: 'int32',
  sent: 'int32',
  answered: 'int32',
  loss: 'float32',
  addr: 'string',
  replies: 'int32',
  share: 'float32',
  rttMin: 'float32',
  rttMedian: 'float32',
  rttMean: 'float32',
  rttP90: 'float32',
  rttMax: 'float32',
  rttStdev: 'float32',
  rttJitter: 'float32',
  kinds: 'string',
  replyTtls: 'string',
  flows: 'int32',
};

/** Per-hop summary in long format: one row per (hop, responder), from records or a `hopTable`. */
export function hopSummaryRows(input: readonly ProbeRecord[] | readonly HopRow[]): HopSummaryRow[] {
  const first = input[0] as { responders?: unknown } | undefined;
  const hops: readonly HopRow[] = first !== undefined && Array.isArray(first.responders) ? (input as readonly HopRow[]) : hopTable(input as readonly ProbeRecord[]);
  const rows: HopSummaryRow[] = [];
  for (const h of hops) {
    const hop = { ttl: h.ttl, sent: h.sent, answered: h.answered, loss: h.loss };
    if (h.responders.length === 0) {
      rows.push({ ...hop, addr: null, replies: 0, share: 0, rttMin: null, rttMedian: null, rttMean: null, rttP90: null, rttMax: null, rttStdev: null, rttJitter: null, kinds: null, replyTtls: null, flows: 0 });
      continue;
    }
    for (const r of h.responders) {
      const s = r.rtt;
      rows.push({
        ...hop,
        addr: r.addr,
        replies: r.replies,
        share: h.sent ? r.replies / h.sent : 0,
        rttMin: s?.min ?? null,
        rttMedian: s?.median ?? null,
        rttMean: s?.mean ?? null,
        rttP90: s?.p90 ?? null,
        rttMax: s?.max ?? null,
        rttStdev: s?.stdev ?? null,
        rttJitter: s?.jitter ?? null,
        kinds: r.kinds.length ? r.kinds.join(',') : null,
        replyTtls: r.replyTtls.length ? r.replyTtls.join(',') : null,
        flows: r.flowIds.length,
      });
    }
  }
  return rows;
}

/** Rows of objects to columns; `dtypes` by column name, guessed from the values otherwise. */
export function rowsToColumns<T extends object>(rows: readonly T[], columns?: readonly string[], dtypes?: Readonly<Record<string, string>>): Columns {
  const names = columns ? [...columns] : rows.length ? Object.keys(rows[0]) : [];
  const data: Record<string, CellValue[]> = {};
  for (const c of names) data[c] = rows.map((r) => toCell((r as Record<string, unknown>)[c]));
  return { columns: names, dtypes: names.map((c) => dtypes?.[c] ?? guessDtype(data[c])), data, rows: rows.length };
}

function toCell(v: unknown): CellValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (typeof v === 'bigint') return Number(v);
  return JSON.stringify(v);
}

function guessDtype(values: readonly CellValue[]): string {
  let kind: string | null = null;
  for (const v of values) {
    if (v === null) continue;
    const k = typeof v === 'number' ? (Number.isInteger(v) ? 'int32' : 'float32') : typeof v === 'boolean' ? 'boolean' : 'string';
    if (kind === null || kind === k) kind = k;
    else if ((kind === 'int32' && k === 'float32') || (kind === 'float32' && k === 'int32')) kind = 'float32';
    else return 'string';
  }
  return kind ?? 'float32';
}
