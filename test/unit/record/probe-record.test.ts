import { test } from 'node:test';
import assert from 'node:assert/strict';
import { makeRecord, probeFields, isAnswered, isTerminal, REPLY_FIELDS } from '../../../lib/record';

test('an unanswered record has every reply field null and survives JSON', () => {
  const r = makeRecord(probeFields({ ttl: 3, proto: 'udp', ipVersion: 4, dst: '10.0.0.1', sport: 40000, dport: 33434 }));
  for (const f of REPLY_FIELDS) assert.equal(r[f], null, f);
  assert.equal(isAnswered(r), false);
  assert.deepEqual(JSON.parse(JSON.stringify(r)), r);
});

test('terminal replies end a trace, time-exceeded does not', () => {
  const p = probeFields({ ttl: 1, proto: 'icmp', ipVersion: 6, dst: 'fd00::1' });
  assert.equal(isTerminal(makeRecord(p, { addr: 'fd00::2', kind: 'time-exceeded' })), false);
  assert.equal(isTerminal(makeRecord(p, { addr: 'fd00::1', kind: 'echo-reply' })), true);
  assert.equal(isTerminal(makeRecord(p, { addr: 'fd00::1', kind: 'port-unreachable' })), true);
});
