import type { ProbeRecord } from '../record';
import { hopTable, quantileSorted, type HopRow } from '../analysis';
import { topLevel, TTL_AXIS, type ChartOptions, type VegaLiteSpec } from './spec';

/** Probe records, or the per-hop table made from them (`hopTable`). */
export type RttChartInput = readonly ProbeRecord[] | readonly HopRow[];

export function isHopRows(x: readonly unknown[]): x is readonly HopRow[] {
  const first = x[0] as { responders?: unknown } | undefined;
  return first !== undefined && Array.isArray(first.responders);
}

export interface RttPerHopOptions extends ChartOptions {
  /** More answered probes than this are drawn as per-responder summaries (median, min–max). Default 3000. */
  maxPoints?: number;
  /** Logarithmic RTT axis (RTTs from LAN to intercontinental hops in one picture). */
  log?: boolean;
}

const RTT_AXIS_TITLE = 'RTT (ms)';

/** Colour scale by responder, legend in order of appearance. */
function responderColor(addrs: readonly string[]) {
  return {
    field: 'addr',
    type: 'nominal',
    title: 'responder',
    scale: { domain: addrs, scheme: addrs.length <= 10 ? 'tableau10' : 'category20' },
    legend: { symbolLimit: 24 },
  };
}

/** Spreads the responders of one hop a little apart on the x axis, so ECMP siblings do not overlap. */
function offsets(hops: readonly HopRow[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const hop of hops) {
    const k = hop.responders.length;
    const step = k > 1 ? Math.min(0.18, 0.6 / (k - 1)) : 0;
    hop.responders.forEach((r, i) => out.set(`${hop.ttl}|${r.addr}`, hop.ttl + (i - (k - 1) / 2) * step));
  }
  return out;
}

function ttlScale(hops: readonly HopRow[]) {
  const ttls = hops.map((h) => h.ttl);
  const lo = ttls.length ? Math.min(...ttls) : 1;
  const hi = ttls.length ? Math.max(...ttls) : 1;
  return {
    scale: { domain: [lo - 0.6, hi + 0.6], nice: false, zero: false },
    axis: { ...TTL_AXIS, ...(ttls.length <= 40 ? { values: ttls } : {}) },
  };
}

/** Traceroute-style stars above hops that lost probes: `* *` (or `5×*` when many). */
function lossLayer(hops: readonly HopRow[]) {
  const values = hops
    .filter((h) => h.sent > h.answered)
    .map((h) => {
      const lost = h.sent - h.answered;
      return { ttl: h.ttl, lost, sent: h.sent, label: lost <= 4 ? Array(lost).fill('*').join(' ') : `${lost}×*` };
    });
  return {
    data: { values },
    mark: { type: 'text', baseline: 'top', dy: 3, fontSize: 12, color: '#b00020' },
    encoding: {
      x: { field: 'ttl', type: 'quantitative' },
      y: { value: 0 },
      text: { field: 'label' },
      tooltip: [
        { field: 'ttl', title: 'TTL' },
        { field: 'lost', title: 'unanswered' },
        { field: 'sent', title: 'sent' },
      ],
    },
  };
}

function medianLayer(hops: readonly HopRow[], y: Record<string, unknown>) {
  const values = hops.filter((h) => h.rtt !== null).map((h) => ({ ttl: h.ttl, median: h.rtt!.median, replies: h.rtt!.count }));
  return {
    data: { values },
    mark: { type: 'line', color: '#333', strokeWidth: 1.4, opacity: 0.8, point: { color: '#333', size: 10 } },
    encoding: {
      x: { field: 'ttl', type: 'quantitative' },
      y: { field: 'median', type: 'quantitative', ...y },
      tooltip: [
        { field: 'ttl', title: 'TTL' },
        { field: 'median', title: 'median RTT (ms)', format: '.3f' },
        { field: 'replies', title: 'replies' },
      ],
    },
  };
}

/**
 * RTT per hop: one dot per reply coloured by the responding address (ECMP siblings side by
 * side), a line through the median RTT of each hop, and `*` above hops that lost probes.
 * Large inputs (or a `hopTable`) are drawn as per-responder summaries: median dot, min–max bar.
 */
