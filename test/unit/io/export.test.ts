import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toJsonl, fromJsonl, toCsv, fromCsv } from '../../../lib/io';
import { makeRecord, probeFields, type ProbeRecord } from '../../../lib/record';

const records: ProbeRecord[] = [
  makeRecord(probeFields({ ttl: 1, proto: 'udp', ipVersion: 4, dst: '198.18.5.2', src: '198.18.1.1', sport: 40000, dport: 33434, run: 'r,1 "x"', sentAt: 1795351760302.3013 }), {
    addr: '198.18.1.2', kind: 'time-exceeded', icmpType: 11, icmpCode: 0, rttMs: 0.665, replyTtl: 64, quotedTtl: 1,
    mpls: [{ label: 16004, tc: 0, s: false, ttl: 1 }, { label: 299808, tc: 5, s: true, ttl: 1 }],
  }),
  makeRecord(probeFields({ ttl: 2, proto: 'icmp', ipVersion: 6, dst: '2001:db8:5::2', flowLabel: 7 })),
];

test('JSON lines round-trip exactly (nulls, MPLS arrays, fractions); a trace summary line is skipped', () => {
  const text = toJsonl(records) + '{"type":"summary","reached":true}\n';
  const back = fromJsonl(text);
  assert.deepEqual(back.errors, []);
  assert.deepEqual(back.records, records);
  assert.equal(toJsonl(back.records), toJsonl(records));
});

test('JSON lines: bad lines are reported by number and type problem', () => {
  const text = [toJsonl(records).split('\n')[0], '{"ttl": 1}', 'nope', JSON.stringify({ ...records[1], rttMs: 3 })].join('\n');
  const r = fromJsonl(text);
  assert.equal(r.records.length, 1);
  assert.deepEqual(r.errors.map((e) => [e.line, e.message.split(' ').slice(0, 2).join(' ')]), [[2, 'missing field'], [3, 'not JSON:'], [4, 'reply fields']]);
  assert.throws(() => fromJsonl(text, { onError: 'fail' }), /jsonl: line 2: missing field run/);
});

test('CSV round-trips, MPLS in one cell, quoting kept', () => {
  const csv = toCsv(records);
  assert.match(csv.split('\n')[1], /,16004\/0\/0\/1;299808\/5\/1\/1,/);
  const back = fromCsv(csv);
  assert.deepEqual(back.errors, []);
  assert.deepEqual(back.records, records);
  const broken = fromCsv(csv.replace('time-exceeded', 'time-exceeded,extra'));
  assert.match(broken.errors[0].message, /cells, header has/);
});
