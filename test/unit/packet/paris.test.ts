import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildUdpProbe, buildIcmpEchoProbe, buildTcpProbe, parseIpv4, parseIpv6, transportChecksumOk } from '../../../lib/packet';

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
