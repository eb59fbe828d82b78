// MDA's confidence modes against a simulated multipath network (a Prober that answers from
// a small topology at once): per vertex, every TTL stops at the table's point; for the whole
// trace, every TTL ends at the exact point for eps' = 1 - c^(1/B), B the tests the run made,
// although B was still growing while the first TTLs were probed (the top-up passes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mda, type Prober, type ProberStats, type ProbeSpec } from '../../../lib/probe';
import { buildProbe } from '../../../lib/probe/codec';
import { exactStoppingPoint, perVertexConfidence, stoppingPoint } from '../../../lib/analysis';
import { makeRecord, type MultipathResult, type ProbeRecord } from '../../../lib/record';

const SRC = '198.18.0.1';
const DST = '198.18.9.1';
const WIDTH = 8;

/**
 * TTL 1 a; 2: one of 8 branches by a hash of the flow (per-flow); 3 c; 4: one of 2 branches
 * packet by packet (round robin); 5 d; 6 the target (port unreachable).
 */
class SimulatedDiamonds implements Prober {
  readonly ipVersion = 4 as const;
  sent = 0;
  private turn = 0;

  async probe(spec: ProbeSpec): Promise<ProbeRecord> {
    this.sent++;
    const fields = buildProbe(spec).fields;
    const flow = spec.sport ?? 0;
    const hash = (Math.imul(flow ^ 0x5bd1e995, 0x9e3779b1) >>> 16) % WIDTH;
    const addr = [`198.18.1.1`, `198.18.2.${hash + 1}`, `198.18.3.1`, `198.18.4.${(this.turn++ % 2) + 1}`, `198.18.5.1`][spec.ttl - 1] ?? DST;
    return makeRecord(fields, { addr, rttMs: 0.1, kind: addr === DST ? 'port-unreachable' : 'time-exceeded' });
  }
  stats(): ProberStats {
    return { sent: this.sent, answered: this.sent, timedOut: 0, foreign: 0, late: 0, duplicates: 0, malformed: 0, sendErrors: 0 };
  }
  close(): void {}
  async sourceFor(): Promise<string> {
    return SRC;
  }
  async hostAddresses(): Promise<string[]> {
    return [SRC];
  }
}

/** Distinct flows probed at a TTL (the hop-level samples MDA-Lite counts). */
const flowsAt = (r: MultipathResult, ttl: number) => new Set(r.records.filter((x) => x.ttl === ttl).map((x) => x.flowId)).size;
const addrsAt = (r: MultipathResult, ttl: number) => r.nodes.filter((n) => n.ttls.includes(ttl)).length;

test('per vertex: the graph, both balancers classified, each TTL at the 95% table point', async () => {
  const r = await mda(DST, { prober: new SimulatedDiamonds(), waitMs: 200 }).result;
  assert.equal(r.complete, true);
  assert.equal(r.confidenceMode, 'per-vertex');
  assert.equal(r.confidence, 95);
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((t) => addrsAt(r, t)), [1, WIDTH, 1, 2, 1, 1]);
  assert.deepEqual(r.balancers.map((b) => [b.ttl, b.kind]), [[1, 'per-flow'], [3, 'per-packet']]);
  assert.ok(flowsAt(r, 2) >= stoppingPoint(WIDTH, 95));
});

test('whole trace: every TTL ends at the exact point for the final B, B = the tests made, fewer tests than points cost more probes', async () => {
  const perVertex = await mda(DST, { prober: new SimulatedDiamonds(), waitMs: 200, confidence: 99 }).result;
  const r = await mda(DST, { prober: new SimulatedDiamonds(), waitMs: 200, traceConfidence: 99 }).result;
  assert.equal(r.complete, true);
  assert.equal(r.confidenceMet, true);
  assert.equal(r.confidenceMode, 'whole-trace');
  assert.equal(r.confidence, 99);
  // Tests: the routers (a, 8 branches, c, 2 branches, d) and the two per-packet tests.
  assert.equal(r.branchPoints, 1 + WIDTH + 1 + 2 + 1 + 2);
  const eps = 1 - perVertexConfidence(0.99, r.branchPoints!);
  assert.ok(Math.abs(r.vertexConfidence! - 100 * (1 - eps)) < 1e-5);
  assert.deepEqual([1, 2, 3, 4, 5, 6].map((t) => addrsAt(r, t)), [1, WIDTH, 1, 2, 1, 1]);
  assert.deepEqual(r.balancers.map((b) => [b.ttl, b.kind]), [[1, 'per-flow'], [3, 'per-packet']]);
  // TTL 2 was probed while B counted only a few tests: topped up to the final point.
  for (const ttl of [1, 2, 3, 5]) assert.ok(flowsAt(r, ttl) >= exactStoppingPoint(addrsAt(r, ttl), eps), `TTL ${ttl}: ${flowsAt(r, ttl)} flows`);
  assert.ok(exactStoppingPoint(WIDTH, eps) > stoppingPoint(WIDTH, 99));
  assert.ok(r.probes > perVertex.probes, `${r.probes} vs ${perVertex.probes}`);
  console.log(`# whole trace 99%: B ${r.branchPoints}, ${r.vertexConfidence}% per vertex, flows per TTL ${[1, 2, 3, 4, 5, 6].map((t) => flowsAt(r, t))}, ${r.probes} probes (99% per vertex: ${perVertex.probes})`);
});
