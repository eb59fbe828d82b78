/** Hand-made probe records for the chart, frame and display tests. */
import { makeRecord, probeFields, type ProbeRecord, type ReplyKind } from '../../../lib/record';

/** Deterministic pseudo-random numbers in [0, 1). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const DST = '198.18.5.2';

/**
 * A 6-hop UDP trace, 3 probes per hop: hop 3 is a per-flow ECMP pair, hop 4 never answers,
 * hop 5 loses one probe and answers over a return path 2 hops longer, hop 6 is the destination
 * (port unreachable, initial TTL 64; routers 255).
 */
export function traceRecords(): ProbeRecord[] {
  const rand = rng(7);
  const out: ProbeRecord[] = [];
  const base = [0.12, 1.3, 4.8, null, 7.9, 9.1];
  for (let ttl = 1; ttl <= 6; ttl++) {
    for (let attempt = 0; attempt < 3; attempt++) {
      const p = probeFields({ ttl, attempt, proto: 'udp', ipVersion: 4, dst: DST, src: '198.18.0.2', sport: 40000 + attempt, dport: 33434, flowId: attempt, sentAt: 1_700_000_000_000 + ttl * 10 + attempt, size: 60, run: 'smoke' });
      const rtt = base[ttl - 1];
      if (rtt === null || (ttl === 5 && attempt === 1)) {
        out.push(makeRecord(p));
        continue;
      }
      const addr = ttl === 3 ? `10.0.2.${1 + (attempt % 2)}` : ttl === 6 ? DST : `10.0.${ttl - 1}.1`;
      const kind: ReplyKind = ttl === 6 ? 'port-unreachable' : 'time-exceeded';
      out.push(makeRecord(p, { addr, kind, icmpType: ttl === 6 ? 3 : 11, icmpCode: ttl === 6 ? 3 : 0, rttMs: rtt + rand() * rtt * 0.2, replyTtl: ttl === 6 ? 64 - 5 : ttl === 5 ? 256 - ttl - 2 : 256 - ttl, quotedTtl: 1 }));
    }
  }
  return out;
}

/** A sampling loop: `rounds` fixed-flow traces of 4 hops; hop 3 alternates between two routers per packet. */
export function sampleRecords(rounds = 30): ProbeRecord[] {
  const rand = rng(11);
  const out: ProbeRecord[] = [];
  let t = 1_700_000_000_000;
  for (let round = 0; round < rounds; round++) {
    for (let ttl = 1; ttl <= 4; ttl++) {
      for (let attempt = 0; attempt < 2; attempt++) {
        t += 25;
        const p = probeFields({ ttl, attempt, round, proto: 'udp', ipVersion: 4, dst: DST, flowId: 0, sentAt: t, run: 'loop' });
        if (ttl === 2 && rand() < 0.1) {
          out.push(makeRecord(p));
          continue;
        }
        const addr = ttl === 3 ? `10.0.2.${1 + ((round * 2 + attempt) % 2)}` : ttl === 4 ? DST : `10.0.${ttl - 1}.1`;
        const spike = round >= 20 && ttl >= 2 ? 6 : 0;
        out.push(makeRecord(p, { addr, kind: ttl === 4 ? 'port-unreachable' : 'time-exceeded', rttMs: ttl * 1.5 + spike + rand(), replyTtl: ttl === 4 ? 61 : 256 - ttl }));
      }
    }
  }
  return out;
}

/** A tracepath-style walk: 1500-byte DF probes; 10.0.2.1 reports MTU 1400 at TTL 3, 10.0.3.1 reports 1280 at TTL 4. */
export function pmtuRecords(): ProbeRecord[] {
  const out: ProbeRecord[] = [];
  let size = 1500;
  for (let ttl = 1; ttl <= 6; ttl++) {
    const p = (s: number) => probeFields({ ttl, proto: 'udp', ipVersion: 4, dst: DST, size: s });
    if (ttl === 3 && size > 1400) {
      out.push(makeRecord(p(size), { addr: '10.0.1.1', kind: 'frag-needed', mtu: 1400, rttMs: 1 }));
      size = 1400;
    }
    if (ttl === 4 && size > 1280) {
      out.push(makeRecord(p(size), { addr: '10.0.2.1', kind: 'frag-needed', mtu: 1280, rttMs: 1 }));
      size = 1280;
    }
    out.push(makeRecord(p(size), { addr: `10.0.${ttl}.1`, kind: ttl === 6 ? 'port-unreachable' : 'time-exceeded', rttMs: ttl, replyTtl: 256 - ttl }));
  }
  return out;
}
