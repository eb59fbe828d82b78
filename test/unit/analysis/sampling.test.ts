import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aggregateSamples } from '../../../lib/analysis';
import { makeRecord, probeFields } from '../../../lib/record';

const rec = (round: number, ttl: number, addr: string | null, sentAt: number, flowId = 0) =>
  makeRecord(probeFields({ ttl, proto: 'udp', ipVersion: 4, dst: '198.18.9.9', flowId, round, sentAt }), addr ? { addr, rttMs: 1, kind: 'time-exceeded' } : {});

test('addresses per hop with counts and first/last seen; a split flow marks per-packet balancing', () => {
  const a = aggregateSamples([
    rec(0, 1, 'A', 10), rec(0, 2, 'B1', 11), rec(1, 1, 'A', 20), rec(1, 2, 'B2', 21), rec(2, 1, null, 30), rec(2, 2, 'B1', 31),
  ]);
  assert.equal(a.rounds, 3);
  assert.equal(a.perPacketAt, 2);
  assert.deepEqual(a.hops[0], { ttl: 1, probes: 3, answered: 2, addrs: [{ addr: 'A', count: 2, firstSeen: 10, lastSeen: 20 }], splitFlows: [] });
  assert.deepEqual(a.hops[1].addrs.map((x) => [x.addr, x.count, x.firstSeen, x.lastSeen]), [['B1', 2, 11, 31], ['B2', 1, 21, 21]]);
  assert.deepEqual(a.hops[1].splitFlows, [0]);
});

test('different flows on different branches are not per-packet', () => {
  const a = aggregateSamples([rec(0, 2, 'B1', 1, 1), rec(1, 2, 'B2', 2, 2), rec(2, 2, 'B1', 3, 1)]);
  assert.equal(a.perPacketAt, null);
});
