import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildUdpProbe, buildIcmpEchoProbe, decodeIpv4Packet, decodeIpv6Packet, decodeIcmpv6Message, emitIcmp, emitIcmpv4, emitIcmpv6,
  emitIpv4, emitIpv6, emitExtensionStructure, mplsObject, parseIcmp, splitErrorBody, ICMP4, ICMP6,
} from '../../../lib/packet';
import type { MplsLabel } from '../../../lib/record';

// RFC 4950 §6 example shape: a two-entry label stack (bottom entry has S=1), as a
// router with ttl-propagate quotes it. Values chosen for the test, encoded by the RFC's
// layout: label(20) TC(3) S(1) TTL(8) per entry, in an RFC 4884 object class 1 c-type 1.
const STACK: MplsLabel[] = [
  { label: 16004, tc: 0, s: false, ttl: 1 },
  { label: 299808, tc: 5, s: true, ttl: 1 },
];

const PROBE_V4 = { src: '198.18.0.1', dst: '198.18.9.9', ttl: 1, ipId: 0x4242, sport: 40000, dport: 33434, checksum: 0x1234 };

/** A router's time-exceeded quoting the probe, with an MPLS extension in the given layout. */
function timeExceededV4(layout: 'rfc4884' | 'legacy' | 'none', quoteBytes?: Uint8Array): Uint8Array {
  const probe = buildUdpProbe({ ...PROBE_V4, size: 60 });
  let quote = quoteBytes ?? probe.slice(0, 28);
  let rest = 0;
  let body = quote;
  if (layout !== 'none') {
    const padded = new Uint8Array(128);
    padded.set(quote.subarray(0, 128));
    quote = padded;
    const ext = emitExtensionStructure([mplsObject(STACK)]);
    body = new Uint8Array(128 + ext.length);
    body.set(quote);
    body.set(ext, 128);
    if (layout === 'rfc4884') rest = (128 / 4) << 16; // byte 5: length in 32-bit words
  }
  const icmp = emitIcmp({ type: ICMP4.TIME_EXCEEDED, code: 0, rest, body });
  return emitIpv4({ src: '198.18.1.1', dst: '198.18.0.1', protocol: 1, ttl: 254, id: 7 }, icmp);
}

test('time-exceeded with an RFC 4884 MPLS extension yields the label stack and the quote', () => {
  const r = decodeIpv4Packet(timeExceededV4('rfc4884'));
  assert.ok(r.ok);
  assert.equal(r.value.kind, 'time-exceeded');
  assert.deepEqual(r.value.mpls, STACK);
  assert.equal(r.value.extensions?.layout, 'rfc4884');
  assert.equal(r.value.extensions?.checksumValid, true);
  assert.equal(r.value.quote?.udp?.checksum, 0x1234);
  assert.equal(r.value.quote?.ttl, 1);
  assert.equal(r.value.quote?.ipId, 0x4242);
  assert.equal(r.value.ttl, 254);
});

test('legacy layout (length 0, extension at offset 128) is found too; a plain long quote is not taken for one', () => {
  const r = decodeIpv4Packet(timeExceededV4('legacy'));
  assert.ok(r.ok);
  assert.deepEqual(r.value.mpls, STACK);
  assert.equal(r.value.extensions?.layout, 'legacy');
  const plain = decodeIpv4Packet(timeExceededV4('none', buildUdpProbe({ ...PROBE_V4, size: 200 })));
  assert.ok(plain.ok);
  assert.equal(plain.value.mpls, null);
  assert.equal(plain.value.extensions, null);
});

