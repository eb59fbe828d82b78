import { fail, ok, type Result } from './errors';
import { parseIpv4 } from './ipv4';
import { parseIpv6 } from './ipv6';

/** The probe as an ICMP error quotes it: its IP header and the first transport bytes. */
export interface Quote {
  ipVersion: 4 | 6;
  /** TTL / hop limit the probe had when it reached the router (normally 1). */
  ttl: number;
  ipId: number | null;
  tos: number;
  flowLabel: number | null;
  df: boolean | null;
  totalLength: number;
  src: string;
  dst: string;
  protocol: number;
  udp: { sport: number; dport: number; length: number; checksum: number } | null;
  tcp: { sport: number; dport: number; seq: number; ack: number | null; flags: number | null } | null;
  icmp: { type: number; code: number; checksum: number; id: number; seq: number } | null;
  /** Transport bytes present in the quote. */
  transportBytes: number;
}

const u16 = (b: Uint8Array, o: number) => (b[o] << 8) | b[o + 1];
const u32 = (b: Uint8Array, o: number) => ((b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3]) >>> 0;

/** Decodes a quoted datagram; needs the IP header and at least 8 transport bytes. */
export function parseQuote(b: Uint8Array, ipVersion: 4 | 6): Result<Quote> {
  // One literal per family with every field, so quotes share one shape (this is a hot path).
  let q: Quote;
  let t: Uint8Array;
  if (ipVersion === 4) {
    const p = parseIpv4(b, { allowTruncated: true });
    if (!p.ok) return fail(p.error.kind, 'quote', `quoted IPv4: ${p.error.detail}`);
    const h = p.value.header;
    if (h.fragOffset !== 0) return fail('unsupported', 'quote', `quoted IPv4 fragment at offset ${h.fragOffset}`);
    q = {
      ipVersion, ttl: h.ttl, ipId: h.id, tos: h.tos, flowLabel: null, df: h.df, totalLength: h.totalLength, src: h.src, dst: h.dst,
      protocol: h.protocol, udp: null, tcp: null, icmp: null, transportBytes: 0,
    };
    t = p.value.payload;
  } else {
    const p = parseIpv6(b, { allowTruncated: true });
    if (!p.ok) return fail(p.error.kind, 'quote', `quoted IPv6: ${p.error.detail}`);
    const h = p.value.header;
    const frag = p.value.fragment;
    if (frag !== null && frag.offset !== 0) return fail('unsupported', 'quote', `quoted IPv6 fragment at offset ${frag.offset}`);
    q = {
      ipVersion, ttl: h.hopLimit, ipId: null, tos: h.trafficClass, flowLabel: h.flowLabel, df: null, totalLength: h.payloadLength + 40,
      src: h.src, dst: h.dst, protocol: p.value.protocol, udp: null, tcp: null, icmp: null, transportBytes: 0,
    };
    t = p.value.payload;
  }
  if (t.length < 8) return fail('truncated', 'quote', `${t.length} transport bytes quoted, need 8`);
  const quote = q;
  quote.transportBytes = t.length;
  if (q.protocol === 17) quote.udp = { sport: u16(t, 0), dport: u16(t, 2), length: u16(t, 4), checksum: u16(t, 6) };
  else if (q.protocol === 6) {
    quote.tcp = { sport: u16(t, 0), dport: u16(t, 2), seq: u32(t, 4), ack: t.length >= 12 ? u32(t, 8) : null, flags: t.length >= 14 ? ((t[12] & 0x0f) << 8) | t[13] : null };
  } else if (q.protocol === 1 || q.protocol === 58) {
    quote.icmp = { type: t[0], code: t[1], checksum: u16(t, 2), id: u16(t, 4), seq: u16(t, 6) };
  }
  return ok(quote);
}
