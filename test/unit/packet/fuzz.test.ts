import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildIcmpEchoProbe, buildTcpProbe, buildUdpProbe, decodeIcmpv6Message, decodeIpPacket, decodeIpv4Packet, decodeIpv6Packet,
  decodeTcpSegment6, emitExtensionStructure, emitIcmp, emitIpv4, emitIpv6, emitTcp, mplsObject, parseQuote, TCP_FLAGS,
} from '../../../lib/packet';

// Deterministic PRNG (mulberry32) so every run feeds the same packets.
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seeds(): Uint8Array[] {
  const v4probe = buildUdpProbe({ src: '198.18.0.1', dst: '198.18.9.9', ttl: 1, sport: 40000, dport: 33434, checksum: 77, size: 60 });
  const ext = emitExtensionStructure([mplsObject([{ label: 100, tc: 0, s: true, ttl: 1 }])]);
  const body = new Uint8Array(128 + ext.length);
  body.set(v4probe.subarray(0, 60));
  body.set(ext, 128);
  const te4 = emitIpv4({ src: '198.18.1.1', dst: '198.18.0.1', protocol: 1, ttl: 64 }, emitIcmp({ type: 11, code: 0, rest: 32 << 16, body }));
  const pu4 = emitIpv4({ src: '198.18.9.9', dst: '198.18.0.1', protocol: 1, ttl: 60 }, emitIcmp({ type: 3, code: 3, rest: 0, body: v4probe.subarray(0, 28) }));
  const fn4 = emitIpv4({ src: '198.18.2.1', dst: '198.18.0.1', protocol: 1 }, emitIcmp({ type: 3, code: 4, rest: 1454, body: v4probe.subarray(0, 28) }));
  const echo4 = buildIcmpEchoProbe({ src: '198.18.9.9', dst: '198.18.0.1', ttl: 60, id: 1, seq: 2 });
  const synack4 = emitIpv4({ src: '198.18.9.9', dst: '198.18.0.1', protocol: 6 }, emitTcp({ sport: 80, dport: 40000, seq: 5, ack: 6, flags: TCP_FLAGS.SYN | TCP_FLAGS.ACK, options: [{ kind: 'mss', value: 1460 }, { kind: 'sack-permitted' }] }, new Uint8Array(0), '198.18.9.9', '198.18.0.1'));
  const v6probe = buildTcpProbe({ src: '2001:db8::1', dst: '2001:db8::9', ttl: 1, sport: 1, dport: 80, seq: 9 });
  const te6msg = emitIcmp({ type: 3, code: 0, rest: 0, body: v6probe }, { src: '2001:db8:1::1', dst: '2001:db8::1' });
  const te6 = emitIpv6({ src: '2001:db8:1::1', dst: '2001:db8::1', nextHeader: 58 }, te6msg);
  const ptb6 = emitIcmp({ type: 2, code: 0, rest: 1280, body: v6probe }, { src: '2001:db8:1::1', dst: '2001:db8::1' });
  return [te4, pu4, fn4, echo4, synack4, te6, te6msg, ptb6, v6probe.subarray(40)];
}

function mutate(rand: () => number, seed: Uint8Array): Uint8Array {
  const r = rand();
  if (r < 0.15) {
    const out = new Uint8Array(Math.floor(rand() * 200));
    for (let i = 0; i < out.length; i++) out[i] = Math.floor(rand() * 256);
    return out;
  }
  let out = seed.slice();
  if (r < 0.35) return out.slice(0, Math.floor(rand() * out.length)); // truncation
  const flips = 1 + Math.floor(rand() * 4);
  for (let i = 0; i < flips && out.length; i++) {
    const at = Math.floor(rand() * out.length);
    if (rand() < 0.5) out[at] ^= 1 << Math.floor(rand() * 8);
    else out[at] = rand() < 0.5 ? 0 : 0xff; // length fields to extremes
  }
  if (rand() < 0.1) {
    const longer = new Uint8Array(out.length + Math.floor(rand() * 64));
    longer.set(out);
    out = longer;
  }
  return out;
}

type Decoder = (b: Uint8Array) => unknown;
const decoders: Decoder[] = [
  decodeIpv4Packet,
  decodeIpv6Packet,
  decodeIpPacket,
  (b) => decodeIcmpv6Message(b, { src: '2001:db8::5' }),
  (b) => decodeIcmpv6Message(b, { src: '2001:db8::5', dst: '2001:db8::1', hopLimit: 9 }),
  (b) => decodeTcpSegment6(b, { src: '2001:db8::5' }),
  (b) => parseQuote(b, 4),
  (b) => parseQuote(b, 6),
];

/** A view that throws on any read past its end, also through subarray/slice. */
function guarded(b: Uint8Array): Uint8Array {
  return new Proxy(b, {
    get(target, prop) {
      if (typeof prop === 'string' && /^\d+$/.test(prop) && Number(prop) >= target.length) {
        throw new Error(`read past the buffer at ${prop} (length ${target.length})`);
      }
      const v = Reflect.get(target, prop, target);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        const out = (v as (...a: unknown[]) => unknown).apply(target, args);
        return out instanceof Uint8Array ? guarded(out) : out;
      };
    },
  });
}

const COUNT = Number(process.env.HOPSCOPE_FUZZ_COUNT ?? 1_000_000);
const TIME_LIMIT_MS = Number(process.env.HOPSCOPE_FUZZ_SECONDS ?? 120) * 1000;

test(`fuzz: ${COUNT} random and mutated packets never make a decoder throw`, { timeout: TIME_LIMIT_MS + 30_000 }, () => {
  const rand = prng(0x5eed);
  const base = seeds();
  const start = Date.now();
  let fed = 0;
  for (; fed < COUNT && Date.now() - start < TIME_LIMIT_MS; fed++) {
    const input = mutate(rand, base[fed % base.length]);
    const decode = decoders[fed % decoders.length];
    try {
      decode(input);
    } catch (err) {
      assert.fail(`decoder ${fed % decoders.length} threw on ${Buffer.from(input).toString('hex')}: ${(err as Error).message}`);
    }
  }
  assert.equal(fed, COUNT, `only ${fed} packets fit in ${TIME_LIMIT_MS} ms`);
});

test('fuzz: no decoder reads past its buffer (guarded sample of 30,000)', () => {
  const rand = prng(0xb0b);
  const base = seeds();
  for (let i = 0; i < 30_000; i++) {
    const input = mutate(rand, base[i % base.length]);
    for (const decode of decoders) decode(guarded(input));
  }
  for (const s of base) for (const decode of decoders) decode(guarded(s));
});
