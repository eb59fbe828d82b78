// 1,000,000 probe records (a long sampling loop: 20 hops × 3 probes per round, ECMP at
// hops 5–7, a silent hop, some loss) → the per-hop summary DataFrame, and → the RTT-per-hop
// chart (spec + SVG). Prints the time of each step and of both pipelines. No privileges needed.
// BENCH_RECORDS changes the count.
import { hopTable } from '../lib/analysis';
import { rttPerHopSpec, toSvgSync } from '../lib/chart';
import { danfojs, hopFrame } from '../lib/frame';
import { makeRecord, noReply, probeFields, type ProbeRecord } from '../lib/record';

const N = Number(process.env.BENCH_RECORDS ?? 1_000_000);
const HOPS = 20;
const PER_HOP = 3;

/**
 * Records with the shape JSON.parse gives a saved run (one object literal each, every field
 * present, in schema order), built without spreading per record so generating a million stays quick.
 */
function records(n: number): ProbeRecord[] {
  const template = makeRecord(probeFields({ ttl: 1, proto: 'udp', ipVersion: 4, dst: '198.18.5.2' }), noReply());
  let s = 12345;
  const rand = () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const out: ProbeRecord[] = new Array(n);
  const t0 = 1_700_000_000_000;
  for (let i = 0; i < n; i++) {
    const ttl = 1 + (Math.floor(i / PER_HOP) % HOPS);
    const round = Math.floor(i / (HOPS * PER_HOP));
    const attempt = i % PER_HOP;
    const r: ProbeRecord = JSON.parse(JSON.stringify(template));
    Object.assign(r, { run: 'bench', round, ttl, attempt, flowId: attempt, sentAt: t0 + i * 0.5 });
    if (ttl !== 12 && rand() >= 0.02) {
      const width = ttl >= 5 && ttl <= 7 ? ttl - 3 : 1;
      r.addr = ttl === HOPS ? '198.18.5.2' : `10.${ttl}.${Math.floor(rand() * width)}.1`;
      r.kind = ttl === HOPS ? 'port-unreachable' : 'time-exceeded';
      r.rttMs = ttl * 2.5 + rand() * 3;
      r.replyTtl = 256 - ttl;
    }
    out[i] = r;
  }
  return out;
}

function time<T>(fn: () => T): [T, number] {
  const t0 = performance.now();
  const v = fn();
  return [v, performance.now() - t0];
}

const fmt = (ms: number) => `${ms.toFixed(0).padStart(6)} ms`;

const [recs, genMs] = time(() => records(N));
console.log(`${N.toLocaleString('en')} probe records generated in ${fmt(genMs)} (not counted); heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(0)} MiB`);

// Pipeline 1: records → per-hop summary DataFrame.
const [, loadMs] = time(() => danfojs());
const [df, frameMs] = time(() => hopFrame(recs));
console.log(`per-hop summary DataFrame (hopFrame: hopTable in TypeScript + danfojs) ${fmt(frameMs)}  → ${df.shape[0]} rows × ${df.shape[1]} columns`);
console.log(`  (loading danfojs-node once, before: ${fmt(loadMs)})`);

// Pipeline 2: records → RTT-per-hop chart (per-responder summaries at this size) → SVG.
const [spec, specMs] = time(() => rttPerHopSpec(recs));
const [svg, svgMs] = time(() => toSvgSync(spec));
console.log(`RTT-per-hop chart: spec from the records ${fmt(specMs)} + SVG ${fmt(svgMs)} = ${fmt(specMs + svgMs)}  → ${(svg.length / 1024).toFixed(0)} KiB SVG (first render loads vega)`);
const [, svg2Ms] = time(() => toSvgSync(spec));
console.log(`  (SVG again, vega loaded: ${fmt(svg2Ms)})`);

// The parts: the plain-TypeScript aggregation both pipelines start with.
const [hops, tableMs] = time(() => hopTable(recs));
const [, specFromHopsMs] = time(() => rttPerHopSpec(hops));
console.log(`  of which hopTable over ${N.toLocaleString('en')} records: ${fmt(tableMs)}; spec from the hop table: ${fmt(specFromHopsMs)}`);
console.log(`total, summary DataFrame + chart from the same records: ${fmt(frameMs + specMs + svgMs)} (+ ${fmt(loadMs)} danfojs load)`);
