import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SocketAddress } from 'node:net';
import {
  bytesToIpv6, ipv6ToBytes, emitIpv4, parseIpv4, emitIpv6, parseIpv6, emitUdp, parseUdp, udpChecksumValid,
  emitTcp, parseTcp, emitIcmp, parseIcmp, icmpChecksumValid, echoRest, echoIds, TCP_FLAGS, internetChecksum, onesSum,
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

test('IPv6 text form is exactly what Node prints, for 20,000 addresses rich in zero runs and embedded IPv4', () => {
  let seed = 12345;
  const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let i = 0; i < 20_000; i++) {
    const b = new Uint8Array(16);
    for (let g = 0; g < 8; g++) {
      const r = rand();
      const v = r < 0.55 ? 0 : r < 0.6 ? 0xffff : Math.floor(rand() * 0x10000) >> (rand() < 0.5 ? 8 : 0);
      b[g * 2] = v >> 8;
      b[g * 2 + 1] = v & 0xff;
    }
    if (i % 7 === 0) b.fill(0, 0, 10), b.fill(0xff, 10, 12); // IPv4-mapped
    const text = bytesToIpv6(b);
    const node = new SocketAddress({ address: text, family: 'ipv6' }).address;
    assert.equal(text, node, hex(b));
    assert.deepEqual(ipv6ToBytes(text), b);
  }
  assert.equal(bytesToIpv6(ipv6ToBytes('::ffff:198.18.0.1')), '::ffff:198.18.0.1');
  assert.deepEqual([...ipv6ToBytes('fe80::1%eth0').subarray(0, 2)], [0xfe, 0x80]);
});

test('IPv6 extension headers: hop-by-hop, routing, AH, destination options and fragment are walked and kept', () => {
  const udp = emitUdp({ sport: 1, dport: 2 }, Uint8Array.from([7, 7]), '2001:db8::1', '2001:db8::2');
  const hbh = Uint8Array.from([43, 0, 5, 2, 0, 0, 1, 0]); // next routing; router alert + PadN
  const rt = Uint8Array.from([51, 0, 4, 0, 0, 0, 0, 0]); // next AH; type 4, segments left 0
  const ah = Uint8Array.from([60, 4, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]); // (4+2)*4 = 24 bytes
  const dst = Uint8Array.from([44, 0, 1, 4, 0, 0, 0, 0]); // next fragment; PadN
  const frag = Uint8Array.from([17, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef]); // offset 0, more
  const body = Uint8Array.from([...hbh, ...rt, ...ah, ...dst, ...frag, ...udp]);
  const bytes = emitIpv6({ src: '2001:db8::1', dst: '2001:db8::2', nextHeader: 0 }, body);
  const p = parseIpv6(bytes);
  assert.ok(p.ok);
  assert.deepEqual(p.value.extensions, [0, 43, 51, 60, 44]);
  assert.deepEqual(p.value.extensionHeaders.map((e) => e.bytes.length), [8, 8, 24, 8, 8]);
  assert.deepEqual(p.value.fragment, { offset: 0, more: true, id: 0xdeadbeef });
  assert.deepEqual([p.value.protocol, hex(p.value.payload)], [17, hex(udp)]);
  assert.equal(hex(emitIpv6(p.value.header, p.value.body)), hex(bytes));
  // A later fragment: the walk stops at the fragment header; what follows is data.
  const later = emitIpv6({ src: '2001:db8::1', dst: '2001:db8::2', nextHeader: 44 }, Uint8Array.from([17, 0, 0x05, 0x00, 0, 0, 0, 9, 60, 1, 2, 3]));
  const l = parseIpv6(later);
  assert.ok(l.ok);
  assert.deepEqual([l.value.fragment?.offset, l.value.fragment?.more, l.value.protocol, l.value.payload.length], [1280, false, 17, 4]);
  // A header running past the packet is a typed error.
  const cut = parseIpv6(emitIpv6({ src: '::1', dst: '::1', nextHeader: 60 }, Uint8Array.from([17, 3, 0, 0, 0, 0, 0, 0])));
  assert.ok(!cut.ok && cut.error.kind === 'truncated');
});