test('ICMPv6 time-exceeded with RFC 4884 MPLS extension (length in 64-bit words)', () => {
  const src = '2001:db8::1';
  const dst = '2001:db8:9::9';
  const probe = buildIcmpEchoProbe({ src, dst, ttl: 1, id: 77, seq: 5, checksum: 0xabcd, size: 64 });
  const quote = new Uint8Array(128);
  quote.set(probe.subarray(0, 64));
  const ext = emitExtensionStructure([mplsObject(STACK)]);
  const body = new Uint8Array(128 + ext.length);
  body.set(quote);
  body.set(ext, 128);
  const router = '2001:db8:1::1';
  const icmp = emitIcmp({ type: ICMP6.TIME_EXCEEDED, code: 0, rest: (128 / 8) << 24, body }, { src: router, dst: src });
  const whole = decodeIpv6Packet(emitIpv6({ src: router, dst: src, nextHeader: 58, hopLimit: 63 }, icmp));
  assert.ok(whole.ok);
  assert.equal(whole.value.checksumValid, true);
  assert.deepEqual(whole.value.mpls, STACK);
  assert.deepEqual(whole.value.quote?.icmp && [whole.value.quote.icmp.id, whole.value.quote.icmp.seq, whole.value.quote.icmp.checksum], [77, 5, 0xabcd]);
  assert.equal(whole.value.ttl, 63);
  // The same message as an IPv6 raw socket hands it over (no header).
  const bare = decodeIcmpv6Message(icmp, { src: router, hopLimit: 63 });
  assert.ok(bare.ok);
  assert.deepEqual(bare.value.mpls, STACK);
});

test('a truncated quote gives a typed error while the outer reply stays usable', () => {
  const probe = buildUdpProbe({ ...PROBE_V4, size: 60 });
  for (const cut of [0, 10, 20, 24, 27]) {
    const r = decodeIpv4Packet(timeExceededV4('none', probe.slice(0, cut)));
    assert.ok(r.ok, `cut ${cut}`);
    assert.equal(r.value.kind, 'time-exceeded');
    assert.equal(r.value.src, '198.18.1.1');
    assert.equal(r.value.quote, null);
    assert.equal(r.value.quoteError?.kind, 'truncated', `cut ${cut}`);
    assert.equal(r.value.quoteError?.layer, 'quote');
  }
});

test('a bad extension length is reported, not thrown', () => {
  const icmpBytes = timeExceededV4('rfc4884').subarray(20);
  const m = parseIcmp(icmpBytes, 4);
  assert.ok(m.ok);
  const broken = icmpBytes.slice();
  broken[8 + 128 + 4] = 0xff; // object length far past the end
  const mb = parseIcmp(broken, 4);
  assert.ok(mb.ok);
  const split = splitErrorBody(mb.value);
  assert.ok(split.extensions && !split.extensions.ok);
  assert.equal(split.extensions.error.kind, 'bad-length');
});

// ---- Hand-made RFC 4884 / RFC 4950 vectors ----
// Written byte by byte from the RFCs' layouts, not by this codec; the three checksums
// (quoted IPv4 header, extension structure, ICMP) were computed by a separate Python
// script (ones'-complement sums with struct.pack) when the vectors were written.
const EXT =
  '20' + '00' + '46d6' + // RFC 4884 §7: version 2 in the top nibble, reserved, checksum of the structure
  '000c' + '01' + '01' + // RFC 4884 §7.2 object header: length 12, class-num 1 = MPLS label stack (RFC 4950 §7), c-type 1
  '03e84001' + // RFC 4950 entry: label 16004 (0x03e84) << 12 | TC 0 << 9 | S 0 << 8 | TTL 1
  '49320b01'; // label 299808 (0x49320) << 12 | TC 5 << 9 | S 1 << 8 | TTL 1
