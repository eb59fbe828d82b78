// Real packets captured from Linux by test/fixtures/packet/capture.sh (tcpdump on the
// client's link; client 198.18.250.1 / 2001:db8:fa::1, router .250.2 / fa::2 with a
// 1300-byte link towards the server .251.2 (.3) / fb::2 (::3)). Each set holds the probes
// as sent and the replies; the replies are checked against the probes they quote and
// against what the script set up (TTLs, ports, codes, MTU, pointers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeIpPacket, emitIcmpv4, emitIcmpv6, emitIpv4, emitIpv6, emitTcp, emitUdp, parseIcmp, parseIcmpv4, parseIcmpv6,
  parseIpv4, parseIpv6, parseTcp, parseUdp, transportChecksumOk, TCP_FLAGS, type Reply,
} from '../../../lib/packet';
import type { ReplyKind } from '../../../lib/record';
import { loadLinuxFixtures } from '../../fixtures/packet/load';

const sets = loadLinuxFixtures();
const CLIENT = new Set(['198.18.250.1', '2001:db8:fa::1']);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

/** A packet the client sent, described by what a quote would show of it. */
interface Sent {
  ipVersion: 4 | 6;
  ttl: number;
  ipId: number | null;
  dst: string;
  protocol: number;
  sport: number | null;
  dport: number | null;
  checksum: number | null;
  seq: number | null;
  icmpId: number | null;
  icmpSeq: number | null;
  bytes: Uint8Array;
}

function describeSent(b: Uint8Array): Sent | null {
  const v4 = b[0] >> 4 === 4;
  const ip = v4 ? parseIpv4(b) : parseIpv6(b);
  if (!ip.ok) return null;
  const h = ip.value.header;
  const src = h.src;
  if (!CLIENT.has(src)) return null;
  const protocol = 'protocol' in ip.value ? ip.value.protocol : (h as { protocol: number }).protocol;
  const t = ip.value.payload;
  const u16 = (o: number) => (t.length >= o + 2 ? (t[o] << 8) | t[o + 1] : null);
  const ported = protocol === 6 || protocol === 17;
  return {
    ipVersion: v4 ? 4 : 6,
    ttl: 'ttl' in h ? h.ttl : h.hopLimit,
    ipId: 'id' in h ? h.id : null,
    dst: h.dst,
    protocol,
    sport: ported ? u16(0) : null,
    dport: ported ? u16(2) : null,
    checksum: protocol === 17 ? u16(6) : protocol === 1 || protocol === 58 ? u16(2) : null,
    seq: protocol === 6 ? ((t[4] << 24) | (t[5] << 16) | (t[6] << 8) | t[7]) >>> 0 : null,
    icmpId: protocol === 1 || protocol === 58 ? u16(4) : null,
    icmpSeq: protocol === 1 || protocol === 58 ? u16(6) : null,
    bytes: b,
  };
}

function setOf(name: string) {
  const s = sets.get(name);
  assert.ok(s, `fixture set ${name} exists (re-run capture.sh?)`);
  const sent = s.packets.map(describeSent).filter((x): x is Sent => x !== null);
  const replies: Reply[] = [];
  for (const b of s.packets) {
    const r = decodeIpPacket(b);
    if (r.ok && r.value.dst !== null && CLIENT.has(r.value.dst) && !r.value.src.startsWith('fe80')) replies.push(r.value);
  }
  return { sent, replies, packets: s.packets };
}

/** The probe a quote names, by transport identity. */
function quotedProbe(r: Reply, sent: Sent[]): Sent {
  const q = r.quote;
  assert.ok(q, `${r.kind} from ${r.src} has a quote (${r.quoteError?.detail})`);
  const hits = sent.filter((s) => s.dst === q.dst && s.protocol === q.protocol
    && (q.udp ? s.sport === q.udp.sport && s.dport === q.udp.dport && s.checksum === q.udp.checksum : true)
    && (q.tcp ? s.sport === q.tcp.sport && s.dport === q.tcp.dport && s.seq === q.tcp.seq : true)
    && (q.icmp ? s.icmpId === q.icmp.id && s.icmpSeq === q.icmp.seq && s.checksum === q.icmp.checksum : true)
    && (q.ipId === null || s.ipId === q.ipId));
  assert.equal(hits.length, 1, `exactly one probe matches the quote in ${r.kind} from ${r.src}`);
  const p = hits[0];
  assert.equal(q.src, p.ipVersion === 4 ? '198.18.250.1' : '2001:db8:fa::1');
  return p;
}

