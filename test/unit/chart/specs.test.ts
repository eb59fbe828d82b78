import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hopTable, returnTable } from '../../../lib/analysis';
import {
  addressHeatmapSpec,
  asymmetryRows,
  asymmetrySpec,
  compileSpec,
  isVegaLiteSpec,
  pathMtuSpec,
  pathMtuSteps,
  replyTtlHistogramSpec,
  rttPerHopSpec,
  rttTimeSeriesSpec,
  tableSpec,
  VEGA_LITE_SCHEMA,
  type VegaLiteSpec,
} from '../../../lib/chart';
import { pmtuRecords, sampleRecords, traceRecords } from './fixtures';

type Layer = { data?: { values: Record<string, unknown>[] }; mark?: string | { type: string }; layer?: Layer[]; encoding?: Record<string, { field?: string; title?: string; scale?: { domain?: unknown } }>; transform?: unknown[] };

const layers = (s: VegaLiteSpec) => s.layer as Layer[];
const markType = (l: Layer) => (typeof l.mark === 'string' ? l.mark : l.mark?.type);
/** Every layer, nested ones included. */
function allLayers(spec: VegaLiteSpec): Layer[] {
  const s = spec as { layer?: Layer[]; spec?: { layer?: Layer[] } };
  const out: Layer[] = [];
  const visit = (ls: Layer[] | undefined): void => ls?.forEach((l) => (out.push(l), visit(l.layer)));
  visit(s.layer ?? s.spec?.layer);
  return out;
}
function titles(s: VegaLiteSpec): string[] {
  const out: string[] = [];
  for (const l of allLayers(s)) for (const e of Object.values(l.encoding ?? {})) if (typeof e?.title === 'string') out.push(e.title);
  return out;
}

/** vega-lite compiles the spec without a single warning. */
function assertCompilesClean(spec: VegaLiteSpec) {
  const warnings: string[] = [];
  compileSpec(spec, warnings);
  assert.deepEqual(warnings, [], `vega-lite warnings for "${JSON.stringify(spec.title)}"`);
}

test('every builder returns a titled Vega-Lite 5 spec with inline data that compiles without warnings', () => {
  const t = traceRecords();
  const specs = [
    rttPerHopSpec(t),
    rttPerHopSpec(hopTable(t)),
    rttPerHopSpec(t, { log: true }),
    addressHeatmapSpec(sampleRecords()),
    replyTtlHistogramSpec(t),
    replyTtlHistogramSpec(t, { rule: 'tracepath' }),
    rttTimeSeriesSpec(sampleRecords()),
    rttTimeSeriesSpec(t),
    pathMtuSpec(pmtuRecords()),
    asymmetrySpec(asymmetryRows(returnTable(t))),
    tableSpec(['a', 'b'], [[1, 'x']]),
  ];
  for (const s of specs) {
    assert.equal(s.$schema, VEGA_LITE_SCHEMA);
    assert.ok(isVegaLiteSpec(s));
    assert.ok(typeof s.title === 'object' && s.title.text, 'has a title');
    assert.ok(typeof s.title === 'object' && s.title.subtitle, 'has a subtitle saying how to read it');
    assertCompilesClean(s);
    assert.doesNotThrow(() => JSON.parse(JSON.stringify(s)), 'plain JSON');
  }
});

test('rttPerHopSpec: one dot per reply coloured by responder, median line per hop, stars over lost probes', () => {
  const t = traceRecords();
  const spec = rttPerHopSpec(t);
  const [median, points, loss] = layers(spec);
  assert.equal(markType(points), 'point');
  const answered = t.filter((r) => r.addr !== null);
  assert.equal(points.data!.values.length, answered.length);
  assert.deepEqual(
    points.data!.values.map((v) => v.rttMs),
    answered.map((r) => r.rttMs),
  );
  assert.deepEqual(points.encoding!.color.scale!.domain, ['10.0.0.1', '10.0.1.1', '10.0.2.1', '10.0.2.2', '10.0.4.1', '198.18.5.2']);
  // ECMP siblings at hop 3 are drawn side by side around x = 3.
  const hop3 = points.data!.values.filter((v) => v.ttl === 3);
  const xs = new Map(hop3.map((v) => [v.addr, v.x as number]));
  assert.ok(xs.get('10.0.2.1')! < 3 && xs.get('10.0.2.2')! > 3);
  assert.equal(markType(median), 'line');
  assert.deepEqual(
    median.data!.values.map((v) => [v.ttl, v.median]),
    hopTable(t)
      .filter((h) => h.rtt)
      .map((h) => [h.ttl, h.rtt!.median]),
  );
  assert.deepEqual(
    loss.data!.values.map((v) => [v.ttl, v.label]),
    [
      [4, '* * *'],
      [5, '*'],
    ],
  );
  assert.ok(titles(spec).includes('RTT (ms)'));
  assert.ok(titles(spec).includes('hop (probe TTL)'));
  assert.ok(titles(spec).includes('responder'));
});

