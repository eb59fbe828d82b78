import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTracerouteText, ImportFailure } from '../../../lib/io';
import { hopTable } from '../../../lib/analysis';
import { fixture, linear, asym, ecmpFlow, truthAddrs, truthDst } from './fixtures';

for (const [file, family, proto, size, lastKind] of [
  ['traceroute-n-linear.txt', 4, undefined, 60, 'port-unreachable'],
  ['traceroute-named-linear.txt', 4, undefined, 60, 'port-unreachable'],
  ['traceroute-icmp-linear.txt', 4, 'icmp', 60, 'echo-reply'],
  ['traceroute-v6-linear.txt', 6, undefined, 80, 'port-unreachable'],
] as const) {
  test(`traceroute ${file}: one record per probe, the lab truth's address at every TTL`, () => {
    const { records, errors, meta } = parseTracerouteText(fixture(file), { proto });
    assert.deepEqual(errors, []);
    assert.equal(meta.traces.length, 1);
    assert.equal(meta.traces[0].dst, truthDst(family));
    assert.equal(meta.protoAssumed, proto === undefined);
    assert.equal(records.length, 3 * linear.hops.length);
    assert.deepEqual(hopTable(records).map((h) => h.responders.map((r) => r.addr)), truthAddrs(family).map((a) => [a]));
    assert.ok(records.every((r) => r.rttMs! > 0 && r.ipVersion === family && r.size === size && r.proto === (proto ?? 'udp')));
    assert.deepEqual(records.map((r) => r.attempt), records.map((_, i) => i % 3));
    const last = records.filter((r) => r.ttl === linear.hops.length);
    assert.deepEqual(last.map((r) => r.kind), [lastKind, lastKind, lastKind]);
    const te = records.filter((r) => r.ttl < linear.hops.length);
    assert.ok(te.every((r) => r.kind === 'time-exceeded' && r.icmpType === (family === 4 ? 11 : 3)));
  });
}

test('traceroute -q 6 on ecmp-flow: several responders per hop, each one the truth allows at its TTL', () => {
  const { records, errors } = parseTracerouteText(fixture('traceroute-ecmp-flow.txt'));
  assert.deepEqual(errors, []);
  assert.equal(records.length, 6 * ecmpFlow.hops.length);
  for (const r of records) assert.ok(ecmpFlow.hops[r.ttl - 1].v4!.includes(r.addr!), `TTL ${r.ttl}: ${r.addr}`);
  const hops = hopTable(records);
  assert.ok(hops[1].responders.length >= 2, 'the 3-way diamond shows more than one address at TTL 2');
  assert.deepEqual(hops[1].responders.map((r) => r.replies).reduce((a, b) => a + b), 6);
});

test('traceroute with a silent hop and !X (faults on one flow in the lab): unanswered records, admin-prohibited unreachables', () => {
  const { records, errors } = parseTracerouteText(fixture('traceroute-silent-admin-linear.txt'));
  assert.deepEqual(errors, []);
  assert.deepEqual(records.filter((r) => r.ttl === 2).map((r) => [r.addr, r.rttMs, r.kind]), Array(3).fill([null, null, null]));
  const last = records.filter((r) => r.ttl === 4);
  assert.deepEqual(last.map((r) => [r.addr, r.kind, r.icmpType, r.icmpCode]), Array(3).fill([truthAddrs(4)[2], 'unreachable', 3, 13]));
});

test("traceroute --back on asym: the '-N' return lengths are the truth's return hops", () => {
  const { records, errors, meta } = parseTracerouteText(fixture('traceroute-back-asym.txt'));
  assert.deepEqual(errors, []);
  assert.deepEqual(hopTable(records).map((h) => h.responders[0].addr), truthAddrs(4, asym));
  assert.deepEqual(meta.traces[0].backHops.map((b) => [b.ttl, b.addr, b.hops]), asym.hops.filter((h) => h.returnHops !== h.ttl).map((h) => [h.ttl, h.v4![0], h.returnHops]));
});