interface Expect {
  kind: ReplyKind;
  from: string;
  type: number | null;
  code: number | null;
  ttl: number;
  /** TTL of the probe as quoted. */
  quotedTtl?: number;
  mtu?: number;
  pointer?: number;
  dport?: number;
}

function expectReplies(name: string, expected: Expect[]) {
  const { sent, replies } = setOf(name);
  assert.equal(replies.length, expected.length, `${name}: ${replies.map((r) => r.kind).join(', ')}`);
  expected.forEach((e, i) => {
    const r = replies[i];
    const what = `${name} reply ${i}`;
    assert.deepEqual([r.kind, r.src, r.icmpType, r.icmpCode, r.ttl], [e.kind, e.from, e.type, e.code, e.ttl], what);
    assert.equal(r.checksumValid, true, what);
    if (e.mtu !== undefined) assert.equal(r.mtu, e.mtu, what);
    if (e.pointer !== undefined) assert.equal(r.pointer, e.pointer, what);
    if (r.protocol === 'tcp') return; // answers without a quote: checked where they are expected
    if (r.kind === 'echo-reply') {
      const req = sent.find((s) => s.icmpId === r.echo?.id && s.icmpSeq === r.echo?.seq);
      assert.ok(req, `${what}: echo reply answers a request`);
      return;
    }
    const p = quotedProbe(r, sent);
    if (e.quotedTtl !== undefined) assert.equal(r.quote?.ttl, e.quotedTtl, `${what} quoted TTL`);
    if (e.dport !== undefined) assert.equal(p.dport, e.dport, `${what} dport`);
  });
}

const R4 = '198.18.250.2';
const S4 = '198.18.251.2';
const R6 = '2001:db8:fa::2';
const S6 = '2001:db8:fb::2';
const te4 = { kind: 'time-exceeded', from: R4, type: 11, code: 0, ttl: 64, quotedTtl: 1 } as const;
const te6 = { kind: 'time-exceeded', from: R6, type: 3, code: 0, ttl: 64, quotedTtl: 1 } as const;

test('traceroute UDP: time-exceeded quotes the TTL-1 probe to 33434, the server port-unreachable the one to 33435', () => {
  expectReplies('udp4', [{ ...te4, dport: 33434 }, { kind: 'port-unreachable', from: S4, type: 3, code: 3, ttl: 63, quotedTtl: 1, dport: 33435 }]);
  expectReplies('udp6', [{ ...te6, dport: 33434 }, { kind: 'port-unreachable', from: S6, type: 1, code: 4, ttl: 63, quotedTtl: 1, dport: 33435 }]);
  for (const name of ['udp4', 'udp6']) {
    const { sent } = setOf(name);
    assert.deepEqual(sent.map((s) => s.ttl), [1, 2]);
    for (const s of sent) {
      const ip = s.ipVersion === 4 ? parseIpv4(s.bytes) : parseIpv6(s.bytes);
      assert.ok(ip.ok);
      assert.ok(transportChecksumOk(ip.value.header.src, s.dst, 17, ip.value.payload), `${name}: probe UDP checksum`);
    }
  }
});

test('traceroute ICMP: time-exceeded quotes the echo request (id, seq, checksum); the server answers echo-reply', () => {
  expectReplies('icmp4', [te4, { kind: 'echo-reply', from: S4, type: 0, code: 0, ttl: 63 }]);
  expectReplies('icmp6', [te6, { kind: 'echo-reply', from: S6, type: 129, code: 0, ttl: 63 }]);
});

