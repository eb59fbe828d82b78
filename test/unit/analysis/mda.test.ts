import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stoppingPoint, perVertexConfidence, multipathGraph, classifyBalancers, MDA_STOPPING_POINTS } from '../../../lib/analysis';
import { makeRecord, probeFields } from '../../../lib/record';

test('stopping points: the published tables, and the exact rule beyond them', () => {
  assert.deepEqual([1, 2, 3, 16].map((k) => stoppingPoint(k, 95)), [6, 11, 16, 96]);
  assert.deepEqual([1, 2, 3, 16].map((k) => stoppingPoint(k, 99)), [8, 15, 21, 123]);
  // The rule reproduces the tables to within one probe where they overlap.
  for (const conf of [95, 99] as const) {
    MDA_STOPPING_POINTS[conf].forEach((n, i) => {
      const k = i + 1;
      const exact = Math.ceil(Math.log((1 - conf / 100) / (k + 1)) / Math.log(k / (k + 1)));
      assert.ok(Math.abs(exact - n) <= 1, `k=${k} conf=${conf}: table ${n}, rule ${exact}`);
    });
  }
  assert.ok(stoppingPoint(17, 95) > 96);
  assert.ok(Math.abs(perVertexConfidence(0.95, 4) - Math.pow(0.95, 0.25)) < 1e-12);
});

const rec = (flowId: number, ttl: number, addr: string | null) =>
  makeRecord(probeFields({ ttl, proto: 'udp', ipVersion: 4, dst: '198.18.9.9', flowId }), addr ? { addr, kind: 'time-exceeded', rttMs: 1 } : {});

test('links join replies of the same flow only; loops are flagged; balancers classed by repeats', () => {
  const records = [
    rec(1, 1, 'A'), rec(1, 2, 'B1'), rec(1, 3, 'C'),
    rec(2, 1, 'A'), rec(2, 2, 'B2'), rec(2, 3, 'C'),
    rec(3, 1, 'A'), rec(3, 2, null), rec(3, 3, 'C'),
    rec(4, 3, 'D'), rec(4, 4, 'D'),
  ];
  const g = multipathGraph(records);
  assert.deepEqual(g.links.map((l) => `${l.ttl} ${l.from}>${l.to} ${l.flowIds}`).sort(), ['1 A>B1 1', '1 A>B2 2', '2 B1>C 1', '2 B2>C 2']);
  assert.deepEqual(g.anomalies, [{ kind: 'loop', addr: 'D', ttls: [3, 4] }]);
  const perFlow = classifyBalancers(g.links, new Map([['1|A', new Set(['B1'])]]));
  assert.deepEqual(perFlow, [{ ttl: 1, addr: 'A', kind: 'per-flow', nextHops: ['B1', 'B2'] }]);
  assert.equal(classifyBalancers(g.links, new Map([['1|A', new Set(['B1', 'B2'])]]))[0].kind, 'per-packet');
  assert.equal(classifyBalancers(g.links, new Map())[0].kind, 'unknown');
});
