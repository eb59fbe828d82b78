import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildUdpProbe, emitExtensionStructure, emitIcmpv4, emitIcmpv6, emitMplsStack, mplsObject, parseExtensionStructure, parseIcmpv4,
  parseIcmpv6, parseMplsStack, unreachableReason,
  ICMP4_UNREACH_CODES, ICMP6_UNREACH_CODES, type Icmpv4Repr, type Icmpv6Repr,
} from '../../../lib/packet';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const V6 = { src: '2001:db8:1::1', dst: '2001:db8::1' };
const quote4 = buildUdpProbe({ src: '198.18.0.1', dst: '198.18.9.9', ttl: 1, sport: 40000, dport: 33434, size: 60 }).subarray(0, 28);
const quote6 = buildUdpProbe({ src: '2001:db8::1', dst: '2001:db8:9::9', ttl: 1, sport: 40000, dport: 33434, size: 80 }).subarray(0, 48);
const pad128 = (q: Uint8Array) => {
  const p = new Uint8Array(128);
  p.set(q);
  return p;
};
const mpls = [mplsObject([{ label: 16004, tc: 0, s: false, ttl: 1 }, { label: 299808, tc: 5, s: true, ttl: 1 }])];
const plain = { extensions: null, extensionLayout: null } as const;

function v4Cases(): Icmpv4Repr[] {
  const cases: Icmpv4Repr[] = [
    { kind: 'echo-request', id: 0x1234, seq: 7, data: Uint8Array.from([1, 2, 3]) },
    { kind: 'echo-reply', id: 0xffff, seq: 0, data: new Uint8Array(0) },
    { kind: 'time-exceeded', code: 0, quote: quote4, ...plain },
    { kind: 'time-exceeded', code: 1, quote: quote4, ...plain },
    { kind: 'time-exceeded', code: 0, quote: pad128(quote4), extensions: mpls, extensionLayout: 'rfc4884' },
    { kind: 'time-exceeded', code: 0, quote: pad128(quote4), extensions: mpls, extensionLayout: 'legacy' },
    { kind: 'param-problem', code: 0, pointer: 22, quote: quote4, ...plain },
    { kind: 'param-problem', code: 0, pointer: 1, quote: pad128(quote4), extensions: mpls, extensionLayout: 'rfc4884' },
    { kind: 'other', type: 13, code: 0, rest: 0xabcd0001, body: new Uint8Array(12) },
  ];
  // Every destination-unreachable code; code 4 (frag-needed) carries the next-hop MTU.
  for (let code = 0; code < 16; code++) cases.push({ kind: 'dest-unreachable', code, nextHopMtu: code === 4 ? 1300 : 0, quote: quote4, ...plain });
  cases.push({ kind: 'dest-unreachable', code: 4, nextHopMtu: 1492, quote: pad128(quote4), extensions: mpls, extensionLayout: 'rfc4884' });
  return cases;
}

function v6Cases(): Icmpv6Repr[] {
  const cases: Icmpv6Repr[] = [
    { kind: 'echo-request', id: 1, seq: 2, data: Uint8Array.from([9]) },
    { kind: 'echo-reply', id: 3, seq: 0xfffe, data: new Uint8Array(0) },
    { kind: 'packet-too-big', mtu: 1280, quote: quote6 },
    { kind: 'time-exceeded', code: 0, quote: quote6, ...plain },
    { kind: 'time-exceeded', code: 1, quote: quote6, ...plain },
    { kind: 'time-exceeded', code: 0, quote: pad128(quote6), extensions: mpls, extensionLayout: 'rfc4884' },
    { kind: 'time-exceeded', code: 0, quote: pad128(quote6), extensions: mpls, extensionLayout: 'legacy' },
    { kind: 'other', type: 135, code: 0, rest: 0, body: new Uint8Array(16) },
  ];
  for (let code = 0; code < 3; code++) cases.push({ kind: 'param-problem', code, pointer: code === 1 ? 6 : 42, quote: quote6 });
  for (let code = 0; code < 8; code++) cases.push({ kind: 'dest-unreachable', code, quote: quote6, ...plain });
  cases.push({ kind: 'dest-unreachable', code: 4, quote: pad128(quote6), extensions: mpls, extensionLayout: 'rfc4884' });
  return cases;
}

test('ICMPv4 typed messages: parse(emit(x)) = x and emit(parse(bytes)) = bytes for every kind and unreachable code', () => {
  for (const x of v4Cases()) {
    const bytes = emitIcmpv4(x);
    const p = parseIcmpv4(bytes);
    assert.ok(p.ok, JSON.stringify(x.kind));
    assert.deepEqual(p.value, x);
    assert.equal(hex(emitIcmpv4(p.value)), hex(bytes));
  }
});

test('ICMPv6 typed messages round-trip, with the checksum over the pseudo-header', () => {
  for (const x of v6Cases()) {
    const bytes = emitIcmpv6(x, V6);
    const p = parseIcmpv6(bytes, V6);
    assert.ok(p.ok, x.kind);
    assert.deepEqual(p.value, x);
    assert.equal(hex(emitIcmpv6(p.value, V6)), hex(bytes));
  }
});