test('traceroute TCP: time-exceeded quotes the SYN (ports, seq, flags); RST / SYN-ACK acknowledge seq + 1', () => {
  for (const [v, R, S, te] of [[4, R4, S4, te4], [6, R6, S6, te6]] as const) {
    expectReplies(`tcp${v}-closed`, [{ ...te, dport: 80 }, { kind: 'tcp-rst', from: S, type: null, code: null, ttl: 63 }]);
    const closed = setOf(`tcp${v}-closed`);
    const rst = closed.replies.find((r) => r.kind === 'tcp-rst');
    const syn2 = closed.sent.find((s) => s.ttl === 2);
    assert.ok(rst?.tcp && syn2);
    assert.deepEqual([rst.src, rst.ttl, rst.tcp.sport, rst.tcp.dport, rst.tcp.ack, rst.tcp.flags], [S, 63, 80, syn2.sport, (syn2.seq! + 1) >>> 0, TCP_FLAGS.RST | TCP_FLAGS.ACK]);
    const exceeded = closed.replies.find((r) => r.kind === 'time-exceeded');
    assert.equal(exceeded?.quote?.tcp?.flags, TCP_FLAGS.SYN);
    assert.equal(exceeded?.src, R);

    const open = setOf(`tcp${v}-open`);
    const synack = open.replies.find((r) => r.kind === 'tcp-synack');
    const syn = open.sent.find((s) => s.dport === 8080);
    assert.ok(synack?.tcp && syn);
    assert.deepEqual([synack.src, synack.ttl, synack.tcp.sport, synack.tcp.ack], [S, 63, 8080, (syn.seq! + 1) >>> 0]);
    assert.deepEqual(synack.tcp.options.map((o) => o.kind), ['mss', 'sack-permitted', 'timestamps', 'nop', 'window-scale']);
    const mss = synack.tcp.options.find((o) => o.kind === 'mss');
    assert.equal(mss?.kind === 'mss' && mss.value, v === 4 ? 1260 : 1240, 'MSS of the 1300-byte server link');

    // The router's nft "reject with tcp reset" answers in the server's name, with its own TTL.
    const rej = setOf(`tcp${v}-reject`).replies.find((r) => r.kind === 'tcp-rst');
    assert.deepEqual([rej?.src, rej?.ttl, rej?.tcp?.sport], [S, 64, 81]);
  }
});

test('nft reject: every configured destination-unreachable code, quoting the probe after the router decremented its TTL', () => {
  const v4: Record<number, number> = { 9: 13, 10: 0, 11: 1, 12: 2, 13: 9, 14: 10, 15: 3 };
  const v6: Record<number, number> = { 9: 1, 10: 0, 11: 3, 12: 5, 13: 6, 14: 4, 15: 1 };
  for (const [port, code] of Object.entries(v4)) {
    expectReplies(`reject4-${port}`, [{ kind: code === 3 ? 'port-unreachable' : 'unreachable', from: R4, type: 3, code, ttl: 64, quotedTtl: 1, dport: Number(port) }]);
  }
  for (const [port, code] of Object.entries(v6)) {
    expectReplies(`reject6-${port}`, [{ kind: code === 4 ? 'port-unreachable' : 'unreachable', from: R6, type: 1, code, ttl: 64, quotedTtl: 1, dport: Number(port) }]);
  }
});

test('no route and no neighbour at the router: net unreachable 3/0 / 1/0, host unreachable 3/1 / address unreachable 1/3', () => {
  expectReplies('netunreach4', [{ kind: 'unreachable', from: R4, type: 3, code: 0, ttl: 64, quotedTtl: 1, dport: 33434 }]);
  expectReplies('netunreach6', [{ kind: 'unreachable', from: R6, type: 1, code: 0, ttl: 64, quotedTtl: 1, dport: 33434 }]);
  const { replies, sent } = setOf('hostunreach');
  const byFamily = (v: 4 | 6) => replies.filter((r) => r.ipVersion === v);
  for (const [v, from, type, code, dst] of [[4, R4, 3, 1, '198.18.251.99'], [6, R6, 1, 3, '2001:db8:fb::99']] as const) {
    const [r] = byFamily(v);
    assert.deepEqual([r.kind, r.src, r.icmpType, r.icmpCode, r.quote?.dst, r.quote?.ttl], ['unreachable', from, type, code, dst, 63]);
    quotedProbe(r, sent);
  }
});

test('frag-needed / packet-too-big carry MTU 1300; Linux cuts quotes to fit 576 / 1280 bytes', () => {
  expectReplies('pmtu4', [{ kind: 'frag-needed', from: R4, type: 3, code: 4, ttl: 64, quotedTtl: 64, mtu: 1300 }]);
  expectReplies('pmtu6', [{ kind: 'frag-needed', from: R6, type: 2, code: 0, ttl: 64, quotedTtl: 64, mtu: 1300 }]);
  const fn4 = setOf('pmtu4').replies[0];
  assert.deepEqual([fn4.size, fn4.quote?.totalLength, fn4.quote?.df], [576, 1428, true]);
  const fn6 = setOf('pmtu6').replies[0];
  assert.deepEqual([fn6.size, fn6.quote?.totalLength], [1280, 1448]);
});

