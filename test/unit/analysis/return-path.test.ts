import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifySignature, estimateReturn, returnTable } from '../../../lib/analysis';
import { makeRecord, probeFields } from '../../../lib/record';

const rec = (ttl: number, addr: string, replyTtl: number) =>
  makeRecord(probeFields({ ttl, proto: 'udp', ipVersion: 4, dst: '198.18.9.9' }), { addr, replyTtl, kind: 'time-exceeded', rttMs: 1 });

test('return hops and asymm; a known initial TTL (e.g. 254, Juniper M/T) removes a false asymm', () => {
  assert.deepEqual(estimateReturn(rec(3, 'c', 125)), { ttl: 3, addr: 'c', replyTtl: 125, initialTtl: 128, returnHops: 4, asymm: 1 });
  // A router starting at 254, two hops away: 253 arrives; the 255 guess says 3 hops back.
  assert.equal(estimateReturn(rec(2, 'j', 253))!.asymm, 1);
  assert.equal(estimateReturn(rec(2, 'j', 253), 'tracepath', new Map([['j', 254]]))!.asymm, 0);
});

test('returnTable takes the most common reply TTL per hop', () => {
  const t = returnTable([rec(2, 'b', 63), rec(2, 'b', 63), rec(2, 'b', 61), rec(1, 'a', 64)]);
  assert.deepEqual(t.map((e) => [e.ttl, e.replyTtl, e.returnHops]), [[1, 64, 1], [2, 63, 2]]);
});

test('signatures: the four published classes, other, and partial pairs', () => {
  assert.equal(classifySignature(255, 255).class, 'cisco');
  assert.equal(classifySignature(255, 64).class, 'juniper');
  assert.equal(classifySignature(128, 128).class, 'junose');
  assert.equal(classifySignature(64, 64).class, 'linux');
  assert.equal(classifySignature(64, 255).class, 'other');
  assert.deepEqual(classifySignature(255, null), { timeExceeded: 255, echoReply: null, class: null });
});
