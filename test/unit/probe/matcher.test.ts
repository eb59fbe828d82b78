import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildProbe, decodePacket } from '../../../lib/probe/codec';
import { traceProbeSpec, resolveTraceOptions } from '../../../lib/probe/trace';
import type { ProbeSpec } from '../../../lib/probe/spec';
import { emitIcmp, emitIpv4, emitIpv6, emitTcp, TCP_FLAGS, buildIcmpEchoProbe, parseIpv6 } from '../../../lib/packet';

const SRC4 = '198.18.1.1';
const DST4 = '198.18.5.2';
const ROUTER4 = '198.18.2.2';

/** What a router sends back for a probe: time-exceeded quoting the first 28 bytes (or 48 for IPv6). */
function timeExceeded(datagram: Uint8Array, v: 4 | 6): { bytes: Uint8Array; from: string } {
  if (v === 4) {
    const icmp = emitIcmp({ type: 11, code: 0, rest: 0, body: datagram.slice(0, 28) });
    return { bytes: emitIpv4({ src: ROUTER4, dst: SRC4, protocol: 1, ttl: 63 }, icmp), from: ROUTER4 };
  }
  const icmp = emitIcmp({ type: 3, code: 0, rest: 0, body: datagram.slice(0, 48) }, { src: '2001:db8:2::2', dst: '2001:db8:1::1' });
  return { bytes: icmp, from: '2001:db8:2::2' };
}

const specs: ProbeSpec[] = [
  { ipVersion: 4, proto: 'udp', src: SRC4, dst: DST4, ttl: 2, sport: 40000, dport: 33434, checksum: 777, probeId: 777 },
  { ipVersion: 4, proto: 'icmp', src: SRC4, dst: DST4, ttl: 2, icmpId: 4242, icmpSeq: 9, checksum: 0x1111 },
  { ipVersion: 4, proto: 'tcp', src: SRC4, dst: DST4, ttl: 2, sport: 40001, dport: 80, tcpSeq: 123456 },
  { ipVersion: 6, proto: 'udp', src: '2001:db8:1::1', dst: '2001:db8:5::2', ttl: 2, sport: 40000, dport: 33434, checksum: 5 },
  { ipVersion: 6, proto: 'icmp', src: '2001:db8:1::1', dst: '2001:db8:5::2', ttl: 2, icmpId: 1, icmpSeq: 2 },
  { ipVersion: 6, proto: 'tcp', src: '2001:db8:1::1', dst: '2001:db8:5::2', ttl: 2, sport: 40001, dport: 80, tcpSeq: 99 },
];

for (const spec of specs) {
  test(`matcher: a time-exceeded quoting an IPv${spec.ipVersion} ${spec.proto} probe carries that probe's key, and only its`, () => {
    const built = buildProbe(spec);
    const reply = timeExceeded(built.datagram, spec.ipVersion);
    const d = decodePacket({ ipVersion: spec.ipVersion, proto: 'icmp', bytes: reply.bytes, from: reply.from, hopLimit: 61 });
    assert.ok(d.ok);
    assert.ok(d.keys.some((k) => built.keys.includes(k)), `${d.keys} vs ${built.keys}`);
    assert.equal(d.reply.kind, 'time-exceeded');
    assert.equal(d.reply.quotedTtl, spec.ttl);
    if (spec.ipVersion === 6) assert.equal(d.reply.replyTtl, 61);
    // The same probe with another probe id must not match.
    const other = buildProbe({ ...spec, checksum: spec.checksum === undefined ? undefined : spec.checksum + 1, icmpSeq: (spec.icmpSeq ?? 0) + 1, tcpSeq: (spec.tcpSeq ?? 0) + 1 });
    assert.ok(!d.keys.some((k) => other.keys.includes(k)));
  });
}

test('matcher: a TCP RST is matched by the sequence number it acknowledges (payload included), a SYN-ACK by the SYN alone', () => {
  const spec: ProbeSpec = { ipVersion: 4, proto: 'tcp', src: SRC4, dst: DST4, ttl: 9, sport: 40001, dport: 80, tcpSeq: 1000, size: 60 };
  const built = buildProbe(spec); // 20 payload bytes: a RST acknowledges 1000 + 1 + 20, a SYN-ACK 1000 + 1
  const answer = (flags: number, ack: number) => {
    const seg = emitTcp({ sport: 80, dport: 40001, seq: 5, ack, flags }, new Uint8Array(0), DST4, SRC4);
    const d = decodePacket({ ipVersion: 4, proto: 'tcp', bytes: emitIpv4({ src: DST4, dst: SRC4, protocol: 6, ttl: 60 }, seg), from: DST4 });
    assert.ok(d.ok);
    return d.keys.some((k) => built.keys.includes(k));
  };
  const RST = TCP_FLAGS.RST | TCP_FLAGS.ACK;
  const SYNACK = TCP_FLAGS.SYN | TCP_FLAGS.ACK;
  assert.equal(answer(RST, 1021), true);
  assert.equal(answer(SYNACK, 1001), true);
  assert.equal(answer(RST, 1001), false);
  assert.equal(answer(SYNACK, 1021), false);
  assert.equal(answer(RST, 1020), false);
  // Two SYNs whose RST and SYN-ACK acknowledgements coincide (seq 1000 with 20 bytes, seq 1020) do not clash.
  const other = buildProbe({ ...spec, tcpSeq: 1020 });
  assert.ok(!other.keys.some((k) => built.keys.includes(k)));
});

