import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildIcmpEchoProbe, buildParisIcmpEchoProbe, buildParisTcpProbe, buildParisUdpProbe, buildTcpProbe, buildUdpProbe,
  decodeIcmpv6Message, decodeIpPacket, echoRest, emitIcmp, emitIpv4, emitTcp, parisIcmpIdSeq, parisProbeIdFromQuote,
  parisProbeIdFromReply, parseIpv4, parseIpv6, parseTcp, transportChecksumOk, TCP_FLAGS, type Reply,
} from '../../../lib/packet';

function transport(datagram: Uint8Array) {
  if (datagram[0] >> 4 === 4) {
    const p = parseIpv4(datagram);
    assert.ok(p.ok);
    return { protocol: p.value.header.protocol, t: p.value.payload, src: p.value.header.src, dst: p.value.header.dst };
  }
  const p = parseIpv6(datagram);
  assert.ok(p.ok);
  return { protocol: p.value.protocol, t: p.value.payload, src: p.value.header.src, dst: p.value.header.dst };
}

const u16 = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];

for (const [src, dst] of [['198.18.0.1', '198.18.9.9'], ['2001:db8::1', '2001:db8:9::9']]) {
  test(`Paris UDP (${src}): the checksum equals the probe id, the 5-tuple stays fixed, the datagram is valid`, () => {
    for (const id of [1, 2, 0x7fff, 0x8000, 0xfffe, 0xffff, 12345]) {
      const d = buildUdpProbe({ src, dst, ttl: 5, sport: 40000, dport: 33434, checksum: id, size: 60 });
      const { t, protocol } = transport(d);
      assert.equal(d.length, 60);
      assert.equal(u16(t, 6), id, `id ${id}`);
      assert.deepEqual([u16(t, 0), u16(t, 2)], [40000, 33434]);
      assert.ok(transportChecksumOk(src, dst, protocol, t), `checksum valid for id ${id}`);
    }
  });

  test(`Paris ICMP echo (${src}): id/seq vary, the checksum stays what balancers hash`, () => {
    const seen = new Set<number>();
    for (let seq = 0; seq < 50; seq++) {
      const d = buildIcmpEchoProbe({ src, dst, ttl: 3, id: 999, seq, checksum: 0x5a5a });
      const { t, protocol } = transport(d);
      seen.add(u16(t, 2));
      assert.equal(u16(t, 6), seq);
      assert.ok(transportChecksumOk(src, dst, protocol, t));
    }
    assert.deepEqual([...seen], [0x5a5a]);
  });

  test(`TCP SYN probe (${src}): seq carries the probe id, checksum valid`, () => {
    const d = buildTcpProbe({ src, dst, ttl: 2, sport: 50000, dport: 80, seq: 0xdeadbeef });
    const { t, protocol } = transport(d);
    assert.equal(((t[4] << 24) | (t[5] << 16) | (t[6] << 8) | t[7]) >>> 0, 0xdeadbeef);
    assert.equal(t[13], 0x02);
    assert.ok(transportChecksumOk(src, dst, protocol, t));
  });
}

test('a size too small for the Paris compensation bytes is refused with a clear message', () => {
  assert.throws(() => buildUdpProbe({ src: '198.18.0.1', dst: '198.18.0.2', ttl: 1, sport: 1, dport: 2, checksum: 5, size: 28 }), /size 28 leaves 0 payload bytes, need 2/);
});

/** A router's time-exceeded quoting the first 28 (v4) / 48 (v6) bytes of a probe. */
function timeExceeded(probe: Uint8Array): Reply {
  const v4 = probe[0] >> 4 === 4;
  const quote = probe.subarray(0, v4 ? 28 : 48);
  const r = v4
    ? decodeIpPacket(emitIpv4({ src: '198.18.1.1', dst: '198.18.0.1', protocol: 1 }, emitIcmp({ type: 11, code: 0, rest: 0, body: quote })))
    : decodeIcmpv6Message(emitIcmp({ type: 3, code: 0, rest: 0, body: quote }, { src: '2001:db8:1::1', dst: '2001:db8::1' }), { src: '2001:db8:1::1' });
  assert.ok(r.ok);
  return r.value;
}

for (const [src, dst] of [['198.18.0.1', '198.18.9.9'], ['2001:db8::1', '2001:db8:9::9']]) {
  test(`Paris helpers (${src}): the probe id comes back from an 8-byte transport quote, for UDP, ICMP and TCP`, () => {
    for (const probeId of [1, 77, 0xfffe]) {
      const udp = buildParisUdpProbe({ src, dst, ttl: 1, sport: 40000, dport: 33434, probeId, size: 60 });
      assert.equal(parisProbeIdFromQuote(timeExceeded(udp).quote!), probeId);
      const icmp = buildParisIcmpEchoProbe({ src, dst, ttl: 1, id: 4242, probeId, flowChecksum: 0x1111 });
      const te = timeExceeded(icmp);
      assert.deepEqual([parisProbeIdFromQuote(te.quote!), te.quote?.icmp?.checksum], [probeId, 0x1111]);
      const tcp = buildParisTcpProbe({ src, dst, ttl: 1, sport: 40000, dport: 80, probeId: 0x10000 + probeId });
      assert.equal(parisProbeIdFromQuote(timeExceeded(tcp).quote!), 0x10000 + probeId);
    }
  });
}

