// Fuzz: random packets and mutations of real ones (the Linux capture fixtures and the
// MPLS vectors) through every decoder. Nothing may throw, and nothing may read past its
// buffer: a guarded view (a Proxy that throws on any index read beyond the end, also
// through subarray/slice results) is fed a deterministic share of the same inputs.
// Deterministic (seeded PRNG). HOPSCOPE_FUZZ_COUNT (default 1,000,000 packets) and
// HOPSCOPE_FUZZ_SECONDS (default 60) tune it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeIcmpv6Message, decodeIpPacket, decodeIpv4Packet, decodeIpv6Packet, decodeTcpSegment6, emitIcmpv4, emitIcmpv6, emitIpv4,
  mplsObject, parseExtensionStructure, parseIcmp, parseIcmpv4, parseIcmpv6, parseIpv4, parseIpv6, parseMplsStack, parseQuote,
  parseTcp, parseTcpOptions, parseUdp, splitErrorBody, buildUdpProbe, buildTcpProbe,
} from '../../../lib/packet';
import { allLinuxPackets } from '../../fixtures/packet/load';
import { seededRandom } from '../../lab/topologies/build';

const prng = seededRandom;

interface Seed {
  bytes: Uint8Array;
  /** Offsets of length, header-length, type and pointer fields worth setting to extremes. */
  fields: number[];
}

/** Field offsets of a whole packet or bare transport message, found by parsing it once. */
function fieldsOf(b: Uint8Array): number[] {
  const out: number[] = [];
  const transport = (t: number, icmp: boolean) => {
    out.push(t, t + 1, t + 4, t + 5, t + 6, t + 12);
    if (icmp) for (const o of [8, 9, 10, 11, 14, 15, 16, 17, 18, 19, 20, 21, 26, 28, 29, 30, 32, 33, 34, 48, 136, 137, 138, 139, 140, 141, 142, 143]) out.push(t + o);
  };
  const v = b[0] >> 4;
  if (v === 4 && b.length >= 20) {
    out.push(0, 2, 3, 6, 7, 9);
    transport((b[0] & 15) * 4, b[9] === 1);
  } else if (v === 6 && b.length >= 40) {
    out.push(4, 5, 6, 40, 41);
    transport(40, b[6] === 58);
  } else transport(0, true);
  return out.filter((o) => o < b.length);
}

function seeds(): Seed[] {
  const real = allLinuxPackets();
  const bare: Uint8Array[] = [];
  for (const b of real) {
    const p = b[0] >> 4 === 6 ? parseIpv6(b) : null;
    if (p?.ok && (p.value.protocol === 58 || p.value.protocol === 6)) bare.push(p.value.payload.slice()); // as IPv6 raw sockets deliver
  }
  const stack = [mplsObject([{ label: 16004, tc: 0, s: false, ttl: 1 }, { label: 299808, tc: 5, s: true, ttl: 1 }])];
  const probe4 = buildUdpProbe({ src: '198.18.0.1', dst: '198.18.9.9', ttl: 1, sport: 40000, dport: 33434, checksum: 77, size: 60 });
  const probe6 = buildTcpProbe({ src: '2001:db8::1', dst: '2001:db8::9', ttl: 1, sport: 1, dport: 80, seq: 9 });
  const built: Uint8Array[] = [];
  for (const layout of ['rfc4884', 'legacy'] as const) {
    built.push(emitIpv4({ src: '198.18.1.1', dst: '198.18.0.1', protocol: 1 }, emitIcmpv4({ kind: 'time-exceeded', code: 0, quote: probe4, extensions: stack, extensionLayout: layout })));
    built.push(emitIcmpv6({ kind: 'time-exceeded', code: 0, quote: probe6, extensions: stack, extensionLayout: layout }, { src: '2001:db8:1::1', dst: '2001:db8::1' }));
  }
  return [...real, ...bare, ...built].map((bytes) => ({ bytes, fields: fieldsOf(bytes) }));
}

const EXTREMES = [0x00, 0xff, 0x01, 0x7f, 0x80, 0x0f, 0xf0];

function mutate(rand: () => number, seed: Seed): Uint8Array {
  const pick = (n: number) => Math.floor(rand() * n);
  const r = rand();
  if (r < 0.1) {
    const out = new Uint8Array(pick(200));
    for (let i = 0; i < out.length; i++) out[i] = pick(256);
    if (out.length && rand() < 0.5) out[0] = rand() < 0.5 ? 0x45 : 0x60; // plausible versions reach deeper
    return out;
  }
  let out = seed.bytes.slice();
  if (r < 0.3) return out.subarray(0, pick(out.length + 1)).slice(); // truncation
  if (r < 0.55 || seed.fields.length === 0) {
    for (let i = 1 + pick(4); i > 0 && out.length; i--) out[pick(out.length)] ^= 1 << pick(8); // bit flips
  } else {
    for (let i = 1 + pick(3); i > 0; i--) {
      const at = seed.fields[pick(seed.fields.length)];
      out[at] = EXTREMES[pick(EXTREMES.length)]; // length / header-length / type fields to extremes
      if (rand() < 0.3 && at + 1 < out.length) out[at + 1] = out[at];
    }
  }
  const tail = rand();
  if (tail < 0.15) out = out.subarray(0, pick(out.length + 1)).slice();
  else if (tail < 0.25) {
    const longer = new Uint8Array(out.length + pick(64));
    longer.set(out);
    out = longer;
  }
  return out;
}