test('tracepath: full-size DF probes, frag-needed at TTL 2, then the smaller probe reaches the server', () => {
  for (const [v, R, S, pu] of [[4, R4, '198.18.251.3', [3, 3]], [6, R6, '2001:db8:fb::3', [1, 4]]] as const) {
    const { replies, sent } = setOf(`tracepath${v}`);
    assert.deepEqual(replies.map((r) => r.kind), ['time-exceeded', 'time-exceeded', 'frag-needed', 'port-unreachable']);
    assert.deepEqual(sent.map((s) => [s.ttl, s.bytes.length]), [[1, 1500], [1, 1500], [2, 1500], [2, 1300]]);
    for (const r of replies) assert.equal(quotedProbe(r, sent).dst, S);
    assert.deepEqual([replies[2].src, replies[2].mtu, replies[2].quote?.ttl], [R, 1300, 2]);
    assert.deepEqual([replies[3].src, replies[3].icmpType, replies[3].icmpCode, replies[3].quote?.totalLength], [S, ...pu, 1300]);
  }
});

test('ping: echo-reply with the request id/seq and its 100 data bytes', () => {
  for (const [v, S, type] of [[4, S4, 0], [6, S6, 129]] as const) {
    const { replies, sent } = setOf(`ping${v}`);
    assert.equal(replies.length, 1);
    assert.deepEqual([replies[0].kind, replies[0].src, replies[0].icmpType, replies[0].ttl], ['echo-reply', S, type, 63]);
    assert.deepEqual(replies[0].echo, { id: sent[0].icmpId, seq: sent[0].icmpSeq });
    assert.equal(replies[0].size, (v === 4 ? 20 : 40) + 8 + 100);
  }
});

test('protocol 253: IPv4 protocol unreachable 3/2; IPv6 parameter problem 4/1 pointing at the next-header byte', () => {
  expectReplies('proto4', [{ kind: 'unreachable', from: S4, type: 3, code: 2, ttl: 63, quotedTtl: 63 }]);
  expectReplies('proto6', [{ kind: 'param-problem', from: S6, type: 4, code: 1, ttl: 63, quotedTtl: 63, pointer: 6 }]);
  for (const name of ['proto4', 'proto6']) {
    const q = setOf(name).replies[0].quote;
    assert.deepEqual([q?.protocol, q?.udp, q?.tcp, q?.icmp, q?.transportBytes], [253, null, null, null, 18]);
  }
});

test('parameter problem: a bad IPv4 option (pointer 22) and an unknown IPv6 destination option (pointer 42)', () => {
  expectReplies('badopt4', [{ kind: 'param-problem', from: R4, type: 12, code: 0, ttl: 64, quotedTtl: 64, pointer: 22, dport: 33999 }]);
  const probe4 = parseIpv4(setOf('badopt4').sent[0].bytes);
  assert.ok(probe4.ok);
  assert.deepEqual([probe4.value.header.headerLength, [...probe4.value.header.options], probe4.value.header.id], [24, [7, 3, 2, 0], 0x1234]);
  assert.equal(setOf('badopt4').replies[0].quote?.ipId, 0x1234);

  expectReplies('dstopt6', [{ kind: 'param-problem', from: S6, type: 4, code: 2, ttl: 63, quotedTtl: 63, pointer: 42, dport: 33998 }]);
  const probe6 = parseIpv6(setOf('dstopt6').sent[0].bytes);
  assert.ok(probe6.ok);
  assert.deepEqual([probe6.value.header.nextHeader, probe6.value.extensions, probe6.value.protocol], [60, [60], 17]);
  assert.equal(hex(probe6.value.extensionHeaders[0].bytes), '11008004deadbeef', 'next header UDP, length 0, option 0x80 of 4 bytes');
});