export function rttPerHopSpec(input: RttChartInput, options: RttPerHopOptions = {}): VegaLiteSpec {
  const maxPoints = options.maxPoints ?? 3000;
  const rows = input as readonly unknown[];
  const hops: readonly HopRow[] = isHopRows(rows) ? (rows as readonly HopRow[]) : hopTable(rows as readonly ProbeRecord[]);
  const addrs: string[] = [];
  const seen = new Set<string>();
  for (const h of hops) for (const r of h.responders) if (!seen.has(r.addr)) seen.add(r.addr), addrs.push(r.addr);
  const xPos = offsets(hops);
  const answered = hops.reduce((s, h) => s + h.answered, 0);
  const sent = hops.reduce((s, h) => s + h.sent, 0);
  const pointMode = !isHopRows(rows) && answered <= maxPoints;
  const log = options.log === true;
  const y = { title: RTT_AXIS_TITLE, scale: log ? { type: 'log' } : { zero: true } };
  const x = ttlScale(hops);
  const color = responderColor(addrs);

  // The median line first, so the replies are drawn over it.
  const layers: Record<string, unknown>[] = [medianLayer(hops, y)];
  if (pointMode) {
    const values = (rows as readonly ProbeRecord[])
      .filter((r) => r.addr !== null && r.rttMs !== null && (!log || r.rttMs > 0))
      .map((r) => ({ x: xPos.get(`${r.ttl}|${r.addr}`) ?? r.ttl, ttl: r.ttl, addr: r.addr, rttMs: r.rttMs, attempt: r.attempt, kind: r.kind }));
    layers.push({
      data: { values },
      mark: { type: 'point', filled: true, size: 46, opacity: 0.8 },
      encoding: {
        x: { field: 'x', type: 'quantitative', title: TTL_AXIS.title, ...x },
        y: { field: 'rttMs', type: 'quantitative', ...y },
        color,
        tooltip: [
          { field: 'ttl', title: 'TTL' },
          { field: 'addr', title: 'responder' },
          { field: 'rttMs', title: 'RTT (ms)', format: '.3f' },
          { field: 'attempt', title: 'attempt' },
          { field: 'kind', title: 'reply' },
        ],
      },
    });
  } else {
    const values = hops.flatMap((h) =>
      h.responders
        .filter((r) => r.rtt !== null)
        .map((r) => ({ x: xPos.get(`${h.ttl}|${r.addr}`) ?? h.ttl, ttl: h.ttl, addr: r.addr, replies: r.replies, ...pick(r.rtt!) })),
    );
    const tooltip = [
      { field: 'ttl', title: 'TTL' },
      { field: 'addr', title: 'responder' },
      { field: 'replies', title: 'replies' },
      { field: 'median', title: 'median RTT (ms)', format: '.3f' },
      { field: 'min', title: 'min (ms)', format: '.3f' },
      { field: 'p90', title: 'p90 (ms)', format: '.3f' },
      { field: 'max', title: 'max (ms)', format: '.3f' },
    ];
    layers.push({
      data: { values },
      layer: [
        {
          mark: { type: 'rule', strokeWidth: 2, opacity: 0.55 },
          encoding: {
            x: { field: 'x', type: 'quantitative', title: TTL_AXIS.title, ...x },
            y: { field: 'min', type: 'quantitative', ...y },
            y2: { field: 'max' },
            color,
            tooltip,
          },
        },
        {
          mark: { type: 'point', filled: true, size: 70, opacity: 0.95 },
          encoding: {
            x: { field: 'x', type: 'quantitative' },
            y: { field: 'median', type: 'quantitative' },
            color,
            tooltip,
          },
        },
      ],
    });
  }
  if (hops.some((h) => h.sent > h.answered)) layers.push(lossLayer(hops));

  const subtitle = [
    `${answered} of ${sent} probes answered at ${hops.length} hops`,
    pointMode ? 'dots: one reply each, coloured by responder · line: median per hop · *: unanswered' : 'dots: median per responder · bars: min–max · line: median per hop · *: unanswered',
  ];
  return topLevel(
    { layer: layers, resolve: { scale: { color: 'shared' } } },
    {
      title: 'RTT per hop',
      subtitle,
      description: `RTT per hop over ${hops.length} hops, ${addrs.length} responders`,
      width: Math.max(360, Math.min(900, hops.length * 42)),
      height: 280,
    },
    options,
  );
}

function pick(s: { min: number; median: number; p90: number; max: number; mean: number }) {
  return { min: s.min, median: s.median, p90: s.p90, max: s.max, mean: s.mean };
}

export interface RttTimeSeriesOptions extends ChartOptions {
  /** Only these TTLs (default: every TTL that answered). */
  ttls?: readonly number[];
  /** Above this many replies only the per-round median lines are drawn. Default 4000. */
  maxPoints?: number;
  /** Time bins when the records carry no round numbers. Default 100. */
  bins?: number;
}

/**
 * RTT over time in a sampling loop: one line per hop through the median RTT of each round
 * (or time bin), with the individual replies as faint dots when there are not too many.
 */
