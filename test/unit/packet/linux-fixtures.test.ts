import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeIpPacket, decodeIcmpv6Message, decodeIpv6Packet, parseIpv6, type Reply } from '../../../lib/packet';

// Captured from Linux by test/fixtures/packet/capture.sh: client 198.18.250.1 /
// 2001:db8:fa::1, router .250.2 / fa::2 (MTU 1300 towards the server, nft reject of
// UDP port 9 as admin-prohibited), server 198.18.251.2 / 2001:db8:fb::2; traceroute
// UDP/ICMP/TCP with -m 2, and ping -M do -s 1400.
const fixture = JSON.parse(readFileSync(join(__dirname, '../../fixtures/packet/linux-replies.json'), 'utf8')) as { packets: { hex: string }[] };
const packets = fixture.packets.map((p) => Buffer.from(p.hex, 'hex'));
const replies: Reply[] = packets.map((b) => {
  const r = decodeIpPacket(b);
  assert.ok(r.ok, `every captured packet decodes: ${b.toString('hex')}`);
  return r.value;
});
const toClient = (r: Reply) => r.dst === '198.18.250.1' || r.dst === '2001:db8:fa::1';
const find = (pred: (r: Reply) => boolean) => replies.filter((r) => toClient(r) && pred(r));

for (const [v, router, server, portUnreach] of [
  [4, '198.18.250.2', '198.18.251.2', [3, 3]],
  [6, '2001:db8:fa::2', '2001:db8:fb::2', [1, 4]],
] as const) {
  test(`IPv${v}: time-exceeded from the router quotes each probe with TTL 1`, () => {
    const te = find((r) => r.ipVersion === v && r.kind === 'time-exceeded');
    assert.equal(te.length, v === 4 ? 4 : 3);
    for (const r of te) {
      assert.equal(r.src, router);
      assert.equal(r.ttl, 64);
      assert.equal(r.quote?.ttl, 1);
      assert.equal(r.quote?.dst, server);
      assert.ok(r.quote?.udp || r.quote?.icmp || r.quote?.tcp);
    }
    const udp = te.find((r) => r.quote?.udp?.dport === 33434);
    assert.ok(udp, 'the UDP probe to 33434 at TTL 1');
    const tcp = te.find((r) => r.quote?.tcp);
    assert.equal(tcp?.quote?.tcp?.dport, 80);
    assert.equal(tcp?.quote?.tcp?.flags, 0x02);
  });

  test(`IPv${v}: the server answers port-unreachable (${portUnreach.join('/')}), echo-reply and RST, one hop further`, () => {
    const pu = find((r) => r.ipVersion === v && r.kind === 'port-unreachable');
    assert.equal(pu.length, 1);
    assert.deepEqual([pu[0].src, pu[0].icmpType, pu[0].icmpCode, pu[0].ttl, pu[0].quote?.udp?.dport], [server, ...portUnreach, 63, 33435]);
    const echo = find((r) => r.ipVersion === v && r.kind === 'echo-reply');
    assert.equal(echo.length, 1);
    assert.equal(echo[0].src, server);
    const rst = find((r) => r.ipVersion === v && r.kind === 'tcp-rst');
    assert.equal(rst.length, 1);
    assert.equal(rst[0].tcp?.sport, 80);
  });

  test(`IPv${v}: the 1300-byte link draws ${v === 4 ? 'frag-needed' : 'packet-too-big'} with the next-hop MTU`, () => {
    const fn = find((r) => r.ipVersion === v && r.kind === 'frag-needed');
    assert.equal(fn.length, 1);
    assert.equal(fn[0].mtu, 1300);
    assert.equal(fn[0].src, router);
    assert.equal(fn[0].quote?.icmp?.type, v === 4 ? 8 : 128);
  });
}

test('IPv4: nft reject admin-prohibited arrives as unreachable 3/13', () => {
  const un = find((r) => r.kind === 'unreachable');
  assert.equal(un.length, 1);
  assert.deepEqual([un[0].icmpType, un[0].icmpCode, un[0].quote?.udp?.dport], [3, 13, 9]);
});

test('an ICMPv6 message without its IPv6 header decodes the same as the whole packet', () => {
  for (const b of packets.filter((p) => p[0] >> 4 === 6)) {
    const whole = decodeIpv6Packet(b);
    const p = parseIpv6(b);
    assert.ok(whole.ok && p.ok);
    if (whole.value.protocol !== 'icmp') continue;
    const bare = decodeIcmpv6Message(p.value.payload, { src: p.value.header.src, dst: p.value.header.dst, hopLimit: p.value.header.hopLimit });
    assert.ok(bare.ok);
    assert.deepEqual({ ...bare.value, size: 0 }, { ...whole.value, size: 0 });
  }
});
