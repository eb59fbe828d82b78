import { test } from 'node:test';
import assert from 'node:assert/strict';
import { probeIdAt } from '../../../lib/probe/ids';
import { buildProbe } from '../../../lib/probe/codec';
import { resolveTraceOptions, traceProbeSpec } from '../../../lib/probe/trace';

test('probe ids run 1..65535 and wrap without 0, so every block start works', () => {
  assert.deepEqual([0, 1, 2].map((n) => probeIdAt(0xfffd, n)), [0xfffe, 0xffff, 1]);
  const seen = new Set<number>();
  for (let n = 0; n < 0xffff; n++) seen.add(probeIdAt(0x1234, n));
  assert.equal(seen.size, 0xffff);
  assert.ok(!seen.has(0));
});

test('a trace whose id block wraps still builds every IPv6 UDP probe, and classic ports wrap within 1..65535', async () => {
  const t = await resolveTraceOptions('::1', { sport: 40000 });
  for (let n = 0; n < 6; n++) {
    const spec = traceProbeSpec(t, 1, n, n, 0xffff - 3);
    assert.notEqual(spec.checksum, 0);
    buildProbe(spec); // IPv6 UDP cannot carry checksum 0: this threw for probe id 0
  }
  const c = await resolveTraceOptions('::1', { method: 'classic', port: 65534 });
  assert.deepEqual([0, 1, 2, 3].map((n) => traceProbeSpec(c, 1, n, n, 7).dport), [65534, 65535, 1, 2]);
});

test('an IPv4 probe with IP-ID 0 records it as unknown (the kernel chooses one)', () => {
  const base = { ipVersion: 4 as const, proto: 'icmp' as const, src: '127.0.0.1', dst: '127.0.0.1', ttl: 1, icmpId: 1, icmpSeq: 1 };
  assert.equal(buildProbe({ ...base, ipId: 0 }).fields.probeIpId, null);
  assert.equal(buildProbe({ ...base, ipId: 77 }).fields.probeIpId, 77);
});

test('a trace\'s TCP probe is a SYN like a real one: MSS, SACK permitted, timestamps, window scale, no data', async () => {
  const { parseIpv4, parseTcp } = await import('../../../lib/packet');
  const t = await resolveTraceOptions('127.0.0.1', { proto: 'tcp' });
  const d = buildProbe(traceProbeSpec(t, 3, 0, 0, 100)).datagram;
  assert.equal(d.length, 60);
  const ip = parseIpv4(d);
  assert.ok(ip.ok);
  const tcp = parseTcp(ip.value.payload);
  assert.ok(tcp.ok);
  assert.deepEqual(tcp.value.header.options.map((o) => o.kind), ['mss', 'sack-permitted', 'timestamps', 'nop', 'window-scale']);
  assert.equal(tcp.value.payload.length, 0);
  const small = await resolveTraceOptions('127.0.0.1', { proto: 'tcp', size: 40 });
  assert.equal(buildProbe(traceProbeSpec(small, 3, 0, 0, 100)).datagram.length, 40, 'too small for options: a bare SYN');
});
