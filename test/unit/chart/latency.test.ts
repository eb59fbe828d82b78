import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readLatency, type LatencyReading } from '../../../lib/analysis';
import { latencyVerdictSpec, type VegaLiteSpec } from '../../../lib/chart';
import { allLayers, drawClean, subtitleOf as subtitle } from './draw';
import { labLatencyTrace, labLinearTrace, labMplsExplicitTrace, syntheticDelayAndSpike, syntheticPartlyKept, syntheticTunnel } from './lab-fixtures';

/** Data rows of the (nested) layers whose rows have `field`. */
function rowsWith(spec: VegaLiteSpec, field: string): Record<string, unknown>[] {
  return allLayers(spec).flatMap((l) => (l.data && l.data.values.some((v) => field in v) ? l.data.values : []));
}

test('latency on the lab (linear, kernel routers): min, median and min–p90 per hop, no verdict, how to read it', () => {
  const records = labLinearTrace();
  const spec = latencyVerdictSpec(records);
  const hops = rowsWith(spec, 'p90');
  assert.deepEqual(
    hops.map((h) => h.ttl),
    [1, 2, 3, 4, 5],
  );
  for (const h of hops) assert.ok((h.min as number) <= (h.median as number) && (h.median as number) <= (h.p90 as number));
  assert.match(subtitle(spec), /no verdict/);
  assert.match(subtitle(spec), /a rise every later hop keeps = delay on the path/);
  const svg = drawClean(spec);
  for (const t of ['Latency per hop', 'RTT (ms)', 'hop (probe TTL)', 'reading', 'min RTT (the reading uses it)', 'median RTT', 'min–p90 range']) assert.ok(svg.includes(t), `"${t}" drawn`);
  assert.ok(!svg.includes('ICMP generation, not path'), 'no verdict drawn');
  assert.equal(JSON.stringify(latencyVerdictSpec(readLatency(records))), JSON.stringify(spec), 'records or their reading: the same chart');
});

test('SYNTHETIC delays on the lab trace: the path-delay step where it starts and the hops that carry it, the ICMP spike marked as such', () => {
  const spec = latencyVerdictSpec(syntheticDelayAndSpike());
  const bands = rowsWith(spec, 'x2');
  assert.deepEqual(
    bands.map((b) => [b.x, b.x2, b.label]),
    [[3.55, 5.45, ['path delay', '+20.00 ms']]],
    'TTL 4 and 5 carry it',
  );
  const start = rowsWith(spec, 'note').find((r) => !('x2' in r) && !('label' in r))!;
  assert.equal(start.x, 3.5, 'the step starts on the link into TTL 4');
  const spots = rowsWith(spec, 'min').filter((r) => 'label' in r);
  assert.equal(spots.length, 1);
  assert.equal(spots[0].ttl, 2);
  assert.match(String(spots[0].note), /^TTL 2: \+1\d\.\d\d ms is ICMP generation, not path — min RTT/);
  assert.match(subtitle(spec), /path delay \+20\.00 ms from TTL 4, carried to TTL 5/);
  const svg = drawClean(spec);
  for (const t of ['ICMP generation,', 'not path (+1', 'path delay', '+20.00 ms', 'ICMP generation, not path', 'path delay: starts']) assert.ok(svg.includes(t), `"${t}" drawn`);
  assert.ok(svg.includes('mark-rect') && svg.includes('mark-rule') && svg.includes('mark-symbol'));
});

test('SYNTHETIC MPLS tunnel on the lab trace: tunnel hops shaded as "egress RTT (ICMP tunnelled)"', () => {
  const spec = latencyVerdictSpec(syntheticTunnel());
  const bands = rowsWith(spec, 'x2');
  const tunnel = bands.find((b) => String(b.series).startsWith('egress RTT'))!;
  assert.deepEqual([tunnel.x, tunnel.x2, tunnel.label], [1.55, 3.45, ['egress RTT', '(ICMP tunnelled)']]);
  assert.match(subtitle(spec), /TTL 2, 3: egress RTT \(ICMP tunnelled, explicit MPLS\)/);
  const svg = drawClean(spec);
  for (const t of ['egress RTT (ICMP tunnelled)', '(ICMP tunnelled)']) assert.ok(svg.includes(t), `"${t}" drawn`);
});

