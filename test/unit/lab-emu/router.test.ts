import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildUdpProbe, emitIcmp, emitIpv4, parseIcmp, parseIpv4, parseIpv6, parseUdp, IPPROTO_ICMP } from '../../../lib/packet';
import { latency } from '../../lab/topologies/latency';
import { VirtualScheduler } from '../../lab/emu/delay';
import { buildEmuNet } from '../../lab/emu/net';
import { Emulator } from '../../lab/emu/router';
import type { Topology } from '../../lab/types';

const SRC4 = '198.19.11.1';
const DST4 = '198.19.15.2';

function rig(topo: Topology = latency) {
  const scheduler = new VirtualScheduler();
  const out: { t: number; packet: Uint8Array }[] = [];
  const emu = new Emulator(buildEmuNet(topo), scheduler, (_tun, packet) => out.push({ t: scheduler.now(), packet }), () => 0);
  return { scheduler, out, emu };
}

function udpProbe(ttl: number, dst = DST4): Uint8Array {
  return buildUdpProbe({ src: SRC4, dst, ttl, sport: 40000, dport: 33434 + ttl, ipId: 100 + ttl });
}

test('a TTL-1 probe gets e1 time exceeded quoting it byte for byte, 60 ms later (slow path)', () => {
  const { scheduler, out, emu } = rig();
  const probe = udpProbe(1);
  emu.fromTun('to-e1', probe);
  scheduler.run();
  assert.equal(out.length, 1);
  assert.equal(out[0].t, 60);
  const ip = parseIpv4(out[0].packet);
  assert.ok(ip.ok && ip.value.checksumValid);
  assert.equal(ip.value.header.src, '198.19.11.2');
  assert.equal(ip.value.header.dst, SRC4);
  assert.equal(ip.value.header.ttl, 255);
  const icmp = parseIcmp(ip.value.payload, 4);
  assert.ok(icmp.ok);
  assert.equal(icmp.value.type, 11);
  assert.deepEqual(icmp.value.body, probe);
});

test('hop 2 answers at TTL 254 at once; hop 3 behind the 20 ms link answers 40 ms later', () => {
  const { scheduler, out, emu } = rig();
  emu.fromTun('to-e1', udpProbe(2));
  emu.fromTun('to-e1', udpProbe(3));
  scheduler.run();
  assert.equal(out.length, 2);
  const [two, three] = out.map((o) => ({ t: o.t, ip: parseIpv4(o.packet) }));
  assert.ok(two.ip.ok && three.ip.ok);
  assert.equal(two.t, 0);
  assert.equal(two.ip.value.header.ttl, 253); // 254, less e1's forwarding on the way back
  assert.equal(two.ip.value.header.src, '198.19.12.2');
  assert.equal(three.t, 40);
  assert.equal(three.ip.value.header.src, '198.19.13.2');
  // The quoted probe is the one that expired: TTL 1 as received.
  const quote = parseIpv4(three.ip.value.payload.subarray(8));
  assert.ok(quote.ok);
  assert.equal(quote.value.header.ttl, 1);
});

test('the destination answers UDP with port unreachable, echo with echo reply', () => {
  const { scheduler, out, emu } = rig();
  emu.fromTun('to-e1', udpProbe(9));
  const echo = emitIcmp({ type: 8, code: 0, rest: (7 << 16) | 1, body: new Uint8Array([1, 2, 3]) });
  emu.fromTun('to-e1', emitIpv4({ src: SRC4, dst: DST4, protocol: IPPROTO_ICMP, ttl: 64, id: 5 }, echo));
  scheduler.run();
  assert.equal(out.length, 2);
  const icmps = out.map((o) => {
    const ip = parseIpv4(o.packet);
    assert.ok(ip.ok);
    assert.equal(ip.value.header.src, DST4);
    const m = parseIcmp(ip.value.payload, 4);
    assert.ok(m.ok);
    return m.value;
  });
  assert.deepEqual([icmps[0].type, icmps[0].code], [3, 3]);
  assert.deepEqual([icmps[1].type, icmps[1].rest, [...icmps[1].body]], [0, (7 << 16) | 1, [1, 2, 3]]);
  assert.ok(out.every((o) => o.t === 40));
});

test('IPv6: hop limit 1 gets ICMPv6 time exceeded from e1', () => {
  const { scheduler, out, emu } = rig();
  const probe = new Uint8Array(48);
  probe.set([0x60, 0, 0, 0, 0, 8, 17, 1]);
  probe.set([0x20, 0x01, 0x0d, 0xb8, 0, 0x19, 0, 0x11, 0, 0, 0, 0, 0, 0, 0, 1], 8);
  probe.set([0x20, 0x01, 0x0d, 0xb8, 0, 0x19, 0, 0x15, 0, 0, 0, 0, 0, 0, 0, 2], 24);
  probe.set([0x9c, 0x40, 0x82, 0x9b, 0, 8, 0, 0], 40);
  emu.fromTun('to-e1', probe);
  scheduler.run();
  assert.equal(out.length, 1);
  const ip = parseIpv6(out[0].packet);
  assert.ok(ip.ok);
  assert.equal(ip.value.header.src, '2001:db8:19:11::2');
  assert.equal(ip.value.header.hopLimit, 255);
  assert.equal(ip.value.payload[0], 3);
  assert.deepEqual(ip.value.payload.subarray(8), probe);
});

test('malformed packets are counted and skipped', () => {
  const { scheduler, out, emu } = rig();
  for (const junk of [new Uint8Array(0), new Uint8Array([0x45, 0, 0]), new Uint8Array(60).fill(0x66)]) emu.fromTun('to-e1', junk);
  scheduler.run();
  assert.equal(out.length, 0);
  assert.equal(emu.counters.malformed, 3);
});

test('a token bucket of burst 2 at 1/s lets 2 of 5 back-to-back errors out, one more a second later', () => {
  const topo = structuredClone(latency);
  topo.nodes.find((n) => n.name === 'e2')!.emu = { icmpRateLimit: { perSec: 1, burst: 2 } };
  const { scheduler, out, emu } = rig(topo);
  for (let i = 0; i < 5; i++) emu.fromTun('to-e1', udpProbe(2));
  scheduler.run();
  assert.equal(out.length, 2);
  assert.equal(emu.counters.rateLimited, 3);
  scheduler.advance(1000);
  emu.fromTun('to-e1', udpProbe(2));
  scheduler.run();
  assert.equal(out.length, 3);
});

test('the UDP checksum of a forwarded probe stays valid (only the IP header changes)', () => {
  const { scheduler, out, emu } = rig();
  emu.fromTun('to-e1', udpProbe(9));
  scheduler.run();
  const ip = parseIpv4(out[0].packet);
  assert.ok(ip.ok);
  const quoted = parseIpv4(ip.value.payload.subarray(8));
  assert.ok(quoted.ok);
  assert.equal(quoted.value.header.ttl, 5);
  assert.ok(parseUdp(quoted.value.payload).ok);
});

test('a datagram whose length field exceeds its bytes is counted as malformed, one from an unknown TUN ignored: nothing throws', () => {
  const { scheduler, emu } = rig();
  const probe = buildUdpProbe({ src: SRC4, dst: DST4, ttl: 1, sport: 40000, dport: 33434 });
  const bogus = probe.slice();
  bogus[2] = 0xff; // totalLength beyond the buffer: truncated, refused by the decoder
  bogus[3] = 0xff;
  assert.doesNotThrow(() => emu.fromTun('to-e1', bogus));
  assert.doesNotThrow(() => emu.fromTun('nowhere', probe));
  scheduler.run();
  assert.equal(emu.counters.malformed, 1);
});