test('RFC 4884 length field: ICMPv4 byte 5 in 32-bit words, ICMPv6 byte 4 in 64-bit words; legacy leaves it 0', () => {
  const te4 = emitIcmpv4({ kind: 'time-exceeded', code: 0, quote: quote4, extensions: mpls, extensionLayout: 'rfc4884' });
  assert.equal(te4[5], 128 / 4);
  assert.equal(te4.length, 8 + 128 + 4 + 4 + 8);
  const legacy4 = emitIcmpv4({ kind: 'time-exceeded', code: 0, quote: quote4, extensions: mpls, extensionLayout: 'legacy' });
  assert.equal(legacy4[5], 0);
  assert.equal(legacy4[8 + 128] >> 4, 2, 'extension header version 2 at offset 128');
  const te6 = emitIcmpv6({ kind: 'time-exceeded', code: 0, quote: quote6, extensions: mpls, extensionLayout: 'rfc4884' }, V6);
  assert.equal(te6[4], 128 / 8);
  // A quote longer than 128 bytes is padded to whole words and the length follows it.
  const long = new Uint8Array(130).fill(0x45);
  const t = emitIcmpv4({ kind: 'time-exceeded', code: 0, quote: long, extensions: mpls, extensionLayout: 'rfc4884' });
  assert.equal(t[5], 132 / 4);
  const back = parseIcmpv4(t);
  assert.ok(back.ok && back.value.kind === 'time-exceeded');
  assert.equal(back.value.quote.length, 132);
  assert.deepEqual(back.value.extensions, mpls);
});

test('a bad checksum is a typed error; ICMPv6 without addresses is not checked', () => {
  const bytes = emitIcmpv4({ kind: 'echo-request', id: 1, seq: 1, data: new Uint8Array(4) });
  bytes[9] ^= 0x10;
  const r = parseIcmpv4(bytes);
  assert.ok(!r.ok);
  assert.deepEqual([r.error.kind, r.error.layer], ['bad-checksum', 'icmp']);
  assert.ok(parseIcmpv4(bytes, { verifyChecksum: false }).ok);
  const v6 = emitIcmpv6({ kind: 'echo-request', id: 1, seq: 1, data: new Uint8Array(4) }, V6);
  const wrong = parseIcmpv6(v6, { src: '2001:db8::99', dst: V6.dst });
  assert.ok(!wrong.ok && wrong.error.kind === 'bad-checksum');
  assert.ok(parseIcmpv6(v6).ok);
  const short = parseIcmpv6(v6.subarray(0, 7));
  assert.ok(!short.ok && short.error.kind === 'truncated');
});

test('unreachable codes have names: v4 0..15, v6 0..7', () => {
  assert.equal(ICMP4_UNREACH_CODES.length, 16);
  assert.equal(ICMP6_UNREACH_CODES.length, 8);
  assert.deepEqual([0, 1, 2, 3, 4, 9, 10, 13].map((c) => unreachableReason(4, c)), ['net', 'host', 'protocol', 'port', 'frag-needed', 'net-prohibited', 'host-prohibited', 'admin-prohibited']);
  assert.deepEqual([0, 1, 3, 4, 5, 6].map((c) => unreachableReason(6, c)), ['no-route', 'admin-prohibited', 'address', 'port', 'policy-failed', 'reject-route']);
  assert.equal(unreachableReason(6, 9), 'code-9');
});

test('emitters refuse out-of-range fields instead of wrapping them', () => {
  assert.throws(() => emitIcmpv4({ kind: 'echo-request', id: 0x10000, seq: 0, data: new Uint8Array(0) }), /id 65536 out of/);
  assert.throws(() => emitIcmpv4({ kind: 'dest-unreachable', code: 4, nextHopMtu: 70000, quote: quote4, ...plain }), /next-hop MTU/);
  assert.throws(() => emitIcmpv4({ kind: 'time-exceeded', code: 0, quote: new Uint8Array(200), extensions: mpls, extensionLayout: 'legacy' }), /legacy layout/);
});

test('extension structure and MPLS stack: parse(emit(x)) = x, emit(parse(bytes)) = bytes, bad lengths typed', () => {
  const objects = [
    mplsObject([{ label: 0xfffff, tc: 7, s: true, ttl: 255 }]),
    { classNum: 2, cType: 0x0b, payload: Uint8Array.from([0, 0, 0, 5]) }, // RFC 5837 interface information, kept opaque
  ];
  const bytes = emitExtensionStructure(objects);
  const p = parseExtensionStructure(bytes, 'rfc4884');
  assert.ok(p.ok);
  assert.deepEqual(p.value, { layout: 'rfc4884', checksumValid: true, objects });
  assert.equal(hex(emitExtensionStructure(p.value.objects)), hex(bytes));
  const stack = parseMplsStack(objects[0].payload);
  assert.ok(stack.ok);
  assert.equal(hex(emitMplsStack(stack.value)), hex(objects[0].payload));
  const odd = parseMplsStack(new Uint8Array(6));
  assert.ok(!odd.ok && odd.error.kind === 'bad-length');
  const v1 = bytes.slice();
  v1[0] = 0x10;
  const bv = parseExtensionStructure(v1, 'rfc4884');
  assert.ok(!bv.ok && bv.error.kind === 'bad-version');
  assert.throws(() => emitMplsStack([{ label: 0x100000, tc: 0, s: true, ttl: 1 }]), /label/);
});