const HAND_STACK: MplsLabel[] = [
  { label: 16004, tc: 0, s: false, ttl: 1 },
  { label: 299808, tc: 5, s: true, ttl: 1 },
];
// The probe as quoted: IPv4 header (ID 0x1234, TTL 1, UDP, 198.18.0.1 -> 198.18.9.9) + UDP 40000 -> 33434, checksum 0xabcd.
const Q4 = '4500003c' + '12340000' + '0111124f' + 'c6120001' + 'c6120909' + '9c40829a' + '0028abcd';
// IPv6 header (hop limit 1, UDP, 2001:db8::1 -> 2001:db8:9::9) + UDP 40000 -> 33434, checksum 0x5555.
const Q6 = '60000000' + '00281101' + '20010db8000000000000000000000001' + '20010db8000900000000000000000009' + '9c40829a00285555';
const zeros = (bytes: number) => '00'.repeat(bytes);
const OUTER4 = '450000ac' + '00070000' + 'fa013323' + 'c6120101' + 'c6120001'; // 198.18.1.1 -> 198.18.0.1, TTL 250, 172 bytes
const HAND = {
  // ICMPv4 time exceeded: type 11, code 0, checksum, unused, length 0x20 = 32 words (128 bytes), unused.
  v4rfc4884: OUTER4 + '0b00' + '2a0f' + '00' + '20' + '0000' + Q4 + zeros(128 - 28) + EXT,
  // Legacy (pre-RFC 4884) router: length 0, the structure still at offset 128.
  v4legacy: OUTER4 + '0b00' + '2a2f' + '00' + '00' + '0000' + Q4 + zeros(128 - 28) + EXT,
  // ICMPv6 time exceeded (as a raw socket hands it over): type 3, code 0, checksum over the
  // pseudo-header 2001:db8:1::1 -> 2001:db8::1, length 0x10 = 16 64-bit words (byte 4).
  v6rfc4884: '0300' + '4fb1' + '10' + '000000' + Q6 + zeros(128 - 48) + EXT,
  v6legacy: '0300' + '5fb1' + '00' + '000000' + Q6 + zeros(128 - 48) + EXT,
};
const bytesOf = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));

test('hand-made RFC 4950 vectors: time-exceeded with an MPLS stack, RFC 4884 and legacy layouts, IPv4 and IPv6', () => {
  for (const [name, layout] of [['v4rfc4884', 'rfc4884'], ['v4legacy', 'legacy']] as const) {
    const r = decodeIpv4Packet(bytesOf(HAND[name]));
    assert.ok(r.ok, name);
    assert.deepEqual([r.value.kind, r.value.src, r.value.ttl, r.value.checksumValid], ['time-exceeded', '198.18.1.1', 250, true], name);
    assert.deepEqual(r.value.mpls, HAND_STACK, name);
    assert.deepEqual([r.value.extensions?.layout, r.value.extensions?.checksumValid], [layout, true], name);
    assert.deepEqual([r.value.quote?.ttl, r.value.quote?.ipId, r.value.quote?.udp?.dport, r.value.quote?.udp?.checksum], [1, 0x1234, 33434, 0xabcd], name);
  }
  for (const [name, layout] of [['v6rfc4884', 'rfc4884'], ['v6legacy', 'legacy']] as const) {
    const r = decodeIcmpv6Message(bytesOf(HAND[name]), { src: '2001:db8:1::1', dst: '2001:db8::1', hopLimit: 61 });
    assert.ok(r.ok, name);
    assert.deepEqual([r.value.kind, r.value.icmpType, r.value.ttl, r.value.checksumValid], ['time-exceeded', 3, 61, true], name);
    assert.deepEqual(r.value.mpls, HAND_STACK, name);
    assert.equal(r.value.extensions?.layout, layout, name);
    assert.deepEqual([r.value.quote?.ttl, r.value.quote?.dst, r.value.quote?.udp?.checksum], [1, '2001:db8:9::9', 0x5555], name);
  }
});

test('the codec emits the hand-made vectors byte for byte', () => {
  const quote4 = bytesOf(Q4);
  const ext = [mplsObject(HAND_STACK)];
  for (const layout of ['rfc4884', 'legacy'] as const) {
    const icmp = emitIcmpv4({ kind: 'time-exceeded', code: 0, quote: quote4, extensions: ext, extensionLayout: layout });
    const whole = emitIpv4({ src: '198.18.1.1', dst: '198.18.0.1', protocol: 1, ttl: 250, id: 7 }, icmp);
    assert.equal(Buffer.from(whole).toString('hex'), HAND[layout === 'rfc4884' ? 'v4rfc4884' : 'v4legacy']);
    const v6 = emitIcmpv6({ kind: 'time-exceeded', code: 0, quote: bytesOf(Q6), extensions: ext, extensionLayout: layout }, { src: '2001:db8:1::1', dst: '2001:db8::1' });
    assert.equal(Buffer.from(v6).toString('hex'), HAND[layout === 'rfc4884' ? 'v6rfc4884' : 'v6legacy']);
  }
});

