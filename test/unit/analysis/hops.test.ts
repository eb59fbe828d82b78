import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeRecord, probeFields, type ProbeRecord } from '../../../lib/record';
import { hopTable, summarize, guessInitialTtl, returnHops } from '../../../lib/analysis';

function rec(ttl: number, flowId: number, addr: string | null, rttMs: number | null, replyTtl: number | null = null): ProbeRecord {
  const probe = probeFields({ ttl, proto: 'udp', ipVersion: 4, dst: '198.18.0.9', flowId });
  return addr === null ? makeRecord(probe) : makeRecord(probe, { addr, rttMs, replyTtl, kind: 'time-exceeded' });
}

test('hopTable merges attempts per TTL, keeps responders in first-seen order, counts loss', () => {
  const rows = hopTable([
    rec(2, 1, '198.18.2.1', 2.0, 63),
    rec(1, 1, '198.18.1.1', 1.0, 64),
    rec(2, 2, '198.18.2.2', 4.0, 63),
    rec(2, 3, null, null),
    rec(2, 4, '198.18.2.1', 3.0, 63),
  ]);
  assert.deepEqual(rows.map((r) => r.ttl), [1, 2]);
  const hop2 = rows[1];
  assert.equal(hop2.sent, 4);
  assert.equal(hop2.answered, 3);
  assert.equal(hop2.loss, 0.25);
  assert.deepEqual(hop2.responders.map((r) => [r.addr, r.replies, r.flowIds]), [
    ['198.18.2.1', 2, [1, 4]],
    ['198.18.2.2', 1, [2]],
  ]);
  assert.equal(hop2.rtt?.median, 3.0);
  assert.deepEqual(hop2.responders[0].replyTtls, [63]);
});

test('summarize: median, p90 by interpolation, jitter of consecutive samples', () => {
  const s = summarize([1, 3, 2, 10]);
  assert.ok(s);
  assert.equal(s.min, 1);
  assert.equal(s.max, 10);
  assert.equal(s.median, 2.5);
  assert.ok(Math.abs(s.p90 - 7.9) < 1e-9);
  assert.ok(Math.abs(s.jitter - (2 + 1 + 8) / 3) < 1e-9);
  assert.equal(summarize([]), null);
});

test('initial TTL rules and return hops (tracepath: 65 - r for r <= 64)', () => {
  assert.equal(guessInitialTtl(64, 'tracepath'), 64);
  assert.equal(guessInitialTtl(30, 'tracepath'), 64);
  assert.equal(guessInitialTtl(30, 'tnt'), 32);
  assert.equal(guessInitialTtl(120, 'tnt'), 128);
  assert.equal(guessInitialTtl(250, 'tracepath'), 255);
  assert.equal(returnHops(64, 64), 1);
  assert.equal(returnHops(61, 64), 4);
  assert.equal(returnHops(252, 255), 4);
  assert.throws(() => guessInitialTtl(256), /replyTtl must be an integer from 0 to 255/);
});
