import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  RECORD_FIELDS, toJsonl, fromJsonl, toCsv, fromCsv, mplsToCell, mplsFromCell, parseTracerouteText, parseTracepathText, parseMtrJson, parseScamperJson, ImportFailure,
} from '../../../lib/io';
import { makeRecord, probeFields, type ProbeRecord } from '../../../lib/record';
import { fixture } from './fixtures';

const handmade: ProbeRecord[] = [
  makeRecord(probeFields({ ttl: 1, proto: 'udp', ipVersion: 4, dst: '198.18.5.2', src: '198.18.1.1', sport: 40000, dport: 33434, run: 'r,1 "x"\nnext', sentAt: 1795351760302.3013 }), {
    addr: '198.18.1.2', kind: 'time-exceeded', icmpType: 11, icmpCode: 0, rttMs: 0.665, replyTtl: 64, quotedTtl: 1,
    mpls: [{ label: 16004, tc: 0, s: false, ttl: 1 }, { label: 299808, tc: 5, s: true, ttl: 1 }],
  }),
  makeRecord(probeFields({ ttl: 2, proto: 'icmp', ipVersion: 6, dst: '2001:db8:5::2', flowLabel: 7, round: 0 })),
  makeRecord(probeFields({ ttl: 3, proto: 'tcp', ipVersion: 4, dst: '198.18.5.2' }), { addr: '198.18.5.2', kind: 'tcp-synack', tcpFlags: 0x12, mpls: [] }),
];

/** Every record the importers make of the committed lab fixtures. */
function fixtureRecords(): ProbeRecord[] {
  const dir = join(__dirname, '../../fixtures/io');
  const out: ProbeRecord[] = [];
  for (const f of readdirSync(dir).sort()) {
    const text = fixture(f);
    if (f.startsWith('traceroute-')) out.push(...parseTracerouteText(text).records);
    else if (f.startsWith('tracepath-')) out.push(...parseTracepathText(text).records);
    else if (f.startsWith('mtr-')) out.push(...parseMtrJson(text).records);
    else if (f.startsWith('scamper-')) out.push(...parseScamperJson(text).records);
  }
  return out;
}

test('JSON lines round-trip exactly: handmade records (nulls, MPLS stacks, empty stack, fractions, odd strings) and every fixture import', () => {
  for (const records of [handmade, fixtureRecords()]) {
    const text = toJsonl(records);
    const back = fromJsonl(text);
    assert.deepEqual(back.errors, []);
    assert.deepEqual(back.records, records);
    assert.equal(toJsonl(back.records), text);
  }
  assert.ok(fixtureRecords().length > 250, `${fixtureRecords().length} fixture records`);
});

test('JSON lines: a trace summary line is not a record; bad lines are reported by number and kind of problem', () => {
  const good = toJsonl(handmade).split('\n');
  const text = [good[0], '{"type":"summary","reached":true}', '{"ttl": 1}', 'nope', JSON.stringify({ ...handmade[1], rttMs: 3 }), JSON.stringify({ ...handmade[0], proto: 'sctp' }), '', good[1]].join('\r\n');
  const r = fromJsonl(text);
  assert.deepEqual(r.records, [handmade[0], handmade[1]]);
  assert.deepEqual(r.errors.map((e) => [e.line, e.message.split(' ').slice(0, 2).join(' ')]), [[3, 'missing field'], [4, 'not JSON:'], [5, 'reply fields'], [6, 'proto "sctp"']]);
  assert.throws(() => fromJsonl(text, { onError: 'fail' }), (e: unknown) => e instanceof ImportFailure && e.message === 'jsonl: line 3: missing field run');
});

test('CSV: header = record fields, MPLS in one cell (label/tc/s/ttl;…), round-trips exactly', () => {
  const csv = toCsv(handmade);
  assert.equal(csv.split('\n')[0], RECORD_FIELDS.join(','));
  assert.match(csv, /^"r,1 ""x""\nnext",,1,0,udp,4,/m, 'quoting: commas, quotes and newlines inside a cell');
  assert.match(csv, /,16004\/0\/0\/1;299808\/5\/1\/1,/);
  assert.equal(mplsToCell([]), '[]');
  assert.deepEqual(mplsFromCell('[]'), []);
  for (const records of [handmade, fixtureRecords()]) {
    const back = fromCsv(toCsv(records));
    assert.deepEqual(back.errors, []);
    assert.deepEqual(back.records, records);
  }
});

test('CSV: bad rows reported by line (quoted newlines counted), header checked; fail mode', () => {
  const csv = toCsv(handmade);
  const broken = fromCsv(csv.replace('time-exceeded', 'time-exceeded,extra').replace('tcp-synack', 'tcp-synack').replace(',icmp,', ',sctp,'));
  assert.deepEqual(broken.errors.map((e) => e.line), [2, 4]);
  assert.match(broken.errors[0].message, /cells, header has/);
  assert.match(broken.errors[1].message, /proto "sctp"/);
  assert.equal(broken.records.length, 1);
  assert.deepEqual(fromCsv('ttl,addr\n1,x\n').errors.map((e) => e.line), [1]);
  assert.throws(() => fromCsv('a\n', { onError: 'fail' }), /csv: line 1: header lacks run/);
});