test('a corrupted extension: RFC 4884 layout keeps the labels and flags the checksum; legacy is not guessed', () => {
  const rfc = bytesOf(HAND.v4rfc4884);
  rfc[rfc.length - 1] ^= 0x02; // TTL of the bottom entry 1 -> 3
  const r = decodeIpv4Packet(rfc);
  assert.ok(r.ok);
  assert.equal(r.value.extensions?.checksumValid, false);
  assert.equal(r.value.mpls?.[1].ttl, 3);
  const legacy = bytesOf(HAND.v4legacy);
  legacy[legacy.length - 1] ^= 0x02;
  const l = decodeIpv4Packet(legacy);
  assert.ok(l.ok);
  assert.deepEqual([l.value.extensions, l.value.mpls, l.value.quote?.udp?.dport], [null, null, 33434]);
});

test('reply decoders: bad checksums flagged, or refused on request; parameter-problem pointer; foreign protocols unsupported', () => {
  const good = bytesOf(HAND.v4rfc4884);
  const bad = good.slice();
  bad[30] ^= 0xff; // inside the quote: the ICMP checksum no longer verifies
  const flagged = decodeIpv4Packet(bad);
  assert.ok(flagged.ok && flagged.value.checksumValid === false);
  const refused = decodeIpv4Packet(bad, { rejectBadChecksum: true });
  assert.ok(!refused.ok && refused.error.kind === 'bad-checksum' && refused.error.layer === 'icmp');
  const badHeader = good.slice();
  badHeader[8] = 1; // TTL changed without fixing the IPv4 header checksum
  const h = decodeIpv4Packet(badHeader, { rejectBadChecksum: true });
  assert.ok(!h.ok && h.error.kind === 'bad-checksum');
  const v6 = bytesOf(HAND.v6rfc4884);
  const wrongDst = decodeIcmpv6Message(v6, { src: '2001:db8:1::1', dst: '2001:db8::2' }, { rejectBadChecksum: true });
  assert.ok(!wrongDst.ok && wrongDst.error.kind === 'bad-checksum');
  assert.ok(decodeIcmpv6Message(v6, { src: '2001:db8:1::1', dst: 'not an address' }).ok, 'a bad socket address never throws');

  const pp = decodeIpv4Packet(emitIpv4({ src: '198.18.1.1', dst: '198.18.0.1', protocol: 1 },
    emitIcmpv4({ kind: 'param-problem', code: 0, pointer: 22, quote: bytesOf(Q4), extensions: null, extensionLayout: null })));
  assert.ok(pp.ok);
  assert.deepEqual([pp.value.kind, pp.value.pointer, pp.value.quote?.udp?.dport], ['param-problem', 22, 33434]);
  const udp = decodeIpv4Packet(bytesOf(Q4.slice(0, 40) + '9c40829a0008abcd').map((b, i) => (i === 3 ? 28 : b)));
  assert.ok(!udp.ok && udp.error.kind === 'unsupported');
});

test('ICMPv6 time-exceeded with a quote cut inside the IPv6 header or the first 8 transport bytes: typed error, outer reply kept', () => {
  const q6 = bytesOf(Q6);
  for (const cut of [0, 1, 39, 40, 44, 47]) {
    const msg = emitIcmpv6({ kind: 'time-exceeded', code: 0, quote: q6.subarray(0, cut), extensions: null, extensionLayout: null }, { src: '2001:db8:1::1', dst: '2001:db8::1' });
    const r = decodeIcmpv6Message(msg, { src: '2001:db8:1::1', dst: '2001:db8::1', hopLimit: 60 });
    assert.ok(r.ok, `cut ${cut}`);
    assert.deepEqual([r.value.kind, r.value.ttl, r.value.quote, r.value.checksumValid], ['time-exceeded', 60, null, true]);
    assert.equal(r.value.quoteError?.kind, 'truncated', `cut ${cut}`);
  }
});
