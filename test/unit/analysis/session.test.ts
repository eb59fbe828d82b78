import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareSessionToSyn } from '../../../lib/analysis';
import { parseSsRetrans } from '../../../lib/probe/session';
import { parseFlags } from '../../../lib/cli/session-command';
import { makeRecord, probeFields } from '../../../lib/record';

const rec = (ttl: number, addr: string | null) =>
  makeRecord(probeFields({ ttl, proto: 'tcp', ipVersion: 4, dst: '198.18.4.2' }), addr ? { addr, kind: 'time-exceeded', rttMs: 1 } : {});

test('the hop after the last one the session reached, as the SYN trace saw it, is the suspect', () => {
  const syn = [rec(1, 'A'), rec(2, 'FW'), rec(3, 'C'), rec(4, 'D')];
  assert.deepEqual(compareSessionToSyn(syn, [rec(1, 'A'), rec(2, null), rec(3, null)]), { lastSessionTtl: 1, diverges: true, suspectTtl: 2, suspect: 'FW' });
  assert.deepEqual(compareSessionToSyn(syn, [rec(1, null), rec(2, null)]), { lastSessionTtl: null, diverges: true, suspectTtl: 1, suspect: 'A' });
  assert.equal(compareSessionToSyn(syn, syn).diverges, false);
});

test('ss retransmission counters and probe flags', () => {
  assert.deepEqual(parseSsRetrans('0 1 198.18.1.1:47550 198.18.4.2:9\n\t bbr rto:1632 retrans:1/4 lost:1'), { current: 1, total: 4 });
  assert.deepEqual(parseSsRetrans('0 0 198.18.1.1:1 198.18.4.2:9\n\t cubic rto:204'), { current: 0, total: 0 });
  assert.equal(parseSsRetrans(''), null);
  assert.equal(parseFlags('push,ack'), 0x18);
  assert.equal(parseFlags('ACK'), 0x10);
  assert.throws(() => parseFlags('push,bogus'), /--flags must be a comma-separated list of .*got "bogus"/);
});
