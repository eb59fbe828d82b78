import { test } from 'node:test';
import assert from 'node:assert/strict';
import { natRewrites } from '../../../lib/analysis';
import { makeRecord, probeFields, type ProbeRecord } from '../../../lib/record';
import { fromJsonl } from '../../../lib/io';

const SRC = '198.18.1.1';
/** A UDP probe at `ttl` answered by `addr`, quoting the probe with source `qsrc` and port `qsport`. */
const hop = (ttl: number, addr: string | null, qsrc: string | null = SRC, qsport: number | null = 40000, sport = 40000): ProbeRecord =>
  makeRecord(
    probeFields({ ttl, proto: 'udp', ipVersion: 4, dst: '198.18.9.9', src: SRC, sport, dport: 33434 }),
    addr === null ? {} : { addr, kind: 'time-exceeded', rttMs: 1, quotedSrc: qsrc, quotedSport: qsport },
  );

test('no rewriting: no reading (also when the NAT translates its quotes back)', () => {
  assert.deepEqual(natRewrites([hop(1, 'a'), hop(2, 'b'), hop(3, 'c')]), []);
});

test('a source rewritten after hop 2: the NAT is hop 2 or just after it, with the address the outside saw', () => {
  const r = natRewrites([hop(1, 'a'), hop(2, 'b'), hop(3, 'c', '203.0.113.7'), hop(3, 'c', '203.0.113.7'), hop(4, 'd', '203.0.113.7')]);
  assert.equal(r.length, 1);
  assert.deepEqual({ ttl: r[0].ttl, after: r[0].after, fields: r[0].fields, translatedSrc: r[0].translatedSrc, quotes: r[0].quotes }, {
    ttl: 3, after: { ttl: 2, addr: 'b' }, fields: ['src'], translatedSrc: '203.0.113.7', quotes: { rewritten: 2, total: 2 },
  });
  assert.match(r[0].evidence, /2 of 2 quotes at hop 3 .*198\.18\.1\.1 -> 203\.0\.113\.7/);
});

test('a silent hop between: the NAT is placed after the last hop that answered', () => {
  const r = natRewrites([hop(1, 'a'), hop(2, null), hop(3, 'c', '203.0.113.7')]);
  assert.deepEqual(r.map((n) => [n.ttl, n.after]), [[3, { ttl: 1, addr: 'a' }]]);
});

test('rewriting from the first hop on: no hop before it', () => {
  assert.deepEqual(natRewrites([hop(1, 'a', '203.0.113.7')]).map((n) => n.after), [null]);
});

test('two NATs in a row (a CPE behind a carrier-grade NAT): two readings, the second relative to the first', () => {
  const r = natRewrites([hop(1, 'a'), hop(2, 'b', '100.64.0.9'), hop(3, 'c', '100.64.0.9'), hop(4, 'd', '203.0.113.7', 51000), hop(5, 'e', '203.0.113.7', 51000)]);
  assert.deepEqual(r.map((n) => [n.ttl, n.fields, n.translatedSrc]), [[2, ['src'], '100.64.0.9'], [4, ['src', 'sport'], '203.0.113.7']]);
});

test('a port-only rewrite is found; a tie between rewritten and not is no evidence', () => {
  assert.deepEqual(natRewrites([hop(1, 'a'), hop(2, 'b', SRC, 61000)]).map((n) => n.fields), [['sport']]);
  assert.deepEqual(natRewrites([hop(1, 'a'), hop(2, 'b', SRC), hop(2, 'b', '203.0.113.7')]), []);
});

test('records without quotes (imported from tools that do not keep them) give no reading', () => {
  const imported = [hop(1, 'a', null, null), hop(2, 'b', null, null)];
  assert.deepEqual(natRewrites(imported), []);
});

test('JSON lines written before quotedSrc / quotedSport existed still read, with both null', () => {
  const older = (r: ProbeRecord) => {
    const { quotedSrc, quotedSport, ...old } = r;
    void quotedSrc;
    void quotedSport;
    return JSON.stringify(old);
  };
  // One answered, one unanswered (whose reply fields must all be null, the missing ones included).
  const { records, errors } = fromJsonl(`${older(hop(1, 'a'))}\n${older(hop(2, null))}\n`);
  assert.deepEqual(errors, []);
  assert.deepEqual(records.map((r) => [r.quotedSrc, r.quotedSport]), [[null, null], [null, null]]);
});
