import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatHop, annotation } from '../../../lib/cli/trace-format';
import { parseArgs, UsageError } from '../../../lib/cli/args';
import { TRACE_OPTIONS, traceOptionsFromArgs } from '../../../lib/cli/trace-command';
import { makeRecord, probeFields, type ProbeRecord } from '../../../lib/record';

const p = (attempt: number, v: 4 | 6 = 4) => probeFields({ ttl: 2, proto: 'udp', ipVersion: v, dst: '198.18.9.9', attempt });

test('a hop line: responder, RTTs, a change of responder printed before its RTTs, * for silence', () => {
  const records: ProbeRecord[] = [
    makeRecord(p(0), { addr: '198.18.2.1', rttMs: 0.2921, kind: 'time-exceeded' }),
    makeRecord(p(1), { addr: '198.18.2.2', rttMs: 1.5, kind: 'time-exceeded' }),
    makeRecord(p(2)),
    makeRecord(p(3), { addr: '198.18.2.2', rttMs: 10, kind: 'time-exceeded' }),
  ];
  assert.equal(formatHop(2, records, () => null), ' 2  198.18.2.1  0.292 ms  198.18.2.2  1.500 ms  *  10.000 ms');
  assert.equal(formatHop(12, [records[0]], (a) => (a === '198.18.2.1' ? 'r1.lab' : null)), '12  r1.lab (198.18.2.1)  0.292 ms');
});

test('annotations follow traceroute: !H !N !P !X !F-mtu, and !<code> otherwise', () => {
  const un = (code: number, v: 4 | 6 = 4) => makeRecord(p(0, v), { addr: 'x', rttMs: 1, kind: 'unreachable', icmpCode: code });
  assert.deepEqual([1, 0, 2, 13, 14, 15, 7].map((c) => annotation(un(c))), [' !H', ' !N', ' !P', ' !X', ' !V', ' !C', ' !7']);
  assert.deepEqual([0, 1, 3, 2].map((c) => annotation(un(c, 6))), [' !N', ' !X', ' !H', ' !2']);
  assert.equal(annotation(makeRecord(p(0), { addr: 'x', rttMs: 1, kind: 'frag-needed', mtu: 1454 })), ' !F-1454');
  assert.equal(annotation(makeRecord(p(0), { addr: 'x', rttMs: 1, kind: 'port-unreachable', icmpCode: 3 })), '');
});

test('options: short and long forms, ranges named in errors, -4/-6 and protocol conflicts', () => {
  const a = parseArgs(['-6', '-q', '2', '--proto=tcp', '-w', '0.5', 'host'], TRACE_OPTIONS);
  assert.deepEqual(a.positional, ['host']);
  assert.deepEqual(traceOptionsFromArgs(a.values), { proto: 'tcp', ipVersion: 6, queries: 2, waitMs: 500 });
  assert.throws(() => parseArgs(['-q', 'x'], TRACE_OPTIONS), /-q must be an integer from 1 to 10, got "x"/);
  assert.throws(() => parseArgs(['-f', '0'], TRACE_OPTIONS), /-f must be an integer from 1 to 255, got 0/);
  assert.throws(() => parseArgs(['--bogus'], TRACE_OPTIONS), UsageError);
  assert.throws(() => parseArgs(['-m'], TRACE_OPTIONS), /-m needs a value/);
  assert.throws(() => traceOptionsFromArgs(parseArgs(['-4', '-6'], TRACE_OPTIONS).values), /-4 and -6 exclude each other/);
  assert.throws(() => traceOptionsFromArgs(parseArgs(['-I', '-T'], TRACE_OPTIONS).values), /conflicting protocols/);
});
