import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAtlasTraceroute, ImportFailure } from '../../../lib/io';
import { hopTable } from '../../../lib/analysis';

// Samples written to the published RIPE Atlas traceroute result format (version 4750 /
// 5000: af, dst_addr, src_addr, proto, paris_id, size, timestamp, result[].hop,
// result[].result[] with from / rtt / ttl / size, x: "*", err, late, dup, ittl, itos, mtu,
// flags, icmpext with MPLS objects), with addresses from the documentation ranges.
const mplsExt = { version: 2, rfc4884: 1, obj: [{ class: 1, type: 1, mpls: [{ label: 16005, exp: 0, s: 0, ttl: 1 }, { label: 299792, exp: 5, s: 1, ttl: 1 }] }] };
const v4 = {
  fw: 5080, mver: '2.6.2', lts: 12, af: 4, dst_addr: '198.51.100.7', dst_name: 'target.example', src_addr: '192.0.2.10', from: '203.0.113.5',
  proto: 'UDP', paris_id: 3, size: 48, timestamp: 1700000000, endtime: 1700000004, msm_id: 5001, prb_id: 42, msm_name: 'Traceroute', type: 'traceroute',
  result: [
    { hop: 1, result: [{ from: '192.0.2.1', rtt: 0.5, size: 28, ttl: 64 }, { from: '192.0.2.1', rtt: 0.6, size: 28, ttl: 64 }, { from: '192.0.2.1', rtt: 0.4, size: 28, ttl: 64 }] },
    {
      hop: 2,
      result: [
        { from: '192.0.2.33', rtt: 9.1, size: 140, ttl: 253, ittl: 2, itos: 4, icmpext: mplsExt },
        { x: '*' },
        { late: 1, from: '192.0.2.33', size: 140, ttl: 253, ittl: 2 },
        { from: '192.0.2.33', rtt: 9.3, size: 140, ttl: 253, ittl: 2, icmpext: mplsExt },
        { dup: true, from: '192.0.2.33', rtt: 9.4, size: 140, ttl: 253, ittl: 2 },
      ],
    },
    { hop: 3, result: [{ x: '*' }, { x: '*' }, { x: '*' }] },
    {
      hop: 4,
      result: [
        { from: '198.51.100.7', rtt: 12.0, size: 28, ttl: 60 },
        { from: '198.51.100.7', rtt: 12.1, size: 28, ttl: 60, err: 'A' },
        { from: '198.51.100.1', rtt: 11.0, size: 28, ttl: 250, mtu: 1400 },
      ],
    },
  ],
};
const v6 = {
  fw: 5080, af: 6, dst_addr: '2001:db8:99::1', src_addr: '2001:db8::10', proto: 'ICMP', paris_id: 7, size: 48, timestamp: 1700000100, msm_id: 6001, prb_id: 43, type: 'traceroute',
  result: [
    { hop: 1, result: [{ from: '2001:db8::1', rtt: 1.2, size: 56, ttl: 64 }, {}] },
    { hop: 2, result: [{ from: '2001:db8::5', rtt: 2.0, size: 56, ttl: 63, err: 'h' }, { from: '2001:db8::5', rtt: 2.0, size: 56, ttl: 63, err: 9 }] },
    { hop: 3, result: [{ from: '2001:db8:99::1', rtt: 2.5, size: 56, ttl: 62 }] },
    { hop: 255, result: [{ x: '*' }] },
  ],
};
const tcp = {
  fw: 4790, af: 4, dst_addr: '198.51.100.80', src_addr: '192.0.2.10', proto: 'TCP', paris_id: 0, size: 0, timestamp: 1700000200, msm_id: 7001, prb_id: 44, type: 'traceroute',
  result: [
    { hop: 1, result: [{ from: '192.0.2.1', rtt: 0.5, size: 28, ttl: 64 }] },
    { hop: 2, result: [{ from: '198.51.100.80', rtt: 3.0, size: 0, ttl: 61, flags: 'SA' }, { from: '198.51.100.80', rtt: 3.1, size: 0, ttl: 61, flags: 'R' }] },
  ],
};

