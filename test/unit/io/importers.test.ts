import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseTracerouteText, parseTracepathText, parseMtrJson, parseScamperJson, ImportFailure } from '../../../lib/io';
import { hopTable } from '../../../lib/analysis';
import { topologies } from '../../lab/topologies';

// Fixtures: real output of the peers run inside the lab by test/fixtures/io/capture.sh.
const fixture = (name: string) => readFileSync(join(__dirname, '../../fixtures/io', name), 'utf8');
const linear = topologies.linear.truth.paths[0];
const asym = topologies.asym.truth.paths[0];
const truthOf = (family: 4 | 6, path = linear) => path.hops.map((h) => (family === 4 ? h.v4 : h.v6)![0]);

for (const [file, family] of [['traceroute-n-linear.txt', 4], ['traceroute-named-linear.txt', 4], ['traceroute-icmp-linear.txt', 4], ['traceroute-v6-linear.txt', 6]] as const) {
  test(`traceroute text ${file}: one record per probe, the lab truth's addresses per TTL`, () => {
    const { records, errors, meta } = parseTracerouteText(fixture(file));
    assert.deepEqual(errors, []);
    assert.equal(meta.dst, family === 4 ? linear.dst.v4 : linear.dst.v6);
    assert.equal(records.length, 3 * linear.hops.length);
    assert.deepEqual(hopTable(records).map((h) => h.responders.map((r) => r.addr)), truthOf(family).map((a) => [a]));
    assert.ok(records.every((r) => r.rttMs! > 0 && r.ipVersion === family));
    assert.deepEqual(records.filter((r) => r.ttl === 5).map((r) => r.kind), ['other', 'other', 'other']);
  });
}

test('traceroute text with several responders per hop (ecmp-flow, -q 6): every address is in the truth', () => {
  const { records, errors } = parseTracerouteText(fixture('traceroute-ecmp-flow.txt'));
  assert.deepEqual(errors, []);
  const path = topologies['ecmp-flow'].truth.paths[0];
  for (const r of records) if (r.addr) assert.ok(path.hops[r.ttl - 1].v4!.includes(r.addr), `${r.ttl} ${r.addr}`);
  assert.equal(records.filter((r) => r.ttl === 2).length, 6);
});

test('traceroute text with * and !X: unanswered records, unreachable admin-prohibited', () => {
  const { records, errors } = parseTracerouteText(fixture('traceroute-silent-admin-linear.txt'));
  assert.deepEqual(errors, []);
  assert.deepEqual(records.filter((r) => r.ttl === 2).map((r) => r.addr), [null, null, null]);
  const last = records.filter((r) => r.ttl === 4);
  assert.deepEqual(last.map((r) => [r.addr, r.kind, r.icmpType, r.icmpCode]), Array(3).fill(['198.18.3.2', 'unreachable', 3, 13]));
});

test('traceroute text: MPLS objects (-e) and !F-mtu are read; bad lines are reported with their number', () => {
  const text = [
    'traceroute to 198.51.100.9 (198.51.100.9), 30 hops max, 60 byte packets',
    ' 1  192.0.2.1  1.000 ms <MPLS:L=24001,E=0,S=1,T=1>  1.100 ms !F-1400',
    ' 2  garbage-here',
    ' 3  192.0.2.9 (192.0.2.9)  3.0 ms !Z',
  ].join('\n');
  const { records, errors } = parseTracerouteText(text);
  assert.deepEqual(records[0].mpls, [{ label: 24001, tc: 0, s: true, ttl: 1 }]);
  assert.deepEqual([records[1].kind, records[1].mtu], ['frag-needed', 1400]);
  assert.deepEqual(errors.map((e) => e.line), [3, 4]);
  assert.throws(() => parseTracerouteText(text, { onError: 'fail' }), (e: unknown) => e instanceof ImportFailure && /line 3/.test(e.message));
});