test('fragments: recognised and refused by the reply decoder; offsets, MF / more and ids decoded', () => {
  const f4 = setOf('frag4').packets.map((b) => parseIpv4(b));
  assert.deepEqual(f4.map((p) => p.ok && [p.value.header.fragOffset, p.value.header.mf]), [[0, true], [1280, false], [0, true], [1280, false]]);
  const f6 = setOf('frag6').packets.map((b) => parseIpv6(b));
  assert.deepEqual(f6.map((p) => p.ok && [p.value.fragment?.offset, p.value.fragment?.more, p.value.protocol]), [[0, true, 58], [1248, false, 58], [0, true, 58], [1248, false, 58]]);
  assert.ok(f6[0].ok && f6[1].ok && f6[0].value.fragment?.id === f6[1].value.fragment?.id);
  for (const b of [...setOf('frag4').packets, ...setOf('frag6').packets]) {
    const r = decodeIpPacket(b);
    assert.ok(!r.ok && r.error.kind === 'unsupported' && /fragment/.test(r.error.detail));
  }
  // The first fragment still starts with the echo header.
  const first = f4[0];
  assert.ok(first.ok);
  const m = parseIcmp(first.value.payload, 4);
  assert.ok(m.ok && m.value.type === 8);
});

test('a TCP session: handshake options, data acknowledged by length, FIN', () => {
  for (const v of [4, 6]) {
    const segs = setOf(`session${v}`).packets.map((b) => {
      const ip = v === 4 ? parseIpv4(b) : parseIpv6(b);
      assert.ok(ip.ok);
      const t = parseTcp(ip.value.payload);
      assert.ok(t.ok);
      assert.ok(transportChecksumOk(ip.value.header.src, ip.value.header.dst, 6, ip.value.payload), 'TCP checksum');
      return { fromClient: CLIENT.has(ip.value.header.src), ...t.value };
    });
    const [syn, synack, ack, data, dataAck] = segs;
    assert.deepEqual([syn.header.flags, synack.header.flags, ack.header.flags, data.header.flags], [0x02, 0x12, 0x10, 0x18]);
    assert.equal(synack.header.ack, (syn.header.seq + 1) >>> 0);
    assert.equal(Buffer.from(data.payload).toString(), 'hopscope');
    assert.equal(dataAck.header.ack, (data.header.seq + 8) >>> 0);
    assert.equal(dataAck.fromClient, false);
    const ts = data.header.options.find((o) => o.kind === 'timestamps');
    assert.ok(ts && ts.kind === 'timestamps' && ts.value > 0);
    assert.ok(segs.some((s) => s.header.flags & TCP_FLAGS.FIN));
  }
});

test('every captured packet: emit(parse(bytes)) gives the bytes back at each layer; decoding fails only where unsupported', () => {
  let count = 0;
  for (const s of sets.values()) {
    for (const b of s.packets) {
      count++;
      const what = `${s.set}: ${hex(b).slice(0, 40)}…`;
      const r = decodeIpPacket(b);
      if (!r.ok) assert.equal(r.error.kind, 'unsupported', `${what}: ${r.error.detail}`);
      else assert.equal(r.value.checksumValid, true, what);
      let src: string;
      let dst: string;
      let protocol: number;
      let payload: Uint8Array;
      let fragmentTail = false;
      if (b[0] >> 4 === 4) {
        const p = parseIpv4(b);
        assert.ok(p.ok && p.value.checksumValid, what);
        assert.equal(hex(emitIpv4(p.value.header, p.value.payload)), hex(b), what);
        ({ src, dst, protocol } = p.value.header);
        payload = p.value.payload;
        fragmentTail = p.value.header.fragOffset !== 0 || p.value.header.mf;
      } else {
        const p = parseIpv6(b);
        assert.ok(p.ok, what);
        assert.equal(hex(emitIpv6(p.value.header, p.value.body)), hex(b), what);
        ({ src, dst } = p.value.header);
        protocol = p.value.protocol;
        payload = p.value.payload;
        fragmentTail = p.value.fragment !== null;
      }
      if (fragmentTail) continue;
      if (protocol === 17) {
        const u = parseUdp(payload);
        assert.ok(u.ok, what);
        assert.equal(hex(emitUdp(u.value.header, u.value.payload, src, dst)), hex(payload), what);
      } else if (protocol === 6) {
        const t = parseTcp(payload);
        assert.ok(t.ok, what);
        assert.equal(hex(emitTcp(t.value.header, t.value.payload, src, dst)), hex(payload), what);
      } else if (protocol === 1) {
        const m = parseIcmpv4(payload);
        assert.ok(m.ok, what);
        assert.equal(hex(emitIcmpv4(m.value)), hex(payload), what);
      } else if (protocol === 58) {
        const m = parseIcmpv6(payload, { src, dst });
        assert.ok(m.ok, what);
        assert.equal(hex(emitIcmpv6(m.value, { src, dst })), hex(payload), what);
      }
    }
  }
  assert.ok(count > 100, `${count} packets`);
});