const SRC6 = { src: '2001:db8:1::1' };
const ADDRS6 = { src: '2001:db8:1::1', dst: '2001:db8::1' };
const decoders: [string, (b: Uint8Array) => unknown][] = [
  ['decodeIpPacket', (b) => decodeIpPacket(b)],
  ['decodeIpv4Packet strict', (b) => decodeIpv4Packet(b, { rejectBadChecksum: true })],
  ['decodeIpv6Packet', (b) => decodeIpv6Packet(b)],
  ['decodeIcmpv6Message', (b) => decodeIcmpv6Message(b, SRC6)],
  ['decodeIcmpv6Message+dst', (b) => decodeIcmpv6Message(b, { ...ADDRS6, hopLimit: 9 })],
  ['decodeTcpSegment6', (b) => decodeTcpSegment6(b, ADDRS6)],
  ['parseQuote4', (b) => parseQuote(b, 4)],
  ['parseQuote6', (b) => parseQuote(b, 6)],
  ['parseIpv4', (b) => parseIpv4(b, { allowTruncated: true })],
  ['parseIpv6', (b) => parseIpv6(b, { allowTruncated: true })],
  ['parseUdp', (b) => parseUdp(b, { allowTruncated: true })],
  ['parseTcp', (b) => parseTcp(b)],
  ['parseTcpOptions', (b) => parseTcpOptions(b)],
  ['parseIcmpv4', (b) => parseIcmpv4(b, { verifyChecksum: false })],
  ['parseIcmpv6', (b) => parseIcmpv6(b, ADDRS6)],
  ['splitErrorBody', (b) => { const m = parseIcmp(b, b.length & 1 ? 6 : 4); return m.ok ? splitErrorBody(m.value) : m; }],
  ['parseExtensionStructure', (b) => parseExtensionStructure(b, 'rfc4884')],
  ['parseMplsStack', (b) => parseMplsStack(b)],
];

/** A view that throws on any read past its end, also through subarray/slice. */
function guarded(b: Uint8Array): Uint8Array {
  return new Proxy(b, {
    get(target, prop) {
      if (typeof prop === 'string' && prop.length > 0 && prop.charCodeAt(0) <= 57 && /^\d+$/.test(prop) && Number(prop) >= target.length) {
        throw new RangeError(`read past the buffer at ${prop} (length ${target.length})`);
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
const LIMIT_MS = Number(process.env.HOPSCOPE_FUZZ_SECONDS ?? 60) * 1000;
/** Every GUARD_EVERY-th packet also goes through every decoder behind the guard. */
const GUARD_EVERY = Number(process.env.HOPSCOPE_FUZZ_GUARD_EVERY ?? 20);

test(`fuzz: ${COUNT.toLocaleString('en')} random and mutated packets through ${decoders.length} decoders: no throw, no read past the buffer`, { timeout: LIMIT_MS + 60_000 }, () => {
  const rand = prng(0x5eed);
  const base = seeds();
  assert.ok(base.length > 150, 'seeds include the real captures');
  const start = Date.now();
  let fed = 0;
  let guardedRuns = 0;
  const outcomes = new Map<string, number>();
  for (; fed < COUNT; fed++) {
    if ((fed & 0x3fff) === 0 && Date.now() - start > LIMIT_MS) break;
    const input = mutate(rand, base[fed % base.length]);
    const guard = fed % GUARD_EVERY === 0;
    for (const [name, decode] of decoders) {
      let res: unknown;
      try {
        res = decode(input);
        if (guard) {
          decode(guarded(input));
          guardedRuns++;
        }
      } catch (err) {
        assert.fail(`${name} threw on ${Buffer.from(input).toString('hex')}: ${(err as Error).message}`);
      }
      if (name === 'decodeIpPacket') {
        const r = res as { ok: boolean; error?: { kind: string } };
        const key = r.ok ? 'ok' : r.error!.kind;
        outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
      }
    }
  }
  const secs = (Date.now() - start) / 1000;
  console.log(`fuzz: ${fed.toLocaleString('en')} packets x ${decoders.length} decoders (${guardedRuns.toLocaleString('en')} guarded decodes) in ${secs.toFixed(1)} s; decodeIpPacket outcomes ${JSON.stringify(Object.fromEntries(outcomes))}`);
  assert.equal(fed, COUNT, `only ${fed} packets fitted in ${LIMIT_MS / 1000} s`);
  // The mix reaches every kind of outcome, not just early rejections.
  for (const k of ['ok', 'truncated', 'bad-length', 'bad-version', 'unsupported', 'bad-header']) assert.ok((outcomes.get(k) ?? 0) > 0, `outcome ${k} reached`);
});

test('fuzz: the guard itself catches a read past the end', () => {
  const g = guarded(Uint8Array.from([1, 2, 3]));
  assert.equal(g[2], 3);
  assert.throws(() => g[3], /read past the buffer/);
  assert.throws(() => g.subarray(1)[2], /read past the buffer/);
});
