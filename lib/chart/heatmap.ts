import type { ProbeRecord } from '../record';
import { topLevel, type ChartOptions, type VegaLiteSpec } from './spec';

export interface AddressHeatmapOptions extends ChartOptions {
  /** At most this many columns; rounds are grouped into equal bins beyond it. Default 60. */
  maxColumns?: number;
  /** Leave out the `*` (unanswered) row of each hop. */
  hideUnanswered?: boolean;
}

/** Label of the unanswered row of a hop. */
export const NO_REPLY = '*';

/**
 * Which addresses answered at each hop, round after round of a sampling loop (seed 001): one
 * row per (hop, address) plus a `*` row for probes that drew no reply, one column per round
 * (or bin of rounds), colour = replies. A hop whose rows alternate under a fixed flow is
 * balanced per packet; a hop that switches once is a route change.
 */
export function addressHeatmapSpec(records: readonly ProbeRecord[], options: AddressHeatmapOptions = {}): VegaLiteSpec {
  const maxColumns = Math.max(1, options.maxColumns ?? 60);
  const rounds = records.map((r) => r.round ?? 0);
  const r0 = rounds.reduce((m, v) => Math.min(m, v), Infinity);
  const r1 = rounds.reduce((m, v) => Math.max(m, v), -Infinity);
  const span = records.length ? r1 - r0 + 1 : 0;
  const binSize = Math.max(1, Math.ceil(span / maxColumns));

  const cells = new Map<string, { ttl: number; addr: string; round: number; replies: number }>();
  const rowTotals = new Map<string, { ttl: number; addr: string; total: number }>();
  for (const r of records) {
    const addr = r.addr ?? NO_REPLY;
    if (addr === NO_REPLY && options.hideUnanswered) continue;
    const round = r0 + Math.floor(((r.round ?? 0) - r0) / binSize) * binSize;
    const key = `${r.ttl}|${addr}|${round}`;
    const cell = cells.get(key);
    if (cell) cell.replies++;
    else cells.set(key, { ttl: r.ttl, addr, round, replies: 1 });
    const rowKey = `${r.ttl}|${addr}`;
    const row = rowTotals.get(rowKey);
    if (row) row.total++;
    else rowTotals.set(rowKey, { ttl: r.ttl, addr, total: 1 });
  }
  const label = (ttl: number, addr: string) => `${String(ttl).padStart(2)} · ${addr}`;
  // Rows by hop, then busiest address first, `*` last.
  const rows = [...rowTotals.values()].sort(
    (a, b) => a.ttl - b.ttl || Number(a.addr === NO_REPLY) - Number(b.addr === NO_REPLY) || b.total - a.total || a.addr.localeCompare(b.addr),
  );
  const values = [...cells.values()].map((c) => ({
    ...c,
    row: label(c.ttl, c.addr),
    roundEnd: c.round + binSize - 1,
    kind: c.addr === NO_REPLY ? 'unanswered' : 'reply',
  }));
  const roundTitle = binSize === 1 ? 'round' : `round (bins of ${binSize})`;
  const tooltip = [
    { field: 'ttl', title: 'TTL' },
    { field: 'addr', title: 'address' },
    { field: 'round', title: binSize === 1 ? 'round' : 'rounds from' },
    ...(binSize > 1 ? [{ field: 'roundEnd', title: 'rounds to' }] : []),
    { field: 'replies', title: 'probes' },
  ];
  const columns = Math.ceil(span / binSize);
  const x = { field: 'round', type: 'ordinal', title: roundTitle, axis: { labelAngle: 0, labelOverlap: 'greedy' } };
  const y = { field: 'row', type: 'ordinal', title: 'hop (TTL) · address', sort: rows.map((r) => label(r.ttl, r.addr)), axis: { labelFont: 'DejaVu Sans Mono, monospace' } };
  const hops = new Set(rows.map((r) => r.ttl)).size;
  return topLevel(
    {
      data: { values },
      layer: [
        {
          transform: [{ filter: "datum.kind === 'reply'" }],
          mark: { type: 'rect' },
          encoding: {
            x,
            y,
            color: { field: 'replies', type: 'quantitative', title: 'replies', scale: { scheme: 'blues', zero: true } },
            tooltip,
          },
        },
        {
          transform: [{ filter: "datum.kind === 'unanswered'" }],
          mark: { type: 'rect', color: '#d62728', opacity: 0.5 },
          encoding: { x, y, tooltip },
        },
      ],
    },
    {
      title: 'Addresses answering per hop, round by round',
      subtitle: [`${records.length} probes over ${span} rounds at ${hops} hops`, 'blue: replies from that address · red: unanswered (*)'],
      description: `address-frequency heatmap, ${rows.length} rows × ${columns} columns`,
      width: Math.max(240, Math.min(900, columns * 14)),
      height: Math.max(60, rows.length * 16),
    },
    options,
  );
}
