import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeRecord, probeFields, type ProbeRecord } from '../../../lib/record';
import { bidirectionalJoin, bidirectionalRows } from '../../../lib/analysis';

/** A one-probe-per-TTL trace from src to dst through `hops` (null = silent); the last answers like a destination. */
function trace(src: string, dst: string, hops: (string | null)[], lastReplyTtl = 60): ProbeRecord[] {
  const v = dst.includes(':') ? 6 : 4;
  return hops.map((addr, i) => {
    const p = probeFields({ ttl: i + 1, proto: 'udp', ipVersion: v, src, dst });
    if (addr === null) return makeRecord(p);
    const last = addr === dst;
    return makeRecord(p, { addr, kind: last ? 'port-unreachable' : 'time-exceeded', replyTtl: last ? lastReplyTtl : 64 - i, rttMs: 1 });
  });
}

test('symmetric /30 path: every router aligned by two-sided subnet mates, no divergence', () => {
  // A=10.0.0.1 - R1 (10.0.0.2 | 10.0.1.1) - R2 (10.0.1.2 | 10.0.2.1) - B=10.0.2.2; Linux answers towards the prober.
  const f = trace('10.0.0.1', '10.0.2.2', ['10.0.0.2', '10.0.1.2', '10.0.2.2'], 62);
  const r = trace('10.0.2.2', '10.0.0.1', ['10.0.2.1', '10.0.1.1', '10.0.0.1'], 62);
  const j = bidirectionalJoin({ src: '10.0.0.1', dst: '10.0.2.2', records: f }, { src: '10.0.2.2', dst: '10.0.0.1', records: r });
  assert.deepEqual(j.aligned.map((a) => [a.forward, a.reverse, a.by]), [
    ['10.0.0.1', '10.0.0.1', 'address'],
    ['10.0.0.2', '10.0.1.1', 'subnet'],
    ['10.0.1.2', '10.0.2.1', 'subnet'],
    ['10.0.2.2', '10.0.2.2', 'address'],
  ]);
  assert.deepEqual(j.divergences, []);
  assert.equal(j.symmetric, true);
  // 64 - 62 + 1 = 3 hops back, as measured.
  assert.deepEqual(j.hopCounts, { forward: 3, reverse: 3, reverseEstimate: 3, forwardEstimate: 3 });
  assert.deepEqual(bidirectionalRows(j).map((x) => x.by), ['address', 'subnet', 'subnet', 'address']);
});

test('/24 lab links are not mates at the default /30 unless the prefix says so; position aligns equal stretches', () => {
  const f = trace('198.18.1.1', '198.18.3.2', ['198.18.1.2', '198.18.3.2']);
  const r = trace('198.18.3.2', '198.18.1.1', ['198.18.3.1', '198.18.1.1']);
  const w = { src: '198.18.1.1', dst: '198.18.3.2', records: f };
  const v = { src: '198.18.3.2', dst: '198.18.1.1', records: r };
  // .2/.1 of one /24 are also /30 mates; move them apart to see the prefix at work.
  const f2 = trace('198.18.1.1', '198.18.3.9', ['198.18.1.5', '198.18.3.9']);
  const r2 = trace('198.18.3.9', '198.18.1.1', ['198.18.3.5', '198.18.1.1']);
  const narrow = bidirectionalJoin({ src: '198.18.1.1', dst: '198.18.3.9', records: f2 }, { src: '198.18.3.9', dst: '198.18.1.1', records: r2 }, { position: false });
  assert.equal(narrow.aligned.filter((a) => a.by === 'subnet').length, 0);
  assert.equal(narrow.divergences.length, 1, 'unaligned, the middle router looks like a divergence');
  const wide = bidirectionalJoin({ src: '198.18.1.1', dst: '198.18.3.9', records: f2 }, { src: '198.18.3.9', dst: '198.18.1.1', records: r2 }, { matePrefix: { 4: 24 }, position: false });
  assert.deepEqual(wide.aligned.map((a) => a.by), ['address', 'subnet', 'address']);
  const byPosition = bidirectionalJoin({ src: '198.18.1.1', dst: '198.18.3.9', records: f2 }, { src: '198.18.3.9', dst: '198.18.1.1', records: r2 });
  assert.deepEqual(byPosition.aligned.map((a) => a.by), ['address', 'position', 'address']);
  assert.deepEqual(byPosition.divergences, []);
  assert.equal(bidirectionalJoin(w, v).aligned.length, 3);
});

test('asymmetric: a longer return path is one divergence, named with both sides, and a mate on one side only is not an alignment', () => {
  // asym's shape: forward r1 r2 r3; return r3 x1 x2 r1 (r3 answers the forward trace from its x1 side).
  const f = trace('198.18.1.1', '198.18.4.2', ['198.18.1.2', '198.18.2.2', '198.18.5.1', '198.18.4.2'], 60);
  const r = trace('198.18.4.2', '198.18.1.1', ['198.18.4.1', '198.18.5.2', '198.18.6.2', '198.18.2.1', '198.18.1.1'], 64 - 4 + 1);
  const j = bidirectionalJoin({ src: '198.18.1.1', dst: '198.18.4.2', records: f }, { src: '198.18.4.2', dst: '198.18.1.1', records: r }, { matePrefix: { 4: 24 } });
  assert.deepEqual(j.aligned.map((a) => [a.forwardTtl, a.reverseTtl, a.by]), [[0, 5, 'address'], [1, 4, 'subnet'], [3, 1, 'subnet'], [4, 0, 'address']]);
  assert.equal(j.divergences.length, 1);
  const d = j.divergences[0];
  assert.deepEqual(d.forwardOnly.map((h) => h.addr), ['198.18.2.2']);
  assert.deepEqual(d.reverseOnly.map((h) => h.addr), ['198.18.5.2', '198.18.6.2']);
  assert.equal(j.symmetric, false);
  assert.deepEqual(j.hopCounts, { forward: 4, reverse: 5, reverseEstimate: 5, forwardEstimate: 4 });
  assert.deepEqual(bidirectionalRows(j).map((x) => [x.forwardTtl, x.reverseTtl, x.by]), [
    [0, 5, 'address'], [1, 4, 'subnet'], [2, null, 'forward only'], [null, 3, 'reverse only'], [null, 2, 'reverse only'], [3, 1, 'subnet'], [4, 0, 'address'],
  ]);
});

test('IPv6 /126 mates, silent hops kept as null, bad prefixes named', () => {
  const f = trace('2001:db8:1::1', '2001:db8:3::2', ['2001:db8:1::2', null, '2001:db8:3::2']);
  const r = trace('2001:db8:3::2', '2001:db8:1::1', ['2001:db8:3::1', null, '2001:db8:1::1']);
  const j = bidirectionalJoin({ src: '2001:db8:1::1', dst: '2001:db8:3::2', records: f }, { src: '2001:db8:3::2', dst: '2001:db8:1::1', records: r });
  assert.equal(j.forward[2].addr, null);
  assert.equal(j.aligned[0].by, 'address');
  assert.equal(j.hopCounts.forward, 3);
  assert.throws(() => bidirectionalJoin({ src: 'a', dst: 'b', records: [] }, { src: 'b', dst: 'a', records: [] }, { matePrefix: { 4: 33 } }), /matePrefix\[4\] must be an integer from 8 to 32, got 33/);
  assert.throws(() => bidirectionalJoin({ src: 'a', dst: 'b', records: [] }, { src: 'b', dst: 'a', records: [] }, { matePrefix: { 6: 7 } }), /matePrefix\[6\] must be an integer from 16 to 128, got 7/);
});
