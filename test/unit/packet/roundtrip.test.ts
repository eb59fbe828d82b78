import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  bytesToIpv6, ipv6ToBytes, emitIpv4, parseIpv4, emitIpv6, parseIpv6, emitUdp, parseUdp, udpChecksumValid,
  emitTcp, parseTcp, emitIcmp, parseIcmp, icmpChecksumValid, echoRest, echoIds, TCP_FLAGS, internetChecksum,
  type TcpOption,
} from '../../../lib/packet';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

test('IPv6 text form matches node and round-trips through bytes', () => {
  for (const a of ['2001:db8::1', '::1', '::', 'fe80::a00:27ff:fe2a:3427', '2001:db8:0:1:0:0:0:1', '1:0:0:2:0:0:0:3', '::ffff:1.2.3.4']) {
    const b = ipv6ToBytes(a);
    const text = bytesToIpv6(b);
    assert.deepEqual(ipv6ToBytes(text), b, a);
  }
  assert.equal(bytesToIpv6(ipv6ToBytes('2001:db8:0:1:0:0:0:1')), '2001:db8:0:1::1');
  assert.equal(bytesToIpv6(ipv6ToBytes('1:0:0:2:0:0:0:3')), '1:0:0:2::3');
});

test('IPv4 header: emit then parse gives the fields back, bytes round-trip, checksum valid', () => {
  const payload = Uint8Array.from([1, 2, 3, 4]);
  const options = Uint8Array.from([0x01, 0x01, 0x01, 0x00]);
  const bytes = emitIpv4({ src: '198.18.0.1', dst: '198.18.5.9', protocol: 17, ttl: 7, id: 0xbeef, tos: 0x10, df: true, options }, payload);
  const p = parseIpv4(bytes);
  assert.ok(p.ok);
  const h = p.value.header;
  assert.deepEqual(
    [h.headerLength, h.totalLength, h.ttl, h.id, h.tos, h.df, h.mf, h.protocol, h.src, h.dst],
    [24, 28, 7, 0xbeef, 0x10, true, false, 17, '198.18.0.1', '198.18.5.9'],
  );
  assert.deepEqual(h.options, options);
  assert.ok(p.value.checksumValid);
  assert.deepEqual(p.value.payload, payload);
  assert.equal(hex(emitIpv4(h, p.value.payload)), hex(bytes));
});

test('IPv6 header: traffic class, flow label, hop limit; extension headers are skipped', () => {
  const inner = Uint8Array.from([9, 9, 9, 9, 9, 9, 9, 9]);
  const bytes = emitIpv6({ src: '2001:db8::1', dst: '2001:db8:5::9', nextHeader: 17, hopLimit: 3, trafficClass: 0xb8, flowLabel: 0xabcde }, inner);
  const p = parseIpv6(bytes);
  assert.ok(p.ok);
  assert.deepEqual([p.value.header.trafficClass, p.value.header.flowLabel, p.value.header.hopLimit, p.value.protocol], [0xb8, 0xabcde, 3, 17]);
  assert.equal(hex(emitIpv6(p.value.header, p.value.payload)), hex(bytes));
  // A destination-options header (8 bytes) in front of UDP.
  const withExt = emitIpv6({ src: '2001:db8::1', dst: '2001:db8::2', nextHeader: 60 }, Uint8Array.from([17, 0, 1, 4, 0, 0, 0, 0, ...inner]));
  const q = parseIpv6(withExt);
  assert.ok(q.ok);
  assert.deepEqual([q.value.protocol, q.value.extensions, q.value.payload.length], [17, [60], 8]);
});

test('UDP: checksum over the pseudo-header verifies for IPv4 and IPv6; parse/emit round-trip', () => {
  for (const [src, dst] of [['198.18.0.1', '198.18.0.2'], ['2001:db8::1', '2001:db8::2']]) {
    const d = emitUdp({ sport: 40000, dport: 33434 }, Uint8Array.from([0, 1, 2]), src, dst);
    assert.ok(udpChecksumValid(d, src, dst));
    const p = parseUdp(d);
    assert.ok(p.ok);
    assert.deepEqual([p.value.header.sport, p.value.header.dport, p.value.header.length], [40000, 33434, 11]);
    assert.equal(hex(emitUdp(p.value.header, p.value.payload, src, dst)), hex(d));
  }
});

test('TCP: flags and every option kind round-trip', () => {
  const options: TcpOption[] = [
    { kind: 'mss', value: 1460 },
    { kind: 'sack-permitted' },
    { kind: 'timestamps', value: 0x01020304, echo: 0xa0b0c0d0 },
    { kind: 'nop' },
    { kind: 'window-scale', shift: 7 },
    { kind: 'sack', blocks: [[1000, 2000]] },
    { kind: 'unknown', type: 30, data: Uint8Array.from([1, 2]) },
  ];
  const seg = emitTcp({ sport: 1234, dport: 80, seq: 0xfffffff0, ack: 42, flags: TCP_FLAGS.PSH | TCP_FLAGS.ACK, window: 502, options }, new Uint8Array(3), '198.18.0.1', '198.18.0.2');
  const p = parseTcp(seg);
  assert.ok(p.ok);
  const h = p.value.header;
  assert.deepEqual([h.sport, h.dport, h.seq, h.ack, h.flags, h.window], [1234, 80, 0xfffffff0, 42, 0x18, 502]);
  assert.deepEqual(h.options.slice(0, options.length), options);
  assert.equal(hex(emitTcp(h, p.value.payload, '198.18.0.1', '198.18.0.2')), hex(seg));
  assert.equal(internetChecksum(Uint8Array.from([0x01]), Uint8Array.from([0x02]), Uint8Array.from([0x03, 0x04])), internetChecksum(Uint8Array.from([1, 2, 3, 4])));
});

test('ICMP and ICMPv6 echo: id/seq, checksum with and without pseudo-header', () => {
  const v4 = emitIcmp({ type: 8, code: 0, rest: echoRest(0x1234, 7), body: new Uint8Array(4) });
  assert.ok(icmpChecksumValid(v4));
  const p = parseIcmp(v4, 4);
  assert.ok(p.ok);
  assert.deepEqual(echoIds(p.value), { id: 0x1234, seq: 7 });
  assert.equal(hex(emitIcmp(p.value)), hex(v4));
  const addrs = { src: '2001:db8::1', dst: '2001:db8::2' };
  const v6 = emitIcmp({ type: 128, code: 0, rest: echoRest(1, 2), body: new Uint8Array(0) }, addrs);
  assert.ok(icmpChecksumValid(v6, addrs));
  assert.ok(!icmpChecksumValid(v6, { src: '2001:db8::3', dst: '2001:db8::2' }));
});
