import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classifySignature, estimateReturn, returnFromEcho, returnTable } from '../../../lib/analysis';
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

test('returnFromEcho: a Juniper M/T time-exceeded (254) read with its echo reply (64) is not asymmetric', () => {
  // 5 hops back: TE arrives with 254 - 4 = 250 (alone it reads as 255: 6 back, asymm 1), echo with 60.
  assert.deepEqual(returnFromEcho(250, 60), { initialTtl: 254, returnHops: 5 });
  assert.equal(classifySignature(254, 64).class, 'juniper');
});

test('returnFromEcho: nothing to correct for usual routers, real asymmetry kept, nonsense refused', () => {
  assert.equal(returnFromEcho(251, 60), null); // 255 and 64, 5 back both ways
  assert.equal(returnFromEcho(249, 58), null); // 7 back both ways: a real long return stays asymm
  assert.equal(returnFromEcho(125, 124), null); // <128, 128>
  assert.equal(returnFromEcho(240, 60), null); // would mean an initial TTL of 244: not one routers use
});