test('Atlas IPv4 UDP: a record per probe, * unanswered, MPLS / ittl / itos, late and dup beside the records', () => {
  const r = parseAtlasTraceroute(JSON.stringify([v4]));
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.records.map((x) => [x.ttl, x.attempt, x.addr]), [
    [1, 0, '192.0.2.1'], [1, 1, '192.0.2.1'], [1, 2, '192.0.2.1'],
    [2, 0, '192.0.2.33'], [2, 1, null], [2, 2, '192.0.2.33'],
    [3, 0, null], [3, 1, null], [3, 2, null],
    [4, 0, '198.51.100.7'], [4, 1, '198.51.100.7'], [4, 2, '198.51.100.1'],
  ]);
  assert.ok(r.records.every((x) => x.flowId === 3 && x.src === '192.0.2.10' && x.sentAt === 1700000000000 && x.proto === 'udp' && x.size === 76 && x.run === 'atlas-5001-42-1700000000'));
  const hop2 = r.records[3];
  assert.deepEqual(hop2.mpls, [{ label: 16005, tc: 0, s: false, ttl: 1 }, { label: 299792, tc: 5, s: true, ttl: 1 }]);
  assert.deepEqual([hop2.kind, hop2.icmpType, hop2.icmpCode, hop2.quotedTtl, hop2.quotedTos, hop2.replyTtl, hop2.replySize], ['time-exceeded', 11, 0, 2, 4, 253, 168]);
  assert.deepEqual([r.records[0].quotedTtl, r.records[0].quotedTos, r.records[0].replySize], [1, 0, 56], 'ittl omitted = 1, itos omitted = 0');
  assert.deepEqual(r.records.slice(9).map((x) => [x.kind, x.icmpType, x.icmpCode, x.mtu, x.quotedTtl]), [
    ['port-unreachable', 3, 3, null, 1], ['unreachable', 3, 13, null, 1], ['frag-needed', 3, 4, 1400, 1],
  ]);
  const m = r.meta.results[0];
  assert.deepEqual(m.lateReplies, [{ hop: 2, addr: '192.0.2.33', rttMs: null, replyTtl: 253, lateBy: 1, answers: { ttl: 2, attempt: 1 } }]);
  assert.deepEqual(m.duplicateReplies.map((d) => [d.hop, d.addr, d.rttMs]), [[2, '192.0.2.33', 9.4]]);
  assert.deepEqual([m.destinationReplied, m.dstName, m.from, m.endtime, m.protoAssumed, m.where], [true, 'target.example', '203.0.113.5', 1700000004, false, { index: 0 }]);
  const hops = hopTable(r.records);
  assert.deepEqual(hops.map((h) => [h.ttl, h.sent, h.answered]), [[1, 3, 3], [2, 3, 2], [3, 3, 0], [4, 3, 3]]);
});

test('Atlas IPv6 ICMP and TCP, one result per line: echo reply, h / numeric err, hop 255, TCP flags; the same from an array', () => {
  const lines = `${JSON.stringify(v6)}\n\n${JSON.stringify(tcp)}\n`;
  const r = parseAtlasTraceroute(lines);
  assert.deepEqual(r.errors, []);
  assert.deepEqual(parseAtlasTraceroute(JSON.stringify([v6, tcp])).records, r.records);
  const six = r.records.filter((x) => x.ipVersion === 6);
  assert.deepEqual(six.map((x) => [x.ttl, x.addr, x.kind, x.icmpType, x.icmpCode, x.quotedTtl, x.replySize]), [
    [1, '2001:db8::1', 'time-exceeded', 3, 0, 1, 104],
    [2, '2001:db8::5', 'unreachable', 1, 2, 1, 104],
    [2, '2001:db8::5', 'unreachable', 1, 9, 1, 104],
    [3, '2001:db8:99::1', 'echo-reply', 129, 0, null, 104],
    [255, null, null, null, null, null, null],
  ]);
  assert.ok(six.every((x) => x.proto === 'icmp' && x.size === 96 && x.flowId === 7));
  assert.equal(r.meta.results[0].emptyEntries, 1);
  const t = r.records.filter((x) => x.proto === 'tcp');
  assert.deepEqual(t.map((x) => [x.ttl, x.kind, x.tcpFlags, x.icmpType, x.quotedTtl, x.size, x.replySize]), [
    [1, 'time-exceeded', null, 11, 1, null, 56], [2, 'tcp-synack', 0x12, null, null, null, 40], [2, 'tcp-rst', 0x04, null, null, null, 40],
  ]);
  assert.deepEqual(r.meta.results.map((m) => m.where), [{ line: 1 }, { line: 3 }]);
});

