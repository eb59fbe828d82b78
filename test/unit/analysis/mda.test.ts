import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  stoppingPoint,
  perVertexConfidence,
  perPacketProbes,
  multipathGraph,
  classifyBalancers,
  markUncertainLinks,
  multipathFlows,
  multipathPaths,
  MDA_STOPPING_POINTS,
  exactStoppingPoint,
  missProbability,
} from '../../../lib/analysis';
import { prefixNeighbours } from '../../../lib/probe';
import { makeRecord, probeFields, type ReplyKind } from '../../../lib/record';

test('stopping points: the published tables, and the exact rule beyond them', () => {
  assert.deepEqual([1, 2, 3, 16].map((k) => stoppingPoint(k, 95)), [6, 11, 16, 96]);
  assert.deepEqual([1, 2, 3, 16].map((k) => stoppingPoint(k, 99)), [8, 15, 21, 123]);
  assert.ok(stoppingPoint(17, 95) > 96);
  assert.equal(stoppingPoint(17, 95), exactStoppingPoint(17, 0.05));
  assert.ok(Math.abs(perVertexConfidence(0.95, 4) - Math.pow(0.95, 0.25)) < 1e-12);
});

test('exact stopping points: P(n draws over k+1 next hops show <= k) reproduces the 95% and 99% tables (RESEARCH.md)', () => {
  assert.deepEqual(MDA_STOPPING_POINTS[95], [6, 11, 16, 21, 27, 33, 38, 44, 51, 57, 63, 70, 76, 83, 90, 96]);
  assert.deepEqual(MDA_STOPPING_POINTS[99], [8, 15, 21, 28, 36, 43, 51, 58, 66, 74, 82, 90, 98, 106, 115, 123]);
  for (const conf of [95, 99] as const) {
    assert.deepEqual(MDA_STOPPING_POINTS[conf].map((_, i) => exactStoppingPoint(i + 1, 1 - conf / 100)), [...MDA_STOPPING_POINTS[conf]], `${conf}%`);
  }
  // The occupancy walk is the inclusion–exclusion sum (checked where the sum does not cancel badly).
  const inclusionExclusion = (n: number, K: number) => {
    let sum = 0;
    let c = 1;
    for (let i = 1; i <= K; i++) {
      c = (c * (K - i + 1)) / i;
      sum += (i % 2 ? 1 : -1) * c * Math.pow(1 - i / K, n);
    }
    return sum;
  };
  for (const K of [2, 3, 5, 8]) for (const n of [K, 2 * K, 10 * K]) assert.ok(Math.abs(missProbability(n, K) - inclusionExclusion(n, K)) < 1e-12, `K=${K} n=${n}`);
  assert.equal(missProbability(0, 2), 1);
  assert.equal(missProbability(1, 1), 0);
  // Each point is the fewest probes: one fewer misses the (k+1)th more often than allowed.
  for (const k of [1, 4, 16, 40]) for (const eps of [0.05, 0.01, 1 - Math.pow(0.99, 1 / 62)]) {
    const n = exactStoppingPoint(k, eps);
    assert.ok(missProbability(n, k + 1) <= eps && missProbability(n - 1, k + 1) > eps, `k=${k} eps=${eps}`);
  }
  // Whole trace at 95% over 62 tests: each vertex at 1 - 0.95^(1/62) (~99.917%).
  const vertex = 100 * perVertexConfidence(0.95, 62);
  assert.deepEqual([1, 2, 16].map((k) => stoppingPoint(k, vertex)), [12, 21, 164]);
  assert.throws(() => exactStoppingPoint(1, 0), RangeError);
});

test('per-packet re-probes: the fewest with (1/k)^m <= 1 - confidence', () => {
  assert.deepEqual([2, 3, 4, 5].map((k) => perPacketProbes(k, 95)), [5, 3, 3, 2]);
  assert.deepEqual([2, 3].map((k) => perPacketProbes(k, 99)), [7, 5]);
  for (const k of [2, 3, 4, 8]) for (const c of [95, 99] as const) {
    const m = perPacketProbes(k, c);
    assert.ok(Math.pow(1 / k, m) <= 1 - c / 100 + 1e-12 && Math.pow(1 / k, m - 1) > 1 - c / 100);
  }
});

const rec = (flowId: number, ttl: number, addr: string | null, kind: ReplyKind = 'time-exceeded', dst = '198.18.9.9', rttMs = 1) =>
  makeRecord(probeFields({ ttl, proto: 'udp', ipVersion: 4, dst, flowId, src: '198.18.1.1' }), addr ? { addr, kind, rttMs } : {});