test('TCP: an option area that does not parse is kept raw, so the header still decodes and round-trips', () => {
  const seg = emitTcp({ sport: 80, dport: 1234, flags: TCP_FLAGS.SYN | TCP_FLAGS.ACK, options: [{ kind: 'mss', value: 1460 }] }, new Uint8Array(0), '198.18.0.1', '198.18.0.2');
  seg[21] = 40; // MSS length byte points past the option area
  const p = parseTcp(seg);
  assert.ok(p.ok);
  assert.deepEqual(p.value.header.options, [{ kind: 'malformed', bytes: Uint8Array.from([2, 40, 0x05, 0xb4]) }]);
  assert.equal(hex(emitTcp(p.value.header, p.value.payload, '198.18.0.1', '198.18.0.2')), hex(seg));
  const bad = parseTcp(Uint8Array.from([...seg.subarray(0, 12), 0x30, ...seg.subarray(13)]));
  assert.ok(!bad.ok && bad.error.kind === 'bad-header');
});

test('IPv4: DF/MF/fragment offset, and emitters refuse fields that would wrap', () => {
  const frag = emitIpv4({ src: '198.18.0.1', dst: '198.18.0.2', protocol: 17, mf: true, fragOffset: 1480, id: 7 }, new Uint8Array(8));
  const p = parseIpv4(frag);
  assert.ok(p.ok);
  assert.deepEqual([p.value.header.df, p.value.header.mf, p.value.header.fragOffset], [false, true, 1480]);
  assert.throws(() => emitIpv4({ src: '198.18.0.1', dst: '198.18.0.2', protocol: 17, ttl: 256 }, new Uint8Array(0)), /ttl 256/);
  assert.throws(() => emitIpv4({ src: '198.18.0.1', dst: '198.18.0.2', protocol: 17, fragOffset: 12 }, new Uint8Array(0)), /multiple of 8/);
  assert.throws(() => emitIpv6({ src: '::1', dst: '::1', nextHeader: 17, flowLabel: 0x100000 }, new Uint8Array(0)), /flow label/);
  assert.throws(() => emitUdp({ sport: 70000, dport: 1 }, new Uint8Array(0), '198.18.0.1', '198.18.0.2'), /source port/);
  assert.throws(() => emitIpv4({ src: '198.18.0.300', dst: '198.18.0.2', protocol: 17 }, new Uint8Array(0)), /not an IPv4 address/);
  // TCP sequence numbers wrap modulo 2^32 by design.
  const t = parseTcp(emitTcp({ sport: 1, dport: 2, seq: 2 ** 32 + 5 }, new Uint8Array(0), '198.18.0.1', '198.18.0.2'));
  assert.ok(t.ok && t.value.header.seq === 5);
});

test('checksums: the word-at-a-time path agrees with byte-by-byte summing at every alignment and length', () => {
  let seed = 99;
  const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const slow = (b: Uint8Array, init: number) => {
    let s = init;
    for (let i = 0; i + 1 < b.length; i += 2) s += (b[i] << 8) | b[i + 1];
    if (b.length & 1) s += b[b.length - 1] << 8;
    while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
    return s;
  };
  for (let n = 0; n < 3000; n++) {
    const buf = new Uint8Array(2 + Math.floor(rand() * 1600));
    for (let i = 0; i < buf.length; i++) buf[i] = rand() < 0.3 ? 0xff : Math.floor(rand() * 256);
    const view = buf.subarray(Math.floor(rand() * 2));
    const init = Math.floor(rand() * 0x30000);
    assert.equal(onesSum(view, init), slow(view, init), `length ${view.length}, offset ${view.byteOffset}`);
  }
});

test('TCP: the AE (ex-NS) bit and reserved bits of byte 12 are flags too; quotes read them', () => {
  const seg = emitTcp({ sport: 1, dport: 2, flags: TCP_FLAGS.AE | TCP_FLAGS.CWR | TCP_FLAGS.ECE | TCP_FLAGS.SYN }, new Uint8Array(0), '198.18.0.1', '198.18.0.2');
  assert.equal(seg[12], 0x51);
  const p = parseTcp(seg);
  assert.ok(p.ok);
  assert.equal(p.value.header.flags, 0x1c2);
  assert.equal(hex(emitTcp(p.value.header, p.value.payload, '198.18.0.1', '198.18.0.2')), hex(seg));
  const udp = emitUdp({ sport: 1, dport: 2, checksum: 0 }, new Uint8Array(2), '198.18.0.1', '198.18.0.2');
  assert.ok(udpChecksumValid(udp, '198.18.0.1', '198.18.0.2'), 'IPv4 UDP checksum 0 means none');
});