for (const [file, family] of [['tracepath-asym.txt', 4], ['tracepath-v6-asym.txt', 6]] as const) {
  test(`tracepath ${file}: hops, pmtu change, asymm and resume as the asym truth says`, () => {
    const { records, errors, extras, dst } = parseTracepathText(fixture(file));
    assert.deepEqual(errors, []);
    assert.equal(dst, family === 4 ? asym.dst.v4 : asym.dst.v6);
    const hops = hopTable(records.filter((r) => r.kind !== 'frag-needed'));
    assert.deepEqual(hops.map((h) => h.responders[0].addr), truthOf(family, asym));
    assert.deepEqual(extras.pmtuChanges.map((p) => [p.addr, p.mtu]), [[truthOf(family, asym)[1], 1454]]);
    assert.deepEqual(extras.asymm.map((a) => [a.ttl, a.returnHops]), [[3, 4]]);
    assert.deepEqual(extras.resume, { pmtu: 1454, hops: 4, back: 5 });
    assert.equal(extras.localPmtu, 1500);
  });
}

test('mtr --json: per-hop aggregates, kept as such', () => {
  const r = parseMtrJson(fixture('mtr-linear.json'));
  assert.deepEqual(r.errors, []);
  assert.equal(r.dst, linear.dst.v4);
  assert.equal(r.tests, 3);
  assert.deepEqual(r.hops.map((h) => h.host), truthOf(4));
  assert.ok(r.hops.every((h) => h.sent === 3 && h.lossPct === 0 && h.bestMs <= h.avgMs && h.avgMs <= h.worstMs));
  const bad = parseMtrJson('{"report": {"mtr": {"dst": "192.0.2.1"}, "hubs": [{"count": 1}]}}');
  assert.deepEqual(bad.errors, [{ index: 0, message: 'hub lacks Loss%' }]);
  assert.throws(() => parseMtrJson('nope', { onError: 'fail' }), /mtr: line 1: not JSON/);
});

for (const [file, path, family, proto] of [
  ['scamper-trace-linear.json', linear, 4, 'udp'],
  ['scamper-trace-icmp-asym.json', asym, 4, 'icmp'],
] as const) {
  test(`scamper ${file}: replies as records with reply and quoted TTLs`, () => {
    const { records, errors, traces } = parseScamperJson(fixture(file));
    assert.deepEqual(errors, []);
    assert.equal(traces.length, 1);
    assert.equal(traces[0].stopReason, 'COMPLETED');
    assert.deepEqual(hopTable(records).map((h) => h.responders[0].addr), truthOf(family, path));
    assert.ok(records.every((r) => r.proto === proto && r.rttMs !== null && r.replyTtl !== null && r.sentAt !== null));
    const te = records.filter((r) => r.kind === 'time-exceeded');
    assert.equal(te.length, path.hops.length - 1);
    assert.ok(te.every((r) => r.quotedTtl === 1));
    // Reply TTLs carry the truth's return paths (asym: r2 starts at 255, r3 at 128).
    for (const r of records) {
      const h = path.hops[r.ttl - 1];
      if (h.initialTtl) assert.equal(r.replyTtl, h.initialTtl - h.returnHops! + 1);
    }
  });
}

test('scamper that failed (its IPv6 trace in this lab: stop_reason ERROR) imports as an errored trace with no records', () => {
  const { records, errors, traces } = parseScamperJson(fixture('scamper-trace-v6-linear.json'));
  assert.deepEqual(errors, []);
  assert.deepEqual(records, []);
  assert.deepEqual(traces.map((t) => [t.dst, t.stopReason, t.unanswered]), [['2001:db8:5::2', 'ERROR', 1]]);
});

test('scamper: malformed lines are reported with their number', () => {
  const r = parseScamperJson('{"type":"trace","dst":"x"}\n{broken\n');
  assert.deepEqual(r.errors.map((e) => e.line), [1, 2]);
});
