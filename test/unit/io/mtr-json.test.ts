import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseMtrJson } from '../../../lib/io';
import { hopTable } from '../../../lib/analysis';
import { fixture, linear, asym, truthAddrs, truthDst, type TruthPath } from './fixtures';

for (const [file, family, path] of [['mtr-linear.json', 4, linear], ['mtr-v6-linear.json', 6, linear], ['mtr-asym.json', 4, asym]] as [string, 4 | 6, TruthPath][]) {
  test(`mtr ${file}: the per-hop table as mtr gave it; records with no invented RTT`, () => {
    const r = parseMtrJson(fixture(file));
    assert.deepEqual(r.errors, []);
    assert.equal(r.dst, truthDst(family, path));
    assert.equal(r.tests, 3);
    assert.deepEqual(r.hops.map((h) => h.addr), truthAddrs(family, path));
    assert.ok(r.hops.every((h) => h.sent === 3 && h.lossPct === 0 && h.bestMs <= h.avgMs && h.avgMs <= h.worstMs));
    // Three answers per hop: the aggregates do not say which probe took which time.
    assert.equal(r.records.length, 3 * path.hops.length);
    assert.ok(r.records.every((x) => x.rttMs === null && x.proto === 'icmp' && x.size === 64 && x.src === null));
    assert.deepEqual(r.meta, { proto: 'icmp', protoAssumed: true, attemptOrderUnknown: [], rttsFromAggregates: [] });
    const hops = hopTable(r.records);
    assert.deepEqual(hops.map((h) => [h.responders.map((x) => x.addr), h.sent, h.loss]), truthAddrs(family, path).map((a) => [[a], 3, 0]));
    assert.deepEqual(r.records.filter((x) => x.kind === 'echo-reply').map((x) => x.ttl), [path.hops.length, path.hops.length, path.hops.length]);
  });
}

test('mtr -u with half of hop 2 dropped (a fault on its flow in the lab): loss kept, the two RTTs the aggregates fix', () => {
  const r = parseMtrJson(fixture('mtr-udp-loss-linear.json'), { proto: 'udp' });
  assert.deepEqual(r.errors, []);
  const hop2 = r.hops[1];
  assert.deepEqual([hop2.addr, hop2.sent, hop2.lossPct], [truthAddrs(4)[1], 4, 50]);
  const recs = r.records.filter((x) => x.ttl === 2);
  assert.deepEqual(recs.map((x) => x.addr), [hop2.addr, hop2.addr, null, null]);
  // Two answers: Best and Wrst are their RTTs, Last the later one.
  assert.deepEqual(recs.slice(0, 2).map((x) => x.rttMs), [hop2.lastMs === hop2.bestMs ? hop2.worstMs : hop2.bestMs, hop2.lastMs]);
  assert.deepEqual(r.meta.attemptOrderUnknown, [2]);
  assert.deepEqual(r.meta.rttsFromAggregates, [2]);
  assert.equal(hopTable(r.records)[1].loss, 0.5);
  assert.ok(r.records.filter((x) => x.ttl === 5).every((x) => x.kind === 'port-unreachable' && x.proto === 'udp'));
});

test('mtr variations: 0.92 quoted numbers, ??? hubs, name (addr) hosts, one answer gives its RTT', () => {
  const doc = {
    report: {
      mtr: { src: 'host', dst: 'target.example', tos: '0', tests: '2', psize: '64', bitpattern: '0x00' },
      hubs: [
        { count: '1', host: 'gw.example (192.0.2.1)', 'Loss%': 50.0, Snt: 2, Last: 1.5, Avg: 1.5, Best: 1.5, Wrst: 1.5, StDev: 0.0, ASN: 'AS64500' },
        { count: '2', host: '???', 'Loss%': 100.0, Snt: 2, Last: 0.0, Avg: 0.0, Best: 0.0, Wrst: 0.0, StDev: 0.0 },
        { count: '3', host: 'target.example', 'Loss%': 0.0, Snt: 2, Last: 3.0, Avg: 2.5, Best: 2.0, Wrst: 3.0, StDev: 0.7 },
      ],
    },
  };
  const r = parseMtrJson(JSON.stringify(doc));
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.hops.map((h) => [h.ttl, h.host, h.addr, h.asn]), [[1, 'gw.example (192.0.2.1)', '192.0.2.1', 'AS64500'], [2, null, null, null], [3, 'target.example', null, null]]);
  assert.deepEqual(r.records.map((x) => [x.ttl, x.addr, x.rttMs, x.kind]), [
    [1, '192.0.2.1', 1.5, 'time-exceeded'], [1, null, null, null], [2, null, null, null], [2, null, null, null],
    [3, 'target.example', 2.0, 'echo-reply'], [3, 'target.example', 3.0, 'echo-reply'],
  ]);
  assert.deepEqual([r.tests, r.tos, r.meta.attemptOrderUnknown, r.meta.rttsFromAggregates], [2, 0, [1], [1, 3]]);
});

test('mtr malformed input: bad hubs reported by index and skipped; fail mode', () => {
  const bad = parseMtrJson('{"report": {"mtr": {"dst": "192.0.2.1"}, "hubs": [{"count": 1}, 7, {"count": 2, "host": "192.0.2.2", "Loss%": 0, "Snt": 1, "Last": 1, "Avg": 1, "Best": 1, "Wrst": 1, "StDev": 0}]}}');
  assert.deepEqual(bad.errors, [{ index: 0, message: 'hub lacks Loss%' }, { index: 1, message: 'hub is not an object' }]);
  assert.deepEqual(bad.hops.map((h) => h.ttl), [2]);
  assert.deepEqual(parseMtrJson('{"nope": 1}').errors, [{ index: 0, message: 'no report.mtr / report.hubs' }]);
  assert.throws(() => parseMtrJson('nope', { onError: 'fail' }), /^ImportFailure: mtr: line 1: not JSON/);
});