test('links join replies of the same flow only; loops and cycles are flagged; balancers classed by repeats', () => {
  const records = [
    rec(1, 1, 'A'), rec(1, 2, 'B1'), rec(1, 3, 'C'),
    rec(2, 1, 'A'), rec(2, 2, 'B2'), rec(2, 3, 'C'),
    rec(3, 1, 'A'), rec(3, 2, null), rec(3, 3, 'C'),
    rec(4, 10, 'D'), rec(4, 11, 'D'),
    rec(5, 20, 'E'), rec(5, 21, 'F'), rec(5, 22, 'E'),
  ];
  const g = multipathGraph(records);
  assert.deepEqual(g.links.map((l) => `${l.ttl} ${l.from}>${l.to} ${l.flowIds}`).sort(), ['1 A>B1 1', '1 A>B2 2', '2 B1>C 1', '2 B2>C 2', '20 E>F 5', '21 F>E 5']);
  assert.deepEqual(g.anomalies.filter((a) => a.kind === 'loop' || a.kind === 'cycle'), [
    { kind: 'loop', addr: 'D', ttls: [10, 11], flowIds: [4] },
    { kind: 'cycle', addr: 'E', ttls: [20, 22], flowIds: [5] },
  ]);
  const diamond = g.anomalies.find((a) => a.kind === 'diamond');
  assert.deepEqual(diamond, { kind: 'diamond', divergence: { addr: 'A', ttl: 1 }, convergence: { addr: 'C', ttl: 3 }, maxWidth: 2, length: 2, meshed: false, unequalLengths: false });
  const perFlow = classifyBalancers(g.links, new Map([['1|A', new Set(['B1'])]]));
  assert.equal(perFlow.length, 1);
  assert.deepEqual([perFlow[0].ttl, perFlow[0].addr, perFlow[0].kind, perFlow[0].nextHops], [1, 'A', 'per-flow', ['B1', 'B2']]);
  assert.equal(classifyBalancers(g.links, new Map([['1|A', new Set(['B1', 'B2'])]]))[0].kind, 'per-packet');
  assert.equal(classifyBalancers(g.links, new Map([['1|A', { probes: 5, differing: true }]]))[0].kind, 'per-packet');
  assert.equal(classifyBalancers(g.links, new Map([['1|A', { probes: 5, differing: false }]]))[0].kind, 'per-flow');
  assert.equal(classifyBalancers(g.links, new Map())[0].kind, 'unknown');
});

test('unequal lengths: the A-B-C-C false loop and the false link are anomalies, not links; the target ends each flow', () => {
  // Short branch A-S-T (target at 3), long branch A-L1-L2-S-T: S at TTL 2 and 3.
  const records = [
    rec(1, 1, 'A'), rec(1, 2, 'S'), rec(1, 3, 'T', 'port-unreachable'), rec(1, 4, 'T', 'port-unreachable'),
    rec(2, 1, 'A'), rec(2, 2, 'L1'), rec(2, 3, 'S'), rec(2, 4, 'T', 'port-unreachable'),
  ];
  const g = multipathGraph(records);
  assert.deepEqual(g.links.map((l) => `${l.ttl} ${l.from}>${l.to}`), ['1 A>L1', '1 A>S', '2 L1>S', '2 S>T', '3 S>T']);
  assert.deepEqual(g.nodes.find((n) => n.addr === 'T')!.ttls, [3, 4], 'flow 1 reaches T at 3; its TTL-4 answer is cut');
  const fl = g.anomalies.flatMap((a) => (a.kind === 'false-link' ? [`${a.ttl} ${a.from}>${a.to}`] : []));
  assert.deepEqual(fl.sort(), ['2 L1>T', '2 S>S']);
  const d = g.anomalies.find((a) => a.kind === 'diamond');
  assert.ok(d && d.kind === 'diamond' && d.unequalLengths && d.convergence?.ttl === 4);
});

test('a certain single first hop links flows that were not probed at it', () => {
  const records = [rec(1, 1, 'A'), rec(2, 2, 'B1'), rec(3, 2, 'B2'), rec(2, 3, 'C'), rec(3, 3, 'C')];
  const g = multipathGraph(records, { certain: new Map([[1, 'A']]) });
  assert.deepEqual(g.links.map((l) => `${l.from}>${l.to} ${l.flowIds}`), ['A>B1 2', 'A>B2 3', 'B1>C 2', 'B2>C 3']);
});