test('Paris ICMP without payload: id and seq vary with a constant ones\'-complement sum, so the checksum stays put', () => {
  const seen = new Set<number>();
  for (let probeId = 0; probeId < 2000; probeId += 7) {
    const { id, seq } = parisIcmpIdSeq(0x8123, probeId);
    assert.equal(seq, probeId);
    const d = buildIcmpEchoProbe({ src: '198.18.0.1', dst: '198.18.9.9', ttl: 4, id, seq, payload: Uint8Array.from([1, 2, 3, 4]) });
    seen.add((d[22] << 8) | d[23]);
  }
  assert.equal(seen.size, 1);
});

test('probe ids from direct answers: echo-reply seq, TCP acknowledgement minus the SYN', () => {
  const echo = decodeIpPacket(emitIpv4({ src: '198.18.9.9', dst: '198.18.0.1', protocol: 1 }, emitIcmp({ type: 0, code: 0, rest: echoRest(4242, 99), body: new Uint8Array(4) })));
  assert.ok(echo.ok);
  assert.equal(parisProbeIdFromReply(echo.value), 99);
  const rst = decodeIpPacket(emitIpv4({ src: '198.18.9.9', dst: '198.18.0.1', protocol: 6 }, emitTcp({ sport: 80, dport: 40000, ack: 0x12340000, flags: TCP_FLAGS.RST | TCP_FLAGS.ACK }, new Uint8Array(0), '198.18.9.9', '198.18.0.1')));
  assert.ok(rst.ok);
  assert.equal(parisProbeIdFromReply(rst.value), 0x1233ffff);
  assert.equal(parisProbeIdFromReply(rst.value, 0), 0x12340000);
});

test('builders: hopLimit / trafficClass / payloadLength aliases, payload after the Paris bytes, TCP options inside size', () => {
  const d6 = buildUdpProbe({ src: '2001:db8::1', dst: '2001:db8::9', hopLimit: 3, trafficClass: 0x20, flowLabel: 0x12345, sport: 1, dport: 2, payloadLength: 10 });
  const p6 = parseIpv6(d6);
  assert.ok(p6.ok);
  assert.deepEqual([p6.value.header.hopLimit, p6.value.header.trafficClass, p6.value.header.flowLabel, p6.value.payload.length], [3, 0x20, 0x12345, 18]);
  const paris = buildUdpProbe({ src: '198.18.0.1', dst: '198.18.0.9', ttl: 1, sport: 1, dport: 2, checksum: 5, payload: Uint8Array.from([0xaa, 0xbb]) });
  assert.deepEqual([...paris.subarray(30)], [0xaa, 0xbb], 'the 2 compensation bytes come first, the payload after them');
  const syn = buildTcpProbe({ src: '198.18.0.1', dst: '198.18.0.9', ttl: 1, sport: 1, dport: 2, seq: 1, size: 64, options: [{ kind: 'mss', value: 1460 }, { kind: 'sack-permitted' }] });
  assert.equal(syn.length, 64);
  const t = parseTcp(syn.subarray(20));
  assert.ok(t.ok);
  assert.deepEqual([t.value.header.headerLength, t.value.payload.length], [28, 16]);
  assert.throws(() => buildUdpProbe({ src: '198.18.0.1', dst: '198.18.0.9', sport: 1, dport: 2 }), /ttl \(or hopLimit\) is required/);
  assert.throws(() => buildUdpProbe({ src: '198.18.0.1', dst: '2001:db8::9', ttl: 1, sport: 1, dport: 2 }), /different families/);
});

test('an unspecified source needs checksumSrc for pseudo-header checksums (not for ICMPv4)', () => {
  assert.throws(() => buildUdpProbe({ src: '0.0.0.0', dst: '198.18.0.9', ttl: 1, sport: 1, dport: 2 }), /checksumSrc/);
  assert.throws(() => buildIcmpEchoProbe({ src: '::', dst: '2001:db8::9', ttl: 1, id: 1, seq: 1 }), /checksumSrc/);
  const d = buildTcpProbe({ src: '0.0.0.0', checksumSrc: '198.18.0.1', dst: '198.18.0.9', ttl: 1, sport: 1, dport: 2, seq: 9 });
  assert.ok(transportChecksumOk('198.18.0.1', '198.18.0.9', 6, d.subarray(20)));
  assert.deepEqual([...d.subarray(12, 16)], [0, 0, 0, 0], 'the kernel fills the source');
  const e = buildIcmpEchoProbe({ src: '0.0.0.0', dst: '198.18.0.9', ttl: 1, id: 1, seq: 1 });
  assert.ok(transportChecksumOk('0.0.0.0', '198.18.0.9', 1, e.subarray(20)));
});
