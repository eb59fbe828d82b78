import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { makeRecord, probeFields, type MplsLabel, type ProbeRecord } from '../../lib/record';
import { mplsTunnels, readLatency } from '../../lib/analysis';

interface HopSpec {
  addr: string | null;
  rtts?: number[];
  replyTtl?: number;
  quotedTtl?: number;
  mpls?: MplsLabel[];
}

/** A trace as records: one hop spec per TTL from 1, several probes per hop (one per RTT). */
function trace(hops: HopSpec[]): ProbeRecord[] {
  return hops.flatMap((h, i) =>
    (h.rtts ?? [1]).map((rtt, attempt) =>
      makeRecord(probeFields({ ttl: i + 1, attempt, proto: 'udp', ipVersion: 4, dst: '192.0.2.99' }), h.addr === null ? {} : {
        addr: h.addr,
        kind: i === hops.length - 1 ? 'port-unreachable' : 'time-exceeded',
        rttMs: rtt,
        replyTtl: h.replyTtl ?? 64 - i,
        quotedTtl: h.quotedTtl ?? 1,
        mpls: h.mpls ?? null,
      }),
    ),
  );
}
const lse = (label: number, ttl: number): MplsLabel => ({ label, tc: 0, s: true, ttl });
const at = (n: number) => `192.0.2.${n}`;