test('per-destination: branches seen only towards other addresses of the prefix', () => {
  const records = [
    rec(1, 1, 'A'), rec(1, 2, 'B1'), rec(2, 1, 'A'), rec(2, 2, 'B1'),
    rec(100, 1, 'A', 'time-exceeded', '198.18.9.10'), rec(100, 2, 'B2', 'time-exceeded', '198.18.9.10'),
    rec(101, 1, 'A', 'time-exceeded', '198.18.9.11'), rec(101, 2, 'B1', 'time-exceeded', '198.18.9.11'),
  ];
  const g = multipathGraph(records, { dst: '198.18.9.9' });
  assert.deepEqual(g.links.find((l) => l.to === 'B2')!.viaDst, ['198.18.9.10']);
  assert.equal(g.links.find((l) => l.to === 'B1')!.viaDst, undefined);
  const [b] = classifyBalancers(g.links, new Map());
  assert.deepEqual([b.addr, b.kind, b.nextHops], ['A', 'per-destination', ['B1', 'B2']]);
  assert.deepEqual(prefixNeighbours('198.18.9.9', 24, 3), ['198.18.9.10', '198.18.9.11', '198.18.9.12']);
  assert.deepEqual(prefixNeighbours('198.18.9.254', 24, 2), ['198.18.9.1', '198.18.9.2'], 'wraps, never .0 or .255');
  assert.deepEqual(prefixNeighbours('2001:db8::2', 126, 5), ['2001:db8::3', '2001:db8::1'], 'no ::0 in a prefix of 4');
});

test('behind a per-packet balancer the links between wide TTLs are uncertain and branch no balancer of their own', () => {
  // A per-packet: the flow's next probes pick branches at random, so B1>C2 and B2>C1 show.
  const records = [rec(1, 1, 'A'), rec(1, 2, 'B1'), rec(1, 3, 'C2'), rec(2, 1, 'A'), rec(2, 2, 'B2'), rec(2, 3, 'C1'), rec(1, 4, 'D'), rec(2, 4, 'D')];
  const g = multipathGraph(records);
  const first = classifyBalancers(g.links, new Map([['1|A', { probes: 5, differing: true }]]));
  const balancers = markUncertainLinks(g.links, g.nodes, first, new Map([['1|A', { probes: 5, differing: true }]]));
  assert.deepEqual(g.links.filter((l) => l.uncertain).map((l) => `${l.from}>${l.to}`), ['B1>C1', 'B1>C2', 'B2>C1', 'B2>C2']);
  assert.deepEqual(balancers.map((b) => [b.addr, b.kind]), [['A', 'per-packet']]);
});

test('flows and paths: per-flow answers and loss, per-path RTT profile', () => {
  const records = [rec(1, 1, 'A', 'time-exceeded', undefined, 1), rec(1, 2, 'B1', 'time-exceeded', undefined, 2), rec(1, 3, null),
    rec(2, 1, 'A', 'time-exceeded', undefined, 3), rec(2, 2, 'B2', 'time-exceeded', undefined, 4), rec(2, 3, 'C', 'port-unreachable', undefined, 5),
    rec(1, 3, 'C', 'port-unreachable', undefined, 7)];
  const g = multipathGraph(records);
  const flows = multipathFlows(records);
  assert.deepEqual(flows.map((f) => [f.flowId, f.sent, f.answered, f.loss]), [[1, 4, 3, 0.25], [2, 3, 3, 0]]);
  assert.deepEqual(flows[0].hops.map((h) => [h.ttl, h.addr]), [[1, 'A'], [2, 'B1'], [3, 'C']]);
  const paths = multipathPaths(g.links, g.nodes, flows);
  assert.deepEqual(paths.map((p) => [p.addrs.join('>'), p.flowIds, p.rttMs, p.loss]), [
    ['A>B1>C', [1], [1, 2, 7], 0.25],
    ['A>B2>C', [2], [3, 4, 5], 0],
  ]);
});

test('whole-trace confidence: bad or doubled options name the argument and what is allowed, before any probe', async () => {
  const { mda } = await import('../../../lib/probe');
  const { mdaCommand } = await import('../../../lib/cli/mda-command');
  await assert.rejects(mda('198.19.127.1', { traceConfidence: 99, confidence: 95 }).result, /traceConfidence must be left out when confidence \(per vertex\) is given/);
  await assert.rejects(mda('198.19.127.1', { traceConfidence: 101 }).result, /traceConfidence must be a number from 50 to 99\.9999, got 101/);
  await assert.rejects(mda('198.19.127.1', { confidence: 90 as 95 }).result, /confidence must be 95 or 99 \(per vertex\), got 90/);
  await assert.rejects(mdaCommand(['--trace-confidence', '90', '198.19.127.1']), /--trace-confidence must be one of 95, 99, got "90"/);
  await assert.rejects(mdaCommand(['--trace-confidence', '99', '--confidence', '95', '198.19.127.1']), /--confidence \(per vertex\) and --trace-confidence \(whole trace\): give one of them/);
});