test('rttPerHopSpec: large inputs and hop tables become per-responder summaries (median dot, min–max bar)', () => {
  const t = traceRecords();
  for (const spec of [rttPerHopSpec(t, { maxPoints: 5 }), rttPerHopSpec(hopTable(t))]) {
    const summary = layers(spec)[1];
    assert.ok(summary.layer, 'a rule + point layer');
    const rows = summary.data!.values;
    assert.equal(rows.length, 6, 'one row per responder');
    const r = rows.find((v) => v.addr === '10.0.2.1')!;
    assert.equal(r.replies, 2);
    assert.ok((r.min as number) <= (r.median as number) && (r.median as number) <= (r.max as number));
    assert.equal(markType(summary.layer![0]), 'rule');
  }
});

test('rttPerHopSpec: the log scale leaves out non-positive RTTs; empty input gives an empty chart', () => {
  const t = traceRecords();
  t[0].rttMs = 0;
  const spec = rttPerHopSpec(t, { log: true });
  assert.ok(layers(spec)[1].data!.values.every((v) => (v.rttMs as number) > 0));
  const empty = rttPerHopSpec([]);
  assert.equal(layers(empty)[1].data!.values.length, 0);
});

test('addressHeatmapSpec: one row per (hop, address) plus * rows, counts per round, bins beyond maxColumns', () => {
  const s = sampleRecords(30);
  const spec = addressHeatmapSpec(s);
  const values = (spec.data as { values: Record<string, unknown>[] }).values;
  assert.equal(
    values.reduce((n, v) => n + (v.replies as number), 0),
    s.length,
    'every probe counted once',
  );
  const y = (layers(spec)[0].encoding!.y as { sort: string[] }).sort;
  assert.deepEqual(y, [' 1 · 10.0.0.1', ' 2 · 10.0.1.1', ' 2 · *', ' 3 · 10.0.2.1', ' 3 · 10.0.2.2', ' 4 · 198.18.5.2']);
  // Per-packet hop 3: both routers answer in every round.
  for (const addr of ['10.0.2.1', '10.0.2.2']) assert.equal(values.filter((v) => v.ttl === 3 && v.addr === addr).length, 30);
  const binned = addressHeatmapSpec(s, { maxColumns: 10 });
  const bv = (binned.data as { values: Record<string, unknown>[] }).values;
  assert.deepEqual([...new Set(bv.map((v) => v.round))].sort((a, b) => (a as number) - (b as number)), [0, 3, 6, 9, 12, 15, 18, 21, 24, 27]);
  assert.match(JSON.stringify(binned), /round \(bins of 3\)/);
  const hidden = addressHeatmapSpec(s, { hideUnanswered: true });
  assert.ok((hidden.data as { values: Record<string, unknown>[] }).values.every((v) => v.addr !== '*'));
});

test('replyTtlHistogramSpec: bars per reply TTL and kind, one panel per initial TTL, return hops implied', () => {
  const t = traceRecords();
  const spec = replyTtlHistogramSpec(t);
  const bars = (spec.data as { values: Record<string, unknown>[] }).values;
  assert.equal(
    bars.reduce((n, b) => n + (b.replies as number), 0),
    t.filter((r) => r.replyTtl !== null).length,
  );
  const dst = bars.find((b) => b.replyTtl === 59)!;
  assert.deepEqual([dst.kind, dst.initialTtl, dst.returnHops, dst.band], ['port-unreachable', 64, 6, 'initial TTL 64']);
  const asym = bars.find((b) => b.replyTtl === 249)!;
  assert.deepEqual([asym.initialTtl, asym.returnHops], [255, 7]);
  const facet = spec.facet as { column: { sort: string[] } };
  assert.deepEqual(facet.column.sort, ['initial TTL 64', 'initial TTL 255']);
  // tracepath's rule has no 32 band: TTL 30 counts from 64.
  const low = replyTtlHistogramSpec([{ ...t[0], replyTtl: 30 }], { rule: 'tracepath' });
  assert.equal((low.data as { values: Record<string, unknown>[] }).values[0].initialTtl, 64);
});

test('rttTimeSeriesSpec: a median line per hop and round; single replies only while few', () => {
  const s = sampleRecords(30);
  const spec = rttTimeSeriesSpec(s);
  const [lines, points] = layers(spec);
  assert.equal(markType(lines), 'line');
  const answeredGroups = new Set(s.filter((r) => r.rttMs !== null).map((r) => `${r.ttl}|${r.round}`));
  assert.equal(lines.data!.values.length, answeredGroups.size, 'one point per hop and round with replies');
  const h3r25 = lines.data!.values.find((v) => v.ttl === 3 && v.group === 25)!;
  const raw = s.filter((r) => r.ttl === 3 && r.round === 25).map((r) => r.rttMs!);
  assert.equal(h3r25.median, (raw[0] + raw[1]) / 2);
  assert.equal(points.data!.values.length, s.filter((r) => r.rttMs !== null).length);
  assert.equal(layers(rttTimeSeriesSpec(s, { maxPoints: 10 })).length, 1);
  const only3 = rttTimeSeriesSpec(s, { ttls: [3] });
  assert.ok(layers(only3)[0].data!.values.every((v) => v.ttl === 3));
  // Without round numbers, time bins.
  const unrounded = s.map((r) => ({ ...r, round: null }));
  const binned = rttTimeSeriesSpec(unrounded, { bins: 10 });
  assert.ok(layers(binned)[0].data!.values.length <= 4 * 10);
  assert.match(JSON.stringify(binned.title), /time bin \(10 bins\)/);
});

