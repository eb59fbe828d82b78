import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildUdpProbe, buildIcmpEchoProbe, decodeIpv4Packet, decodeIpv6Packet, decodeIcmpv6Message, emitIcmp, emitIpv4, emitIpv6,
  emitExtensionStructure, mplsObject, parseIcmp, splitErrorBody, ICMP4, ICMP6,
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