test('Atlas measurement errors and other types are kept in the meta, not taken for bad input', () => {
  const failed = { ...v4, result: [{ hop: 1, result: [{ error: 'sendto failed: Operation not permitted' }] }, { hop: 2, error: 'sendto failed: No route to host' }] };
  const unresolved = { fw: 5080, af: 4, dst_name: 'nowhere.example', error: 'name resolution failed', msm_id: 1, prb_id: 2, timestamp: 3, type: 'traceroute' };
  const r = parseAtlasTraceroute([JSON.stringify(failed), JSON.stringify({ type: 'ping', dst_addr: '192.0.2.1' }), JSON.stringify(unresolved)].join('\n'));
  assert.deepEqual(r.errors, []);
  assert.deepEqual(r.records, []);
  assert.deepEqual(r.meta.results.map((m) => m.measurementErrors), [
    [{ hop: 1, message: 'sendto failed: Operation not permitted' }, { hop: 2, message: 'sendto failed: No route to host' }],
    [{ hop: null, message: 'name resolution failed' }],
  ]);
  assert.deepEqual(r.meta.skipped, [{ where: { line: 2 }, type: 'ping' }]);
});

test('Atlas malformed input: each bad result reported with its line and skipped whole; fail mode names the line', () => {
  const bad = (result: unknown[]) => JSON.stringify({ ...v6, result });
  const text = [
    JSON.stringify(v6),
    '{not json',
    JSON.stringify({ type: 'traceroute', result: [] }),
    JSON.stringify({ ...v6, af: 4 }),
    bad([{ hop: 1, result: [{ from: 'router-1', rtt: 1 }] }]),
    bad([{ hop: 1, result: [{ from: '2001:db8::1', rtt: 1, err: 'Q' }] }]),
    bad([{ result: [] }]),
    bad([{ hop: 1, result: [{ from: '2001:db8::1', rtt: 1 }] }, { hop: 2, result: [{ rtt: 2 }] }]),
    JSON.stringify({ fw: 1, msm_id: 6001, prb_id: 21, result: 'traceroute to 2001:db8::1 ...', timestamp: 1 }),
    '"a string"',
  ].join('\n');
  const r = parseAtlasTraceroute(text);
  assert.deepEqual(r.errors.map((e) => e.line), [2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(r.errors.slice(1, 9).map((e) => e.message), [
    'traceroute result without dst_addr / result[]',
    'af 4 but dst_addr 2001:db8:99::1 is IPv6',
    'hop 1: from "router-1" is not an address',
    'hop 1: err "Q" is not an IPv6 Atlas error',
    'hop without a number',
    'hop 2: a reply with neither "from" nor "x"',
    'firmware 1 result (traceroute text in "result"): not supported',
    'not a JSON object',
  ]);
  assert.equal(r.records.length, 5, 'only the good result, none of the bad ones half-imported');
  assert.throws(() => parseAtlasTraceroute(text, { onError: 'fail' }), (e: unknown) => e instanceof ImportFailure && /^atlas: line 2: not JSON/.test(e.message));
  assert.throws(() => parseAtlasTraceroute('[{"type": "traceroute"}]', { onError: 'fail' }), /atlas: item 0: traceroute result without dst_addr/);
});
