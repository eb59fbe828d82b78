import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hopTable } from '../../../lib/analysis';
import { rttPerHopSpec, rttTimeSeriesSpec } from '../../../lib/chart';
import { hopFrame, probeFrame } from '../../../lib/frame';
import { HTML_MIME, KERNEL_HOOK, kernelStatus, liveDisplay, mimeBundle, show, SVG_MIME, TEXT_MIME, VEGALITE_MIME, type DisplayContent, type Showable } from '../../../lib/display';
import { sampleRecords, traceRecords } from './fixtures';

/** A stand-in for tslab's jupyter module, as the kernel launcher hands it over. */
function fakeKernel() {
  const sent: { content: DisplayContent; update: boolean }[] = [];
  (globalThis as Record<symbol, unknown>)[KERNEL_HOOK] = { jupyter: { lastWriteDisplayData: (content: DisplayContent, update: boolean) => sent.push({ content, update }) } };
  return sent;
}

afterEach(() => {
  delete (globalThis as Record<symbol, unknown>)[KERNEL_HOOK];
});

/** Captures what is written to stdout while fn runs. */
function stdoutOf(fn: () => void): string {
  const write = process.stdout.write;
  let out = '';
  process.stdout.write = ((chunk: string | Uint8Array) => ((out += String(chunk)), true)) as typeof process.stdout.write;
  try {
    fn();
  } finally {
    process.stdout.write = write;
  }
  return out;
}

test('records: one bundle with the hop table (text, HTML) and the RTT chart (Vega-Lite object, SVG)', () => {
  const t = traceRecords();
  const b = mimeBundle(t, { title: 'trace' });
  assert.deepEqual(Object.keys(b.data).sort(), [VEGALITE_MIME, SVG_MIME, HTML_MIME, TEXT_MIME].sort());
  const spec = b.data[VEGALITE_MIME] as { $schema: string };
  assert.equal(typeof spec, 'object', 'the spec is sent as an object, not a string');
  assert.match(spec.$schema, /vega-lite\/v5/);
  assert.match(b.data[SVG_MIME] as string, /^<svg/);
  const text = b.data[TEXT_MIME] as string;
  assert.match(text, /^trace\nhop\s+address\s+replies\s+loss/);
  assert.match(text, /^\s+4\s+\*\s+0\/3\s+100%$/m, 'silent hop as *');
  assert.match(text, /^\s+10\.0\.2\.2\s+1\/3/m, 'second responder of hop 3 on its own line');
  assert.match(text, /\[chart\] RTT per hop/);
  const html = b.data[HTML_MIME] as string;
  assert.match(html, /<table class="hopscope-table"/);
  assert.match(html, /<svg /, 'the chart next to the table');
  assert.deepEqual(b.metadata.hopscope, { kind: 'table', title: 'trace', rows: 7 });
});

test('charts: Vega-Lite + SVG + text only (no HTML, so JupyterLab draws the interactive chart)', () => {
  const b = mimeBundle(rttTimeSeriesSpec(sampleRecords()));
  assert.deepEqual(Object.keys(b.data).sort(), [VEGALITE_MIME, SVG_MIME, TEXT_MIME].sort());
  assert.match(b.data[TEXT_MIME] as string, /^\[chart\] RTT over time/);
});

test('DataFrames, hop tables, measurement results and plain rows all get a table and a chart', () => {
  const t = traceRecords();
  const cases: [string, Showable, RegExp][] = [
    ['hop frame', hopFrame(t), /RTT per hop/],
    ['probe frame', probeFrame(t), /RTT per hop/],
    ['hop table', hopTable(t), /RTT per hop/],
    ['measurement', { type: 'trace', target: 'example.net', records: t }, /RTT per hop/],
    ['rows', [{ a: 1 }, { a: 2 }], /Table/],
    ['object', { reached: true, hops: 6 }, /Object/],
    ['parts', { table: t, chart: rttTimeSeriesSpec(t), title: 'both' }, /RTT over time/],
  ];
  for (const [name, x, chartTitle] of cases) {
    const b = mimeBundle(x);
    for (const mime of [VEGALITE_MIME, SVG_MIME, TEXT_MIME, HTML_MIME]) assert.ok(mime in b.data, `${name}: ${mime}`);
    assert.match(JSON.stringify((b.data[VEGALITE_MIME] as { title: unknown }).title), chartTitle, name);
  }
  assert.match(mimeBundle({ type: 'trace', target: 'example.net', records: t }).data[TEXT_MIME] as string, /^trace to example\.net/);
  assert.match(mimeBundle(hopFrame(t)).data[TEXT_MIME] as string, /^DataFrame: 7 rows × 17 columns/);
});

test('long tables show their head and tail and say how many rows there are', () => {
  const rows = Array.from({ length: 100 }, (_, i) => ({ i }));
  const text = mimeBundle(rows, { maxRows: 10 }).data[TEXT_MIME] as string;
  assert.match(text, /^\s*0$/m);
  assert.match(text, /^…$/m);
  assert.match(text, /^\s*99$/m);
  assert.doesNotMatch(text, /^\s*50$/m);
  assert.match(text, /\(100 rows, 10 shown\)/);
});