test('traceroute text variations: MPLS after the responder, AS lookups, annotations, BSD header, two traces', () => {
  const text = [
    'traceroute to example.net (198.51.100.9), 30 hops max, 60 byte packets',
    ' 1  gw.example (192.0.2.1) [AS64500]  0.512 ms  0.498 ms *',
    ' 2  192.0.2.5 <MPLS:L=24001,E=0,S=0,T=1/L=16005,E=5,S=1,T=1>  9.100 ms  9.200 ms 192.0.2.6  9.300 ms',
    ' 3  192.0.2.9  10.0 ms !F-1400  10.1 ms !<10>  10.2 ms !<12-0>',
    ' 4  198.51.100.9  11.000 ms !H  11.1ms  *',
    'traceroute6 to 2001:db8::9 (2001:db8::9) from 2001:db8::1, 64 hops max, 12 byte packets',
    ' 1  2001:db8::2  1.000 ms !X  1.0 ms !N  1.0 ms',
  ].join('\n');
  const { records, errors, meta } = parseTracerouteText(text);
  assert.deepEqual(errors, []);
  assert.deepEqual(meta.traces.map((t) => [t.dst, t.src, t.packetSize, t.run]), [['198.51.100.9', null, 60, 'traceroute-198.51.100.9-1'], ['2001:db8::9', '2001:db8::1', 12, 'traceroute-2001:db8::9-2']]);
  assert.deepEqual(meta.traces[0].asPaths, [{ ttl: 1, addr: '192.0.2.1', as: 'AS64500' }]);
  const at = (ttl: number, run = 1) => records.filter((r) => r.ttl === ttl && r.run!.endsWith(`-${run}`));
  assert.deepEqual(at(1).map((r) => r.addr), ['192.0.2.1', '192.0.2.1', null]);
  const mpls = [{ label: 24001, tc: 0, s: false, ttl: 1 }, { label: 16005, tc: 5, s: true, ttl: 1 }];
  assert.deepEqual(at(2).map((r) => [r.addr, r.mpls]), [['192.0.2.5', mpls], ['192.0.2.5', mpls], ['192.0.2.6', null]]);
  assert.deepEqual(at(3).map((r) => [r.kind, r.icmpType, r.icmpCode, r.mtu]), [['frag-needed', 3, 4, 1400], ['unreachable', 3, 10, null], ['other', 12, 0, null]]);
  assert.deepEqual(at(4).map((r) => [r.kind, r.icmpCode, r.rttMs]), [['unreachable', 1, 11], ['port-unreachable', 3, 11.1], [null, null, null]]);
  assert.deepEqual(at(1, 2).map((r) => [r.ipVersion, r.kind, r.icmpType, r.icmpCode]), [[6, 'unreachable', 1, 1], [6, 'unreachable', 1, 0], [6, 'time-exceeded', 3, 0]]);
});

test('traceroute malformed input: bad lines reported by number and skipped whole; fail mode names the line', () => {
  const text = [
    ' 1  192.0.2.1  1.0 ms',
    'traceroute to 198.51.100.9 (198.51.100.9), 30 hops max, 60 byte packets',
    ' 1  192.0.2.1  1.000 ms  1.100 ms',
    ' 2  192.0.2.5  2.0 ms garbage-here  2.1 ms',
    ' 3  192.0.2.9  3.0 ms !Z',
    ' 4  2001:db8::1  4.0 ms',
    'Some banner',
    ' 5  1.0 ms',
  ].join('\n');
  const { records, errors } = parseTracerouteText(text);
  assert.deepEqual(errors.map((e) => e.line), [1, 4, 5, 6, 7, 8]);
  assert.match(errors[0].message, /before the "traceroute to" header/);
  assert.match(errors[2].message, /unknown annotation !Z/);
  assert.deepEqual(records.map((r) => r.ttl), [1, 1], 'nothing of a bad line is kept');
  assert.throws(() => parseTracerouteText(text, { onError: 'fail' }), (e: unknown) => e instanceof ImportFailure && e.message === 'traceroute: line 1: hop line before the "traceroute to" header');
});
