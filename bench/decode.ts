// Decode throughput for a realistic reply mix: mostly time-exceeded with quotes (some
// with MPLS extensions), some port-unreachable, echo replies and TCP answers, taken
// from the Linux capture fixtures plus built MPLS replies. Prints packets per second.
import { buildUdpProbe, decodeIpPacket, emitExtensionStructure, emitIcmp, emitIpv4, mplsObject } from '../lib/packet';

import { allLinuxPackets } from '../test/fixtures/packet/load';

const captured = allLinuxPackets();
const probe = buildUdpProbe({ src: '198.18.0.1', dst: '198.18.9.9', ttl: 1, sport: 40000, dport: 33434, checksum: 9, size: 60 });
const body = new Uint8Array(128 + 12);
body.set(probe);
body.set(emitExtensionStructure([mplsObject([{ label: 24001, tc: 0, s: true, ttl: 1 }])]), 128);
const mpls = emitIpv4({ src: '198.18.1.1', dst: '198.18.0.1', protocol: 1, ttl: 250 }, emitIcmp({ type: 11, code: 0, rest: 32 << 16, body }));
const mix = [...captured, mpls, mpls, mpls];

const N = Number(process.env.BENCH_PACKETS ?? 2_000_000);
for (let i = 0; i < 50_000; i++) decodeIpPacket(mix[i % mix.length]); // warm up
const t0 = process.hrtime.bigint();
let ok = 0;
for (let i = 0; i < N; i++) if (decodeIpPacket(mix[i % mix.length]).ok) ok++;
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`decode: ${N} packets (${mix.length}-packet mix, ${ok} decoded) in ${secs.toFixed(2)} s = ${Math.round(N / secs).toLocaleString('en')} packets/s`);
