import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { hopTable } from '../../../lib/analysis';
import { makeRecord, probeFields } from '../../../lib/record';
import { formatMpls, frameRows, hopFrame, hopSummaryRows, isDataFrame, probeColumns, probeFrame, PROBE_COLUMNS, toFrame } from '../../../lib/frame';
import { traceRecords } from '../chart/fixtures';

test('probeColumns: one row per probe, one column per record field, nulls kept, MPLS as text', () => {
  const t = traceRecords();
  t[0].mpls = [
    { label: 16005, tc: 0, s: false, ttl: 1 },
    { label: 24001, tc: 5, s: true, ttl: 1 },
  ];
  const cols = probeColumns(t);
  assert.equal(cols.rows, t.length);
  assert.deepEqual(cols.columns, Object.keys(PROBE_COLUMNS));
  assert.equal(cols.columns.length, 34);
  assert.deepEqual(cols.data.rttMs, t.map((r) => r.rttMs));
  assert.deepEqual(cols.data.addr, t.map((r) => r.addr));
  assert.equal(cols.data.mpls[0], '16005/0/0/1 24001/5/1/1');
  assert.equal(cols.data.mpls[1], null);
  const some = probeColumns(t, ['ttl', 'addr']);
  assert.deepEqual(some.columns, ['ttl', 'addr']);
  assert.deepEqual(some.dtypes, ['int32', 'string']);
  assert.throws(() => probeColumns(t, ['nope' as 'ttl']), /unknown probe record field/);
  assert.equal(formatMpls(null), null);
});

test('hopSummaryRows: one row per (hop, responder), a row for silent hops, statistics from hopTable', () => {
  const t = traceRecords();
  const rows = hopSummaryRows(t);
  assert.deepEqual(
    rows.map((r) => [r.ttl, r.addr, r.replies, r.sent]),
    [
      [1, '10.0.0.1', 3, 3],
      [2, '10.0.1.1', 3, 3],
      [3, '10.0.2.1', 2, 3],
      [3, '10.0.2.2', 1, 3],
      [4, null, 0, 3],
      [5, '10.0.4.1', 2, 3],
      [6, '198.18.5.2', 3, 3],
    ],
  );
  const hop3 = hopTable(t)[2];
  const r = rows[2];
  assert.equal(r.rttMedian, hop3.responders[0].rtt!.median);
  assert.equal(r.rttP90, hop3.responders[0].rtt!.p90);
  assert.equal(r.share, 2 / 3);
  assert.equal(r.flows, 2);
  assert.equal(rows[4].loss, 1);
  assert.equal(rows[4].rttMedian, null);
  assert.equal(rows[5].replyTtls, '249');
  assert.deepEqual(hopSummaryRows(hopTable(t)), rows, 'same from a hop table');
});

test('probeFrame / hopFrame: danfojs DataFrames in long format with the same values', () => {
  const t = traceRecords();
  const df = probeFrame(t);
  assert.ok(isDataFrame(df));
  assert.deepEqual(df.shape, [t.length, 34]);
  assert.deepEqual(df.column('rttMs').values, t.map((r) => r.rttMs));
  const hf = hopFrame(t);
  assert.deepEqual(hf.shape, [7, 17]);
  assert.deepEqual(hf.column('addr').values, ['10.0.0.1', '10.0.1.1', '10.0.2.1', '10.0.2.2', null, '10.0.4.1', '198.18.5.2']);
  assert.equal(hf.dtypes[hf.columns.indexOf('rttMedian')], 'float32');
  const { columns, rows, total } = frameRows(hf, 2);
  assert.equal(total, 7);
  assert.equal(rows.length, 2);
  assert.equal(rows[0][columns.indexOf('ttl')], 1);
  assert.ok(!isDataFrame(hf.column('ttl')), 'a Series is not a DataFrame');
});

test('frames of nothing keep their columns; toFrame takes any flat rows', () => {
  assert.deepEqual(probeFrame([]).shape, [0, 34]);
  assert.deepEqual(hopFrame([]).shape, [0, 17]);
  const df = toFrame([{ a: 1, b: { x: 1 }, c: [1, 2] }]);
  assert.deepEqual(df.columns, ['a', 'b', 'c']);
  assert.deepEqual(df.values, [[1, '{"x":1}', '[1,2]']]);
  const unanswered = probeFrame([makeRecord(probeFields({ ttl: 1, proto: 'icmp', ipVersion: 6, dst: '2001:db8::1' }))]);
  assert.deepEqual(unanswered.column('addr').values, [null]);
});

test('importing hopscope loads neither danfojs nor vega until a frame or a chart is made', () => {
  const script = `
    const heavy = () => Object.keys(require.cache).filter((k) => /node_modules[\\\\/](danfojs-node|@tensorflow|vega|vega-lite)[\\\\/]/.test(k)).length;
    const h = require(${JSON.stringify(join(__dirname, '../../../lib/index.ts'))});
    const before = heavy();
    h.chart.rttPerHopSpec([]);
    h.frame.hopSummaryRows([]);
    const afterSpecs = heavy();
    h.chart.toSvgSync(h.chart.rttPerHopSpec([]));
    const afterSvg = Object.keys(require.cache).some((k) => /node_modules[\\\\/]vega[\\\\/]/.test(k));
    const danfoAfterSvg = Object.keys(require.cache).some((k) => /danfojs-node/.test(k));
    h.frame.hopFrame([]);
    const danfo = Object.keys(require.cache).some((k) => /danfojs-node/.test(k));
    console.log(JSON.stringify({ before, afterSpecs, afterSvg, danfoAfterSvg, danfo }));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8', cwd: join(__dirname, '../../..') });
  assert.equal(r.status, 0, r.stderr);
  assert.deepEqual(JSON.parse(r.stdout.trim().split('\n').pop()!), { before: 0, afterSpecs: 0, afterSvg: true, danfoAfterSvg: false, danfo: true });
});