export function rttTimeSeriesSpec(records: readonly ProbeRecord[], options: RttTimeSeriesOptions = {}): VegaLiteSpec {
  const wanted = options.ttls ? new Set(options.ttls) : null;
  const timed = records.filter((r) => r.sentAt !== null && (wanted === null || wanted.has(r.ttl)));
  const useRounds = timed.length > 0 && timed.every((r) => r.round !== null);
  const bins = Math.max(1, options.bins ?? 100);
  const t0 = timed.reduce((m, r) => Math.min(m, r.sentAt!), Infinity);
  const t1 = timed.reduce((m, r) => Math.max(m, r.sentAt!), -Infinity);
  const width = t1 > t0 ? (t1 - t0) / bins : 1;
  const groupOf = (r: ProbeRecord) => (useRounds ? r.round! : Math.min(bins - 1, Math.floor((r.sentAt! - t0) / width)));

  const groups = new Map<string, { ttl: number; group: number; first: number; rtts: number[]; sent: number }>();
  for (const r of timed) {
    const g = groupOf(r);
    const key = `${r.ttl}|${g}`;
    let acc = groups.get(key);
    if (!acc) groups.set(key, (acc = { ttl: r.ttl, group: g, first: r.sentAt!, rtts: [], sent: 0 }));
    acc.sent++;
    acc.first = Math.min(acc.first, r.sentAt!);
    if (r.rttMs !== null) acc.rtts.push(r.rttMs);
  }
  const hopLabel = (ttl: number) => `hop ${ttl}`;
  const answeredTtls = [...new Set(timed.filter((r) => r.rttMs !== null).map((r) => r.ttl))].sort((a, b) => a - b);
  const lines = [...groups.values()]
    .filter((g) => g.rtts.length > 0)
    .map((g) => ({
      hop: hopLabel(g.ttl),
      ttl: g.ttl,
      group: g.group,
      time: g.first,
      median: quantileSorted([...g.rtts].sort((a, b) => a - b), 0.5),
      replies: g.rtts.length,
      lost: g.sent - g.rtts.length,
    }))
    .sort((a, b) => a.ttl - b.ttl || a.time - b.time);
  const replies = timed.filter((r) => r.rttMs !== null);
  const lost = timed.length - replies.length;
  const color = {
    field: 'hop',
    type: 'nominal',
    title: 'hop',
    scale: { domain: answeredTtls.map(hopLabel), scheme: answeredTtls.length <= 10 ? 'tableau10' : 'category20' },
  };
  const xEnc = { field: 'time', type: 'temporal', title: 'time (probe sent)', axis: { format: '%H:%M:%S', labelAngle: 0 } };
  const yEnc = { type: 'quantitative', title: RTT_AXIS_TITLE, scale: { zero: true } };
  const drawPoints = replies.length <= (options.maxPoints ?? 4000);
  // Lines first (their symbol makes the legend), the faint single replies over them.
  const pointLayer = {
    data: { values: replies.map((r) => ({ time: r.sentAt, rttMs: r.rttMs, hop: hopLabel(r.ttl), addr: r.addr, round: r.round })) },
    mark: { type: 'point', filled: true, size: 14, opacity: 0.35 },
    encoding: {
      x: xEnc,
      y: { field: 'rttMs', ...yEnc },
      color,
      tooltip: [
        { field: 'hop' },
        { field: 'addr', title: 'responder' },
        { field: 'round' },
        { field: 'rttMs', title: 'RTT (ms)', format: '.3f' },
      ],
    },
  };
  const lineLayer = {
    data: { values: lines },
    mark: { type: 'line', strokeWidth: 1.6, point: { size: 16, filled: true } },
    encoding: {
      x: xEnc,
      y: { field: 'median', ...yEnc },
      color,
      detail: { field: 'hop' },
      tooltip: [
        { field: 'hop' },
        { field: 'group', title: useRounds ? 'round' : 'time bin' },
        { field: 'median', title: 'median RTT (ms)', format: '.3f' },
        { field: 'replies' },
        { field: 'lost', title: 'unanswered' },
      ],
    },
  };
  const per = useRounds ? 'round' : `time bin (${bins} bins)`;
  return topLevel(
    { layer: drawPoints ? [lineLayer, pointLayer] : [lineLayer] },
    {
      title: 'RTT over time',
      subtitle: [`${replies.length} replies, ${lost} unanswered`, `line: median RTT per ${per}${drawPoints ? ' · dots: single replies' : ''}`],
      description: `RTT time series of ${answeredTtls.length} hops`,
      width: 640,
      height: 260,
    },
    options,
  );
}
