import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseTracepathText, ImportFailure } from '../../../lib/io';
import { hopTable } from '../../../lib/analysis';
import { fixture, linear, asym, truthAddrs, truthDst } from './fixtures';

for (const [file, family] of [['tracepath-n-linear.txt', 4], ['tracepath-b-linear.txt', 4], ['tracepath-v6-linear.txt', 6]] as const) {
  test(`tracepath ${file}: a record per reply line, the truth's addresses, resume as the truth says`, () => {
    const { records, errors, meta } = parseTracepathText(fixture(file));
    assert.deepEqual(errors, []);
    assert.equal(meta.dst, truthDst(family));
    assert.deepEqual(hopTable(records).map((h) => h.responders.map((r) => r.addr)), truthAddrs(family).map((a) => [a]));
    assert.deepEqual(meta.resume, { pmtu: 1500, hops: linear.hops.length, back: linear.hops.at(-1)!.returnHops });
    assert.deepEqual(meta.asymm, []);
    assert.ok(records.every((r) => r.proto === 'udp' && r.size === 1500 && r.ipVersion === family && r.dst === truthDst(family)));
    assert.deepEqual(records.filter((r) => r.kind !== 'time-exceeded').map((r) => [r.ttl, r.kind]), [[linear.hops.length, 'port-unreachable']]);
  });
}

for (const [file, family] of [['tracepath-asym.txt', 4], ['tracepath-v6-asym.txt', 6]] as const) {
  test(`tracepath ${file}: pmtu change, asymm and resume kept beside the records, as the asym truth says`, () => {
    const { records, errors, meta } = parseTracepathText(fixture(file));
    assert.deepEqual(errors, []);
    assert.equal(meta.dst, truthDst(family, asym));
    const hops = hopTable(records.filter((r) => r.kind !== 'frag-needed'));
    assert.deepEqual(hops.map((h) => h.responders[0].addr), truthAddrs(family, asym));
    const pmtuAfter = asym.pmtu!.ttl;
    assert.deepEqual(meta.pmtuChanges.map((p) => [p.addr, p.mtu]), [[truthAddrs(family, asym)[pmtuAfter - 1], asym.pmtu!.mtu]]);
    const frag = records.filter((r) => r.kind === 'frag-needed');
    assert.deepEqual(frag.map((r) => [r.ttl, r.mtu, r.icmpType, r.size]), [[pmtuAfter + 1, asym.pmtu!.mtu, family === 4 ? 3 : 2, 1500]]);
    // Probes are full size: 1500 until the frag-needed, then the new pmtu.
    const after = records.slice(records.indexOf(frag[0]) + 1);
    assert.ok(after.length > 0 && after.every((r) => r.size === asym.pmtu!.mtu));
    const asymmetric = asym.hops.filter((h) => h.returnHops !== h.ttl && h.ttl < asym.hops.length);
    assert.deepEqual(meta.asymm.map((a) => [a.ttl, a.returnHops]), asymmetric.map((h) => [h.ttl, h.returnHops]));
    assert.deepEqual(meta.resume, { pmtu: asym.pmtu!.mtu, hops: asym.hops.length, back: asym.hops.at(-1)!.returnHops });
    assert.equal(meta.localPmtu, 1500);
  });
}

test('tracepath variations: no reply (three tries), unmatched N?:, !H, names, Too many hops, dst given', () => {
  const text = [
    ' 1?: [LOCALHOST]                      pmtu 1500',
    ' 1:  gw.example                                            0.512ms ',
    ' 2:  no reply',
    ' 3?: 192.0.2.9                                             1.000ms asymm  5',
    ' 4:  192.0.2.10                                            2.000ms (This broken router returned corrupted payload) ',
    ' 5:  192.0.2.11                                            3.000ms !H',
    '     Too many hops: pmtu 1500',
    '     Resume: pmtu 1500 ',
  ].join('\n');
  const { records, errors, meta } = parseTracepathText(text, { dst: '198.51.100.1' });
  assert.deepEqual(errors, []);
  assert.deepEqual(records.map((r) => [r.ttl, r.attempt, r.addr, r.kind]), [
    [1, 0, 'gw.example', 'time-exceeded'], [2, 0, null, null], [2, 1, null, null], [2, 2, null, null],
    [3, 0, '192.0.2.9', 'time-exceeded'], [4, 0, '192.0.2.10', 'time-exceeded'], [5, 0, '192.0.2.11', 'unreachable'],
  ]);
  assert.equal(records[6].icmpCode, null, 'tracepath prints an errno: the ICMP code is not known');
  assert.deepEqual(meta.unmatched, [4]);
  assert.deepEqual(meta.asymm, [{ ttl: 3, addr: '192.0.2.9', returnHops: 5 }]);
  assert.deepEqual(meta.notes, [{ line: 5, text: 'This broken router returned corrupted payload' }]);
  assert.deepEqual([meta.tooManyHops, meta.resume, meta.dst], [true, { pmtu: 1500, hops: null, back: null }, '198.51.100.1']);
  assert.ok(records.every((r) => r.dst === '198.51.100.1'));
});

test('tracepath malformed input: ??? and garbage reported by line; an unknown destination is reported; fail mode', () => {
  const text = [' 1:  ???                                                   0.049ms ', ' 2:  198.18.2.2  0.010ms ', 'hello', ' 3:  198.18.3.2  0.010ms weird'].join('\n');
  const { records, errors } = parseTracepathText(text);
  assert.deepEqual(errors.map((e) => e.line), [1, 3, 4, 2]);
  assert.match(errors[0].message, /not a host: "\?\?\?"/);
  assert.match(errors[3].message, /destination never answered/);
  assert.equal(records.length, 1);
  assert.throws(() => parseTracepathText(text, { onError: 'fail' }), (e: unknown) => e instanceof ImportFailure && /^tracepath: line 1: /.test(e.message));
});
