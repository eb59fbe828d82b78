import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAtlasTraceroute } from '../../../lib/io';

// Samples written to the RIPE Atlas traceroute result format (firmware 4790+ fields:
// af, dst_addr, src_addr, proto, paris_id, timestamp, result[].hop, result[].result[] with
// from / rtt / ttl / size, x: "*", err, late, dup, ittl, itos, icmpext with MPLS objects).
const v4 = {
  fw: 5080, af: 4, dst_addr: '198.51.100.7', dst_name: 'target', src_addr: '192.0.2.10', from: '203.0.113.5', proto: 'UDP', paris_id: 3,
  size: 48, timestamp: 1700000000, msm_id: 5001, prb_id: 42, type: 'traceroute',
  result: [
    { hop: 1, result: [{ from: '192.0.2.1', rtt: 0.5, size: 76, ttl: 64 }, { from: '192.0.2.1', rtt: 0.6, size: 76, ttl: 64 }, { x: '*' }] },
    {
      hop: 2,
      result: [
        { from: '192.0.2.33', rtt: 9.1, size: 140, ttl: 253, ittl: 2, icmpext: { version: 2, rfc4884: 1, obj: [{ class: 1, type: 1, mpls: [{ label: 299792, exp: 0, s: 1, ttl: 1 }] }] } },
        { from: '192.0.2.33', rtt: 9.0, size: 140, ttl: 253, dup: true },
        { from: '192.0.2.33', rtt: 9.3, size: 140, ttl: 253, late: 1 },
      ],
    },
    { hop: 3, result: [{ from: '198.51.100.7', rtt: 12.0, size: 76, ttl: 60 }, { from: '198.51.100.7', rtt: 12.1, size: 76, ttl: 60, err: 'A' }] },
  ],
};
const v6 = {
  fw: 5080, af: 6, dst_addr: '2001:db8:99::1', src_addr: '2001:db8::10', proto: 'ICMP', paris_id: 7, size: 48, timestamp: 1700000100,
  msm_id: 6001, prb_id: 43, type: 'traceroute',
  result: [{ hop: 1, result: [{ from: '2001:db8::1', rtt: 1.2, size: 96, ttl: 64 }] }, { hop: 2, result: [{ from: '2001:db8:99::1', rtt: 2.5, size: 96, ttl: 63 }] }],
};

test('Atlas IPv4: records per reply and *, MPLS from icmpext, quoted TTL, dup/late counted, err as unreachable', () => {
  const r = parseAtlasTraceroute(JSON.stringify([v4]));
  assert.deepEqual(r.errors, []);
  assert.equal(r.records.length, 6);
  assert.deepEqual([r.duplicates, r.late], [1, 1]);
  assert.deepEqual(r.records.map((x) => [x.ttl, x.attempt, x.addr]), [[1, 0, '192.0.2.1'], [1, 1, '192.0.2.1'], [1, 2, null], [2, 0, '192.0.2.33'], [3, 0, '198.51.100.7'], [3, 1, '198.51.100.7']]);
  const hop2 = r.records[3];
  assert.deepEqual(hop2.mpls, [{ label: 299792, tc: 0, s: true, ttl: 1 }]);
  assert.deepEqual([hop2.quotedTtl, hop2.replyTtl, hop2.replySize, hop2.kind], [2, 253, 140, 'time-exceeded']);
  assert.deepEqual([r.records[4].kind, r.records[5].kind, r.records[5].icmpCode], ['port-unreachable', 'unreachable', 13]);
  assert.ok(r.records.every((x) => x.flowId === 3 && x.src === '192.0.2.10' && x.sentAt === 1700000000000 && x.proto === 'udp'));
  assert.equal(r.records[0].run, 'atlas-5001-42-1700000000');
});

test('Atlas IPv6 ICMP, one result per line; the same records from a JSON array', () => {
  const lines = parseAtlasTraceroute(`${JSON.stringify(v6)}\n${JSON.stringify(v4)}\n`);
  const array = parseAtlasTraceroute(JSON.stringify([v6, v4]));
  assert.deepEqual(lines.records, array.records);
  const six = lines.records.filter((x) => x.ipVersion === 6);
  assert.deepEqual(six.map((x) => [x.addr, x.kind]), [['2001:db8::1', 'time-exceeded'], ['2001:db8:99::1', 'echo-reply']]);
});

test('Atlas malformed input: each problem reported with its line, nothing thrown unless asked', () => {
  const text = [JSON.stringify(v6), '{not json', JSON.stringify({ type: 'traceroute', result: [] }), JSON.stringify({ ...v6, result: [{ hop: 1, error: 'sendto failed: Operation not permitted' }] })].join('\n');
  const r = parseAtlasTraceroute(text);
  assert.equal(r.records.length, 2);
  assert.deepEqual(r.errors.map((e) => e.line), [2, 3, 4]);
  assert.match(r.errors[2].message, /hop 1: sendto failed/);
  assert.throws(() => parseAtlasTraceroute(text, { onError: 'fail' }), /atlas: line 2: not JSON/);
});