test('pathMtuSteps / pathMtuSpec: the path MTU steps down where routers reported smaller next-hop MTUs', () => {
  const m = pmtuRecords();
  const { start, steps, drops } = pathMtuSteps(m);
  assert.equal(start, 1500);
  assert.deepEqual(
    steps.map((s) => [s.ttl, s.pmtu]),
    [
      [1, 1500],
      [2, 1500],
      [3, 1400],
      [4, 1280],
      [5, 1280],
      [6, 1280],
    ],
  );
  assert.deepEqual(drops, [
    { ttl: 3, mtu: 1400, addr: '10.0.1.1' },
    { ttl: 4, mtu: 1280, addr: '10.0.2.1' },
  ]);
  const spec = pathMtuSpec(m);
  assert.ok(titles(spec).includes('path MTU (bytes)'));
  assert.match(JSON.stringify(spec), /1400 B from 10\.0\.1\.1/);
  assert.equal(pathMtuSteps(m, 9000).start, 9000);
});

test('asymmetrySpec: forward and return hop counts per TTL, the difference written where they part', () => {
  const rows = asymmetryRows(returnTable(traceRecords()));
  assert.deepEqual(
    rows.map((r) => [r.ttl, r.forwardHops, r.returnHops]),
    [
      [1, 1, 1],
      [2, 2, 2],
      [3, 3, 3],
      [3, 3, 3],
      [5, 5, 7],
      [6, 6, 6],
    ],
  );
  const spec = asymmetrySpec(rows);
  const [lines, diffs] = layers(spec);
  assert.equal(lines.data!.values.length, rows.length * 2);
  assert.deepEqual(
    diffs.data!.values.map((d) => [d.ttl, d.label]),
    [[5, 'asymm +2']],
  );
  assert.equal(layers(asymmetrySpec(rows.filter((r) => r.ttl !== 5))).length, 1, 'no label layer when symmetric');
});

test('tableSpec: a picture of the first rows, cells cut to length', () => {
  const rows = Array.from({ length: 30 }, (_, i) => [i, 'x'.repeat(i)]);
  const spec = tableSpec(['n', 's'], rows, { maxRows: 5, maxChars: 3 });
  const values = (spec.data as { values: { row: number; column: string; text: string }[] }).values;
  assert.equal(values.length, 10);
  assert.equal(values.find((v) => v.row === 4 && v.column === 's')!.text, 'xx…');
  assert.equal(values.find((v) => v.row === 3 && v.column === 's')!.text, 'xxx');
  assert.match(JSON.stringify(spec.title), /first 5 of 30 rows/);
});

test('tableSpec: every column as wide as its longest cell, so no cell runs into the next (a balancers table drew its evidence over its next hops)', () => {
  const columns = ['ttl', 'addr', 'kind', 'nextHops', 'evidence'];
  const rows = [[1, '198.18.1.2', 'per-flow', '198.18.11.2, 198.18.21.2', '5 same-flow re-probe(s): every flow kept its next hop']];
  const spec = tableSpec(columns, rows);
  const values = (spec.data as { values: { row: number; column: string; text: string; x: number }[] }).values;
  const charPx = 7; // DejaVu Sans Mono at 11 px is 6.6 px a character
  for (let j = 0; j + 1 < columns.length; j++) {
    const cell = values.find((v) => v.column === columns[j])!;
    const next = values.find((v) => v.column === columns[j + 1])!;
    assert.ok(cell.x + Math.max(cell.text.length, columns[j].length) * charPx < next.x, `${columns[j]} (${cell.text}) runs into ${columns[j + 1]}`);
  }
  assert.equal(values.find((v) => v.column === 'nextHops')!.text, '198.18.11.2, 198.18.21.2');
  // Too wide for 1100 px: the widest columns are cut further, never below 8 characters.
  const wide = tableSpec(['a', 'b', 'c', 'd', 'e', 'f', 'g'], [Array.from({ length: 7 }, () => 'y'.repeat(40))]);
  assert.ok((wide.width as number) <= 1100, `width ${wide.width}`);
  const cut = (wide.data as { values: { text: string }[] }).values.map((v) => v.text.length);
  assert.ok(cut.every((n) => n >= 8 && n < 28), JSON.stringify(cut));
  assertCompilesClean(spec);
});