test('show() in a kernel: one display_data message carrying the whole bundle', () => {
  const sent = fakeKernel();
  show(traceRecords());
  show(rttPerHopSpec(traceRecords()));
  assert.equal(sent.length, 2);
  assert.equal(sent[0].update, false);
  for (const mime of [VEGALITE_MIME, SVG_MIME, TEXT_MIME, HTML_MIME]) assert.ok(mime in sent[0].content.data);
  assert.deepEqual(Object.keys(sent[1].content.data).sort(), [VEGALITE_MIME, SVG_MIME, TEXT_MIME].sort());
  assert.equal(sent[1].content.transient.display_id, undefined);
});

test('show() outside a kernel prints the text form and saves SVG on request', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hopscope-show-'));
  try {
    const out = stdoutOf(() => show(traceRecords(), { save: join(dir, 'a', 'rtt.svg') }));
    assert.match(out, /^hop\s+address/);
    assert.match(out, /\(SVG: .*rtt\.svg\)/);
    assert.match(readFileSync(join(dir, 'a', 'rtt.svg'), 'utf8'), /^<svg/);
    process.env.HOPSCOPE_SVG_DIR = join(dir, 'all');
    stdoutOf(() => show(rttPerHopSpec(traceRecords())));
    assert.deepEqual(readdirSync(join(dir, 'all')), ['001-rtt-per-hop.svg']);
  } finally {
    delete process.env.HOPSCOPE_SVG_DIR;
    rmSync(dir, { recursive: true, force: true });
  }
});

test('liveDisplay: first a display_data with a display_id, then update_display_data for the same id, throttled', () => {
  const sent = fakeKernel();
  const live = liveDisplay({ minIntervalMs: 60_000 });
  const t = traceRecords();
  for (let ttl = 1; ttl <= 6; ttl++) live.update(t.filter((r) => r.ttl <= ttl), `hops 1–${ttl}`);
  assert.equal(sent.length, 1, 'the first update draws at once, the next ones wait for the interval');
  live.done(undefined, 'done: 6 hops');
  assert.equal(sent.length, 2);
  assert.deepEqual(
    sent.map((s) => [s.update, s.content.transient.display_id]),
    [
      [false, live.displayId],
      [true, live.displayId],
    ],
  );
  const last = sent[1].content.data;
  assert.match(last[TEXT_MIME] as string, /^done: 6 hops\n/);
  assert.match(last[TEXT_MIME] as string, /^\s+6\s+198\.18\.5\.2/m, 'the last pending update, not the first');
  assert.match(last[HTML_MIME] as string, /done: 6 hops/);
});

test('liveDisplay of a chart puts the progress line under its title (SVG and Vega-Lite alike)', () => {
  const sent = fakeKernel();
  const live = liveDisplay({ minIntervalMs: 0 });
  live.update(rttPerHopSpec(traceRecords()), 'round 3 of 10');
  const data = sent[0].content.data;
  assert.match(JSON.stringify((data[VEGALITE_MIME] as { title: unknown }).title), /round 3 of 10/);
  assert.match(data[SVG_MIME] as string, /round 3 of 10/);
});

test('liveDisplay.follow consumes a record stream and redraws with a progress line', async () => {
  const sent = fakeKernel();
  const t = traceRecords();
  async function* stream() {
    for (const r of t) yield r;
  }
  const got = await liveDisplay({ minIntervalMs: 0 }).follow(stream());
  assert.equal(got.length, t.length);
  assert.equal(sent.length, t.length + 1);
  assert.ok(sent.slice(1).every((s) => s.update));
  assert.match(sent[sent.length - 1].content.data[TEXT_MIME] as string, /^done: 18 probes, 14 answered, up to TTL 6/);
});

test('liveDisplay outside a kernel prints only the final state', () => {
  const live = liveDisplay({ minIntervalMs: 0 });
  const out = stdoutOf(() => {
    live.update(traceRecords().slice(0, 3), 'one');
    live.update(traceRecords(), 'two');
    live.done(undefined, 'done');
  });
  assert.equal(out.match(/^hop\s+address/gm)?.length, 1);
  assert.match(out, /^done\n/);
});

test('kernelStatus says whether raw sockets open here and, if not, what to do', () => {
  const s = kernelStatus();
  const root = process.getuid?.() === 0;
  if (s.canProbe) {
    assert.match(s.message, /probing works/);
    assert.deepEqual(s.advice, []);
  } else {
    assert.match(s.message, /probing will NOT work/);
    assert.match(s.message, /setcap cap_net_raw\+ep/);
    assert.match(s.message, /as root/);
  }
  if (root && s.capNetRaw) assert.equal(s.canProbe, true);
  assert.equal(s.uid, process.getuid?.() ?? null);
});
