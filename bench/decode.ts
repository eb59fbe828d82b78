// Reply-decoding throughput for a realistic mix, decoded the way the probe engine gets
// them: IPv4 replies as whole datagrams (decodeIpv4Packet), ICMPv6 as bare messages with
// the sender from the socket (decodeIcmpv6Message), IPv6 TCP as bare segments.
// Replies come from the Linux capture fixtures, plus MPLS time-exceeded built from the
// RFC 4950 layout. Mix: ~55% time-exceeded with quotes, 15% time-exceeded with an MPLS
// stack, 10% port-unreachable, 8% echo-reply, 7% TCP SYN-ACK / RST, 5% other errors.
// Run: npx tsx bench/decode.ts   (BENCH_PACKETS to change the count; default 2,000,000)
import {
  buildUdpProbe, decodeIcmpv6Message, decodeIpv4Packet, decodeTcpSegment6, emitIcmpv4, emitIcmpv6, emitIpv4, mplsObject, parseIpv6,
  type Reply, type Result,
} from '../lib/packet';
import { allLinuxPackets } from '../test/fixtures/packet/load';

type Sample = { kind: string; decode: () => Result<Reply> };

const CLIENT = new Set(['198.18.250.1', '2001:db8:fa::1']);
const byKind = new Map<string, Sample[]>();
const add = (s: Sample) => byKind.set(s.kind, [...(byKind.get(s.kind) ?? []), s]);

for (const b of allLinuxPackets()) {
  if (b[0] >> 4 === 4) {
    const r = decodeIpv4Packet(b);
    if (r.ok && r.value.dst !== null && CLIENT.has(r.value.dst)) add({ kind: r.value.kind, decode: () => decodeIpv4Packet(b) });
    continue;
  }
  const p = parseIpv6(b);
  if (!p.ok || !CLIENT.has(p.value.header.dst) || p.value.fragment) continue;
  const info = { src: p.value.header.src, hopLimit: p.value.header.hopLimit };
  const msg = p.value.payload.slice();
  if (p.value.protocol === 58) {
    const r = decodeIcmpv6Message(msg, info);
    if (r.ok && r.value.kind !== 'other') add({ kind: r.value.kind, decode: () => decodeIcmpv6Message(msg, info) });
  } else if (p.value.protocol === 6) {
    const r = decodeTcpSegment6(msg, info);
    if (r.ok) add({ kind: r.value.kind, decode: () => decodeTcpSegment6(msg, info) });
  }
}

// Time-exceeded with a two-label stack, as an LSR with ttl-propagate sends it.
const stack = [mplsObject([{ label: 24001, tc: 0, s: false, ttl: 1 }, { label: 16005, tc: 0, s: true, ttl: 1 }])];
const probe4 = buildUdpProbe({ src: '198.18.0.1', dst: '198.18.9.9', ttl: 5, sport: 40000, dport: 33434, checksum: 9, size: 60 });
const probe6 = buildUdpProbe({ src: '2001:db8::1', dst: '2001:db8:9::9', ttl: 5, sport: 40000, dport: 33434, checksum: 9, size: 80 });
for (const layout of ['rfc4884', 'legacy'] as const) {
  const v4 = emitIpv4({ src: '198.18.1.1', dst: '198.18.0.1', protocol: 1, ttl: 250 }, emitIcmpv4({ kind: 'time-exceeded', code: 0, quote: probe4, extensions: stack, extensionLayout: layout }));
  add({ kind: 'mpls', decode: () => decodeIpv4Packet(v4) });
  const v6 = emitIcmpv6({ kind: 'time-exceeded', code: 0, quote: probe6, extensions: stack, extensionLayout: layout }, { src: '2001:db8:1::1', dst: '2001:db8::1' });
  add({ kind: 'mpls', decode: () => decodeIcmpv6Message(v6, { src: '2001:db8:1::1', hopLimit: 250 }) });
}

const weights: [string[], number][] = [
  [['time-exceeded'], 55],
  [['mpls'], 15],
  [['port-unreachable'], 10],
  [['echo-reply'], 8],
  [['tcp-synack', 'tcp-rst'], 7],
  [['frag-needed', 'unreachable', 'param-problem'], 5],
];
const mix: Sample[] = [];
for (const [kinds, weight] of weights) {
  const pool = kinds.flatMap((k) => byKind.get(k) ?? []);
  if (pool.length === 0) throw new Error(`no fixture replies of kind ${kinds.join('/')}`);
  for (let i = 0; i < weight * 4; i++) mix.push(pool[i % pool.length]);
}
// Interleave deterministically so the order is not sorted by kind.
for (let i = mix.length - 1; i > 0; i--) {
  const j = (i * 7919) % (i + 1);
  [mix[i], mix[j]] = [mix[j], mix[i]];
}

const N = Number(process.env.BENCH_PACKETS ?? 2_000_000);
for (let i = 0; i < 100_000; i++) mix[i % mix.length].decode(); // warm up
let ok = 0;
let labels = 0;
const t0 = process.hrtime.bigint();
for (let i = 0; i < N; i++) {
  const r = mix[i % mix.length].decode();
  if (r.ok) {
    ok++;
    if (r.value.mpls) labels += r.value.mpls.length;
  }
}
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
const distinct = new Set(mix).size;
console.log(
  `decode: ${N.toLocaleString('en')} replies (${distinct} distinct, ${mix.length}-slot mix; ${ok.toLocaleString('en')} decoded, ${labels.toLocaleString('en')} MPLS labels) ` +
    `in ${secs.toFixed(2)} s = ${Math.round(N / secs).toLocaleString('en')} packets/s`,
);