describe('latency reading (seed 002)', () => {
  test('a rise carried by every later hop is a path delay located there; a rise at one hop only is ICMP slow path', () => {
    const r = readLatency(trace([
      { addr: at(1), rtts: [0.5, 0.6, 0.9] },
      { addr: at(2), rtts: [0.7, 0.8, 1.2] },
      { addr: at(3), rtts: [35.2, 36.0, 40.1] }, // this router's ICMP is slow; the next hops are not
      { addr: at(4), rtts: [1.0, 1.1, 1.3] },
      { addr: at(5), rtts: [21.1, 21.5, 22.0] }, // a real 20 ms step
      { addr: at(6), rtts: [21.3, 21.9, 25.0] },
      { addr: at(7), rtts: [21.6, 22.0, 22.4] },
    ]));
    assert.deepEqual(r.verdicts.map((v) => [v.kind, 'ttl' in v ? v.ttl : v.ttls]), [['icmp-slow', 3], ['path-delay', 5]]);
    const delay = r.verdicts[1] as Extract<(typeof r.verdicts)[number], { kind: 'path-delay' }>;
    assert.ok(Math.abs(delay.deltaMs - 20.6) < 0.01, `rise ${delay.deltaMs} over the lowest minimum before it (0.5 ms)`);
    assert.equal(delay.carriedTo, 7);
    assert.match(r.verdicts[0].evidence, /min RTT 0\.50 ms → 35\.2 ms .* at TTL 3 \(192\.0\.2\.3\) only: the next hop is back at 1\.00 ms/);
  });

  test('a first hop above the next one is ICMP slow path at hop 1 (it has no hop before it to rise from)', () => {
    const r = readLatency(trace([
      { addr: at(1), rtts: [60.2, 60.5] },
      { addr: at(2), rtts: [0.3, 0.5] },
      { addr: at(3), rtts: [40.3, 40.6] },
      { addr: at(4), rtts: [40.4, 40.9] },
    ]));
    assert.deepEqual(r.verdicts.map((v) => [v.kind, 'ttl' in v ? v.ttl : v.ttls]), [['icmp-slow', 1], ['path-delay', 3]]);
    assert.match(r.verdicts[0].evidence, /min RTT 60\.2 ms at TTL 1 \(192\.0\.2\.1\), the first hop, above the next hop's 0\.30 ms/);
  });

  test('noise under the threshold is no verdict; the threshold follows the jitter', () => {
    const flat = readLatency(trace([{ addr: at(1), rtts: [0.5, 0.7] }, { addr: at(2), rtts: [1.2, 1.3] }, { addr: at(3), rtts: [0.9, 1.4] }]));
    assert.deepEqual(flat.verdicts, []);
    assert.equal(flat.thresholdMs, 1);
    const jittery = readLatency(trace([{ addr: at(1), rtts: [1, 9, 1] }, { addr: at(2), rtts: [2, 10, 2] }, { addr: at(3), rtts: [6, 12, 7] }, { addr: at(4), rtts: [6.5, 9, 7] }]));
    assert.ok(jittery.thresholdMs >= 20, `threshold ${jittery.thresholdMs}`);
    assert.deepEqual(jittery.verdicts, [], 'a 5 ms rise inside 8 ms of jitter is not read as a step');
  });

  test('a rise at the last hop is a delay no later hop confirms; silent hops are skipped', () => {
    const r = readLatency(trace([{ addr: at(1), rtts: [1] }, { addr: null, rtts: [1] }, { addr: at(3), rtts: [30] }]));
    assert.equal(r.verdicts.length, 1);
    assert.equal(r.verdicts[0].kind, 'path-delay');
    assert.match(r.verdicts[0].evidence, /no later hop to confirm it/);
  });

  test('hops inside an MPLS tunnel with the egress RTT are ICMP tunnelling, not single-hop delays', () => {
    const r = readLatency(trace([
      { addr: at(1), rtts: [1, 1.2] },
      { addr: at(2), rtts: [40.2, 40.5], mpls: [lse(16001, 1)] },
      { addr: at(3), rtts: [40.4, 40.9], mpls: [lse(16002, 1)] },
      { addr: at(4), rtts: [40.6, 41.0], mpls: [lse(16003, 1)] },
      { addr: at(5), rtts: [40.1, 40.3] },
      { addr: at(6), rtts: [40.5, 40.8] },
    ]));
    assert.deepEqual(r.verdicts.map((v) => v.kind), ['mpls-tunnel', 'path-delay']);
    assert.deepEqual(r.verdicts[0].kind === 'mpls-tunnel' && [r.verdicts[0].ttls, r.verdicts[0].egressTtl], [[2, 3, 4], 5]);
    assert.equal((r.verdicts[1] as { ttl: number }).ttl, 5, 'the delay shows from the egress on, not at the first LSR');
    assert.match((r.verdicts[1] as { evidence: string }).evidence, /or inside the tunnel before it \(TTLs 2-4 show the egress's RTT\)/);
  });
});

describe('MPLS tunnels', () => {
  test('explicit: consecutive hops with label stacks', () => {
    const t = mplsTunnels(trace([{ addr: at(1) }, { addr: at(2), mpls: [lse(300, 1)] }, { addr: at(3), mpls: [lse(301, 1)] }, { addr: at(4) }]));
    assert.deepEqual(t.map((x) => [x.kind, x.ttls, x.labels]), [['explicit', [2, 3], { 2: [300], 3: [301] }]]);
  });

  test('opaque: one labelled hop whose label TTL says how many LSRs hid before it', () => {
    const t = mplsTunnels(trace([{ addr: at(1) }, { addr: at(2), mpls: [lse(500, 252)] }, { addr: at(3) }]));
    assert.deepEqual(t.map((x) => [x.kind, x.ttls, x.hidden]), [['opaque', [2], 3]]);
  });

  test('implicit: no labels, quoted TTL rising along consecutive hops', () => {
    const t = mplsTunnels(trace([{ addr: at(1) }, { addr: at(2), quotedTtl: 2 }, { addr: at(3), quotedTtl: 3 }, { addr: at(4), quotedTtl: 4 }, { addr: at(5) }]));
    assert.deepEqual(t.map((x) => [x.kind, x.ttls]), [['implicit', [2, 3, 4]]]);
    assert.deepEqual(mplsTunnels(trace([{ addr: at(1) }, { addr: at(2), quotedTtl: 2 }, { addr: at(3) }])), [], 'a lone quoted TTL of 2 is not enough');
    // As LSRs really quote (emulated mpls topology): the first LSR quotes 1 like any router,
    // but the hop quoting 2 right after it says the tunnel began one hop earlier.
    const real = mplsTunnels(trace([{ addr: at(1), quotedTtl: 1 }, { addr: at(2), quotedTtl: 1 }, { addr: at(3), quotedTtl: 2 }, { addr: at(4), quotedTtl: 3 }, { addr: at(5), quotedTtl: 1 }]));
    assert.deepEqual(real.map((x) => [x.kind, x.ttls]), [['implicit', [2, 3, 4]]]);
    const late = mplsTunnels(trace([{ addr: at(1), quotedTtl: 1 }, { addr: at(2), quotedTtl: 1 }, { addr: at(3), quotedTtl: 1 }, { addr: at(4), quotedTtl: 2 }, { addr: at(5), quotedTtl: 3 }]));
    assert.deepEqual(late.map((x) => [x.kind, x.ttls]), [['implicit', [3, 4, 5]]], 'only as far back as the quoted TTLs reach');
  });

  test('invisible: the egress twice in a row, or the return length jumping', () => {
    const dup = mplsTunnels(trace([{ addr: at(1) }, { addr: at(2) }, { addr: at(2) }, { addr: at(4) }]));
    assert.deepEqual(dup.map((x) => [x.kind, x.ttls]), [['invisible', [3]]]);
    const jump = mplsTunnels(trace([{ addr: at(1), replyTtl: 255 }, { addr: at(2), replyTtl: 254 }, { addr: at(3), replyTtl: 249 }, { addr: at(4), replyTtl: 248 }]));
    assert.deepEqual(jump.map((x) => [x.kind, x.ttls, x.hidden]), [['invisible', [3], 4]]);
  });

  test('a plain path has no tunnel', () => {
    assert.deepEqual(mplsTunnels(trace([{ addr: at(1) }, { addr: at(2) }, { addr: at(3) }])), []);
  });
});