test('matcher: an echo reply from another address than the probed one is not taken', () => {
  const spec: ProbeSpec = { ipVersion: 6, proto: 'icmp', src: '2001:db8:1::1', dst: '2001:db8:5::2', ttl: 64, icmpId: 7, icmpSeq: 8 };
  const built = buildProbe(spec);
  const reply = buildIcmpEchoProbe({ src: '2001:db8:9::9', dst: '2001:db8:1::1', ttl: 60, id: 7, seq: 8 });
  const p = parseIpv6(reply);
  assert.ok(p.ok);
  const bytes = p.value.payload.slice();
  bytes[0] = 129; // echo reply
  const d = decodePacket({ ipVersion: 6, proto: 'icmp', bytes, from: '2001:db8:9::9' });
  assert.ok(d.ok);
  assert.ok(!d.keys.some((k) => built.keys.includes(k)));
});

test('malformed and unrelated packets are told apart (malformed vs foreign)', () => {
  assert.deepEqual(decodePacket({ ipVersion: 4, proto: 'icmp', bytes: new Uint8Array([0x45, 0, 0]), from: ROUTER4 }), { ok: false, malformed: true });
  // Not ours: an echo request (any ping seen by a raw socket).
  const request = emitIpv4({ src: ROUTER4, dst: SRC4, protocol: 1 }, emitIcmp({ type: 8, code: 0, rest: 0x00010002, body: new Uint8Array(8) }));
  assert.deepEqual(decodePacket({ ipVersion: 4, proto: 'icmp', bytes: request, from: ROUTER4 }), { ok: false, malformed: false });
  // Damaged: a time-exceeded whose quote is cut short, and one whose checksum does not verify.
  const probe = buildProbe({ ipVersion: 4, proto: 'udp', src: SRC4, dst: DST4, ttl: 1, sport: 1, dport: 2, checksum: 3 }).datagram;
  const cut = emitIpv4({ src: ROUTER4, dst: SRC4, protocol: 1 }, emitIcmp({ type: 11, code: 0, rest: 0, body: probe.slice(0, 6) }));
  assert.deepEqual(decodePacket({ ipVersion: 4, proto: 'icmp', bytes: cut, from: ROUTER4 }), { ok: false, malformed: true });
  const icmp = emitIcmp({ type: 11, code: 0, rest: 0, body: probe.slice(0, 28) }).slice();
  icmp[3] ^= 1;
  const bad = emitIpv4({ src: ROUTER4, dst: SRC4, protocol: 1 }, icmp);
  assert.deepEqual(decodePacket({ ipVersion: 4, proto: 'icmp', bytes: bad, from: ROUTER4 }), { ok: false, malformed: true });
});

test('trace probe ids: Paris keeps the 5-tuple and varies only the id; classic varies the port', async () => {
  const t = await resolveTraceOptions('127.0.0.1', { sport: 40000 });
  const paris = [0, 1, 2].map((n) => traceProbeSpec(t, 1, n, n, 100));
  assert.deepEqual(new Set(paris.map((s) => `${s.sport}/${s.dport}`)).size, 1);
  assert.deepEqual(paris.map((s) => s.checksum), [101, 102, 103]);
  const c = await resolveTraceOptions('127.0.0.1', { sport: 40000, method: 'classic' });
  assert.deepEqual([0, 1, 2].map((n) => traceProbeSpec(c, 1, n, n, 100).dport), [33434, 33435, 33436]);
  const icmp = await resolveTraceOptions('127.0.0.1', { sport: 40000, proto: 'icmp' });
  const checks = [0, 1, 2].map((n) => buildProbe(traceProbeSpec(icmp, 1, n, n, 100)).datagram).map((d) => (d[22] << 8) | d[23]);
  assert.equal(new Set(checks).size, 1, 'Paris ICMP: one checksum for every probe');
});

test('trace options are validated with the argument named', async () => {
  await assert.rejects(resolveTraceOptions('127.0.0.1', { maxTtl: 0 }), /maxTtl must be an integer from 1 to 255, got 0/);
  await assert.rejects(resolveTraceOptions('127.0.0.1', { queries: 11 }), /queries must be an integer from 1 to 10/);
  await assert.rejects(resolveTraceOptions('127.0.0.1', { size: 20 }), /size must be an integer from 30 to 65000/);
  await assert.rejects(resolveTraceOptions('127.0.0.1', { src: '::1' }), /src must be an IPv4 address of this host/);
  await assert.rejects(resolveTraceOptions('', {}), /target must be an IP address or host name/);
});

test('matcher: any spelling of an IPv6 destination matches the replies quoting it', () => {
  for (const proto of ['udp', 'icmp', 'tcp'] as const) {
    const spec: ProbeSpec = { ipVersion: 6, proto, src: '2001:DB8:1::1', dst: '2001:0DB8:5:0:0:0:0:2', ttl: 2, sport: 40000, dport: 33434, checksum: 9, icmpId: 3, icmpSeq: 4, tcpSeq: 5 };
    const built = buildProbe(spec);
    assert.equal(built.fields.dst, '2001:db8:5::2');
    assert.equal(built.fields.src, '2001:db8:1::1');
    const reply = timeExceeded(built.datagram, 6);
    const d = decodePacket({ ipVersion: 6, proto: 'icmp', bytes: reply.bytes, from: reply.from });
    assert.ok(d.ok && d.keys.some((k) => built.keys.includes(k)), proto);
  }
});
