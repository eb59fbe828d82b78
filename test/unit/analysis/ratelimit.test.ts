import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rateLimitVerdict, lossNotCarried, hopTable, FAST_ROUND, SLOW_ROUND } from '../../../lib/analysis';
import { makeRecord, probeFields } from '../../../lib/record';

const rec = (round: number, i: number, answered: boolean, gapMs: number) =>
  makeRecord(probeFields({ ttl: 2, proto: 'udp', ipVersion: 4, dst: 'd', round, sentAt: 1000 + i * gapMs }), answered ? { addr: 'r', kind: 'time-exceeded', rttMs: 1 } : {});

test('a token bucket: a burst then nothing at speed, everything slowly', () => {
  const fast = Array.from({ length: 20 }, (_, i) => rec(FAST_ROUND, i, i < 6, 5));
  const slow = Array.from({ length: 6 }, (_, i) => rec(SLOW_ROUND, i, true, 1000));
  const v = rateLimitVerdict([...fast, ...slow]);
  assert.equal(v.verdict, 'rate-limited');
  assert.ok(v.verdict === 'rate-limited' && v.burst === 6 && v.ratePerSec === 1);
});

test('the same loss at both rates is loss; none is clean', () => {
  const lossy = [...Array.from({ length: 20 }, (_, i) => rec(FAST_ROUND, i, i % 2 === 0, 5)), ...Array.from({ length: 6 }, (_, i) => rec(SLOW_ROUND, i, i % 2 === 0, 1000))];
  assert.equal(rateLimitVerdict(lossy).verdict, 'lossy');
  const clean = [...Array.from({ length: 20 }, (_, i) => rec(FAST_ROUND, i, true, 5)), ...Array.from({ length: 6 }, (_, i) => rec(SLOW_ROUND, i, true, 1000))];
  assert.equal(rateLimitVerdict(clean).verdict, 'clean');
});

test('loss carried to every later hop is forwarding loss; loss at one hop only is not', () => {
  const t = (ttl: number, answered: boolean) => makeRecord(probeFields({ ttl, proto: 'udp', ipVersion: 4, dst: 'd' }), answered ? { addr: `h${ttl}`, kind: 'time-exceeded', rttMs: 1 } : {});
  const onlyAt2 = hopTable([t(1, true), t(1, true), t(2, true), t(2, false), t(3, true), t(3, true)]);
  assert.deepEqual(lossNotCarried(onlyAt2), [{ ttl: 2, loss: 0.5, forwarding: false }]);
  const carried = hopTable([t(1, true), t(1, true), t(2, true), t(2, false), t(3, true), t(3, false)]);
  assert.deepEqual(lossNotCarried(carried).map((l) => l.forwarding), [true, true]);
});
