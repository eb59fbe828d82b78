/**
 * The recorder's file format and replay without probing (no root needed): a recorded call
 * replays as the same kind of object with the same records, batches and result; calls that
 * were not recorded, or are now made differently, and damaged recordings are clear errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeRecord, probeFields, type ProbeRecord } from '../../../lib/record';
import { fromJsonl } from '../../../lib/io';
import { formatRecording, parseRecording, recorder, ReplayError, type RecordedCall } from '../../../lib/replay';

function rec(ttl: number, addr: string | null, rttMs: number | null): ProbeRecord {
  const probe = probeFields({ ttl, proto: 'udp', ipVersion: 4, dst: '198.18.5.2', flowId: 0 });
  return addr === null ? makeRecord(probe) : makeRecord(probe, { addr, rttMs, replyTtl: 65 - ttl, kind: 'time-exceeded' });
}

const records = [rec(1, '198.18.1.2', 0.3), rec(1, null, null), rec(2, '198.18.2.2', 0.5), rec(2, '198.18.2.2', 0.6)];
const traceCall: RecordedCall = {
  call: 'first',
  kind: 'trace',
  args: ['198.18.5.2', { queries: 2 }],
  recordedAt: '2026-11-22T17:00:00.000Z',
  records,
  batches: [2, 2],
  result: { type: 'summary', reached: false, lastTtl: 2, probesSent: 4, probesAnswered: 3 },
  settings: { dst: '198.18.5.2', queries: 2 },
};
const pathCall: RecordedCall = {
  call: 'walk',
  kind: 'path',
  args: ['198.18.5.2', {}],
  recordedAt: '2026-11-22T17:00:01.000Z',
  records: records.slice(0, 1),
  batches: [1],
  result: { type: 'path', pmtu: 1500, records: '$records' },
};

function withRecording(calls: RecordedCall[], body: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hopscope-replay-'));
  writeFileSync(join(dir, 'nb.jsonl'), formatRecording(calls));
  return body(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('a recording is hopscope JSON lines: its probe records read back with io.fromJsonl, and it parses back to the same calls', () => {
  const text = formatRecording([traceCall, pathCall]);
  assert.deepEqual(fromJsonl(text).records, [...records, records[0]]);
  assert.deepEqual(fromJsonl(text).errors, []);
  const back = parseRecording(text);
  assert.deepEqual([...back.keys()], ['first', 'walk']);
  assert.deepEqual(back.get('first'), traceCall);
  assert.deepEqual(back.get('walk'), pathCall);
});

test('replay: a trace streams its recorded batches, then its summary and settings; nothing is sent', () =>
  withRecording([traceCall, pathCall], async (dir) => {
    const r = recorder('nb', { dir, mode: 'replay' });
    assert.match(r.describe(), /^replay: .*nb\.jsonl \(2 calls, recorded 2026-11-22T17:00:01\.000Z\); nothing is sent$/);
    const run = r.trace('first', '198.18.5.2', { queries: 2, signal: new AbortController().signal });
    const batches: number[][] = [];
    for await (const b of run.batches()) batches.push(b.map((x) => x.ttl));
    assert.deepEqual(batches, [[1, 1], [2, 2]]);
    assert.deepEqual(await run.summary, traceCall.result);
    assert.deepEqual(await run.settings, traceCall.settings);
    assert.deepEqual(run.records, records);
    const walk = await r.path('walk', '198.18.5.2').result;
    assert.deepEqual(walk, { type: 'path', pmtu: 1500, records: records.slice(0, 1) });
  }));

test('replay: a call not recorded, or made with another target or options, is an error naming what was recorded', () =>
  withRecording([traceCall], async (dir) => {
    const r = recorder('nb', { dir, mode: 'replay' });
    assert.throws(() => r.trace('second', '198.18.5.2'), (e: Error) => e instanceof ReplayError && /no call "second" in .*nb\.jsonl \(it has "first"\); run the notebook live to record it/.test(e.message));
    assert.throws(() => r.trace('first', '198.18.5.2', { queries: 3 }), /call "first" was recorded as trace\("198\.18\.5\.2",\{"queries":2\}\), now it is trace\("198\.18\.5\.2",\{"queries":3\}\)/);
    assert.throws(() => r.mda('first', '198.18.5.2'), /recorded as trace/);
  }));

test('replay: no recording at all is an error that says how to make one, never a silent live run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hopscope-replay-'));
  try {
    assert.throws(() => recorder('nb', { dir, mode: 'replay' }), /there is no recording .*nb\.jsonl; run the notebook once where probing works/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('replay: a call that failed when recorded fails again with its message', () =>
  withRecording([{ ...traceCall, records: [], batches: [], result: undefined, settings: undefined, error: 'probing needs raw sockets' }], async (dir) => {
    const run = recorder('nb', { dir, mode: 'replay' }).trace('first', '198.18.5.2', { queries: 2 });
    await assert.rejects(run.summary, /failed when it was recorded: probing needs raw sockets/);
  }));

test('damaged recordings are refused with the line that is wrong', () => {
  const text = formatRecording([traceCall]);
  const lines = text.trimEnd().split('\n');
  assert.throws(() => parseRecording(lines.slice(0, -1).join('\n'), 'x.jsonl'), /x\.jsonl: call "first" has no end line \(a truncated recording\?\)/);
  assert.throws(() => parseRecording(lines.slice(1).join('\n'), 'x.jsonl'), /x\.jsonl:1: a probe record outside a call/);
  assert.throws(() => parseRecording([lines[0], '{"ttl":1}', ...lines.slice(1)].join('\n'), 'x.jsonl'), /x\.jsonl:2: not a probe record: missing field/);
  assert.throws(() => parseRecording([lines[0], lines[1], lines.at(-1)].join('\n'), 'x.jsonl'), /x\.jsonl:3: batches add up to 4, the call has 1 records/);
  assert.throws(() => parseRecording(text.replace('"format":1', '"format":9'), 'x.jsonl'), /recording format 9, this hopscope reads 1/);
  assert.throws(() => parseRecording('{"type":"call"', 'x.jsonl'), /x\.jsonl:1: not JSON/);
});

test('bad names and modes are refused; HOPSCOPE_REPLAY must be 1 or 0', () => {
  assert.throws(() => recorder('../etc/x', { mode: 'live' }), /recorder name "\.\.\/etc\/x"/);
  assert.throws(() => recorder('nb', { mode: 'sometimes' as never }), /mode "sometimes": record, live or replay/);
  const saved = process.env.HOPSCOPE_REPLAY;
  process.env.HOPSCOPE_REPLAY = 'maybe';
  try {
    assert.throws(() => recorder('nb'), /HOPSCOPE_REPLAY="maybe": expected 1 or 0/);
  } finally {
    if (saved === undefined) delete process.env.HOPSCOPE_REPLAY;
    else process.env.HOPSCOPE_REPLAY = saved;
  }
});

test('live mode writes nothing; the file of a record-mode recorder is created only by a call', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hopscope-replay-'));
  try {
    const r = recorder('nb', { dir, mode: 'live' });
    assert.equal(r.describe(), 'live: probing, nothing recorded');
    assert.match(recorder('nb', { dir, mode: 'record' }).describe(), /^live: probing, every call recorded to .*nb\.jsonl$/);
    assert.throws(() => readFileSync(join(dir, 'nb.jsonl')), /ENOENT/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