test('an inconclusive rise (SYNTHETIC reading) is marked at its hop; an empty reading draws an empty chart', () => {
  const hop = (ttl: number, min: number) => ({ ttl, addr: `192.0.2.${ttl}`, count: 3, min, median: min + 0.5, p90: min + 1, jitter: 0.2 });
  const reading: LatencyReading = {
    hops: [hop(1, 1), hop(2, 9), hop(3, 9), hop(4, 1)],
    verdicts: [{ kind: 'inconclusive', ttl: 2, addr: '192.0.2.2', deltaMs: 8, evidence: 'carried by TTL 3 but not 4' }],
    thresholdMs: 1,
  };
  const spec = latencyVerdictSpec(reading);
  const svg = drawClean(spec);
  assert.ok(svg.includes('inconclusive') && svg.includes('(+8.000 ms)'));
  const empty = latencyVerdictSpec({ hops: [], verdicts: [], thresholdMs: 1 });
  drawClean(empty);
  assert.match(subtitle(empty), /^0 hops/);
});

test('the emulated latency topology: the ICMP-slow first hop marked as such, the step drawn from the link into TTL 3 and carried to the end', () => {
  const spec = latencyVerdictSpec(labLatencyTrace());
  const bands = rowsWith(spec, 'x2');
  assert.deepEqual(
    bands.map((b) => [b.x, b.x2, (b.label as string[])[0]]),
    [[2.55, 5.45, 'path delay']],
    'TTL 3 to 5 carry it',
  );
  const start = rowsWith(spec, 'note').find((r) => !('x2' in r) && !('label' in r))!;
  assert.equal(start.x, 2.5, 'the step starts on the link into TTL 3');
  const spots = rowsWith(spec, 'min').filter((r) => 'label' in r);
  assert.deepEqual(
    spots.map((s) => s.ttl),
    [1],
  );
  assert.match(String(spots[0].note), /^TTL 1: \+\d\d\.\d\d ms is ICMP generation, not path — min RTT .* the first hop, above the next hop's/);
  assert.ok((spots[0].min as number) > 55, 'drawn at the first hop\'s min RTT');
  assert.match(subtitle(spec), /path delay \+\d\d\.\d\d ms from TTL 3, carried to TTL 5/);
  const svg = drawClean(spec);
  for (const t of ['ICMP generation,', 'path delay', 'path delay: starts', 'ICMP generation, not path']) assert.ok(svg.includes(t), `"${t}" drawn`);
});

test('the emulated mpls topology\'s explicit LSP: the ICMP-tunnelled LSRs shaded as the egress RTT, the step after them drawn from the egress', () => {
  const spec = latencyVerdictSpec(labMplsExplicitTrace());
  const bands = rowsWith(spec, 'x2');
  assert.deepEqual(
    bands.map((b) => [b.x, b.x2, (b.label as string[])[0]]),
    [
      [1.55, 4.45, 'egress RTT'],
      [4.55, 6.45, 'path delay'],
    ],
  );
  assert.match(subtitle(spec), /TTL 2, 3, 4: egress RTT \(ICMP tunnelled, explicit MPLS\)/);
  const note = String(rowsWith(spec, 'note').find((r) => String(r.series).startsWith('path delay'))!.note);
  assert.match(note, /or inside the tunnel before it \(TTLs 2-4 show the egress's RTT\)/);
  assert.deepEqual(rowsWith(spec, 'min').filter((r) => 'label' in r), [], 'no hop blamed for a spike');
  drawClean(spec);
});

test('SYNTHETIC hop both behind a path delay and slow at its ICMP: the kept delay as a band from it, its excess as an ICMP spike on it', () => {
  const spec = latencyVerdictSpec(syntheticPartlyKept());
  const bands = rowsWith(spec, 'x2');
  assert.deepEqual(
    bands.map((b) => [b.x, b.x2, b.label]),
    [[2.55, 5.45, ['path delay', '+40.00 ms']]],
  );
  const spots = rowsWith(spec, 'min').filter((r) => 'label' in r);
  assert.deepEqual(
    spots.map((s) => [s.ttl, s.label]),
    [[3, ['ICMP generation,', 'not path (+20.00 ms)']]],
  );
  assert.match(subtitle(spec), /path delay \+40\.00 ms from TTL 3, carried to TTL 5 · TTL 3: \+20\.00 ms is ICMP generation, not path/);
  drawClean(spec);
});
