import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hopTable, returnTable } from '../../../lib/analysis';
import {
  addressHeatmapSpec,
  asymmetryRows,
  asymmetrySpec,
  pathMtuSpec,
  replyTtlHistogramSpec,
  rttPerHopSpec,
  rttTimeSeriesSpec,
  tableSpec,
  toSvg,
  toSvgSync,
  uniquifySvgIds,
  type VegaLiteSpec,
} from '../../../lib/chart';
import { pmtuRecords, sampleRecords, traceRecords } from './fixtures';

/** Each chart with texts its picture must contain and the mark classes it must draw. */
function cases(): { name: string; spec: VegaLiteSpec; texts: string[]; marks: string[] }[] {
  const t = traceRecords();
  const s = sampleRecords();
  return [
    { name: 'rtt per hop', spec: rttPerHopSpec(t), texts: ['RTT per hop', 'RTT (ms)', 'hop (probe TTL)', 'responder', '10.0.2.2', '* * *'], marks: ['mark-symbol', 'mark-line', 'mark-text'] },
    { name: 'rtt summary', spec: rttPerHopSpec(hopTable(t)), texts: ['RTT (ms)', 'bars: min–max'], marks: ['mark-rule', 'mark-symbol'] },
    { name: 'heatmap', spec: addressHeatmapSpec(s), texts: ['round', 'hop (TTL) · address', 'replies', '3 · 10.0.2.2'], marks: ['mark-rect'] },
    { name: 'reply ttl', spec: replyTtlHistogramSpec([...t, ...s]), texts: ['reply TTL / return hops', 'initial TTL 64', 'initial TTL 255', 'reply kind', '7 back'], marks: ['mark-rect'] },
    { name: 'time series', spec: rttTimeSeriesSpec(s), texts: ['RTT over time', 'time (probe sent)', 'RTT (ms)', 'hop 3'], marks: ['mark-line', 'mark-symbol'] },
    { name: 'path mtu', spec: pathMtuSpec(pmtuRecords()), texts: ['path MTU (bytes)', 'hop (probe TTL)', '1280 B from 10.0.2.1'], marks: ['mark-line', 'mark-symbol'] },
    { name: 'asymmetry', spec: asymmetrySpec(asymmetryRows(returnTable(t))), texts: ['hop count', 'direction', 'asymm +2'], marks: ['mark-line', 'mark-symbol', 'mark-text'] },
    { name: 'table', spec: tableSpec(['hop', 'address'], [[1, '10.0.0.1']]), texts: ['address', '10.0.0.1'], marks: ['mark-text'] },
  ];
}

const unescape = (svg: string) => svg.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)));
/** Ids renamed in order of appearance (vega numbers gradients and clips process-wide). */
function normaliseIds(svg: string): string {
  const names = new Map<string, string>();
  for (const m of svg.matchAll(/\sid="([^"]+)"/g)) if (!names.has(m[1])) names.set(m[1], `id${names.size}`);
  return svg.replace(/(id="|url\(#|href="#)([^")]+)/g, (all, pre: string, name: string) => (names.has(name) ? pre + names.get(name) : all));
}

test('toSvgSync draws each chart: an SVG document with its titles, axis titles, legends and marks', () => {
  for (const c of cases()) {
    const warnings: string[] = [];
    const svg = toSvgSync(c.spec, { warnings });
    assert.match(svg, /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, c.name);
    assert.match(svg, /<\/svg>$/, c.name);
    const text = unescape(svg);
    for (const t of c.texts) assert.ok(text.includes(t), `${c.name}: "${t}" drawn`);
    for (const m of c.marks) assert.ok(svg.includes(m), `${c.name}: ${m} drawn`);
    assert.deepEqual(warnings, [], c.name);
  }
});

test('toSvgSync gives the same document as vega\'s asynchronous toSVG', async () => {
  for (const c of cases()) {
    assert.equal(normaliseIds(toSvgSync(c.spec)), normaliseIds(await toSvg(c.spec)), c.name);
  }
});

test('SVG ids are unique per chart, the same chart renders to the same SVG, and every reference points at an id of the same document', () => {
  const spec = addressHeatmapSpec(sampleRecords());
  const a = toSvgSync(spec);
  const other = toSvgSync(addressHeatmapSpec(sampleRecords(20)));
  // vega numbers gradients with a process-wide counter: the same chart drawn again, after
  // others, is still the same document (a replayed notebook shows exactly what was recorded).
  assert.equal(toSvgSync(spec), a);
  const ids = (svg: string) => [...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  assert.ok(ids(a).length > 0, 'the colour legend has a gradient');
  assert.equal(
    ids(a).filter((x) => ids(other).includes(x)).length,
    0,
    'no id shared by two different charts',
  );
  for (const ref of a.matchAll(/url\(#([^)]+)\)/g)) assert.ok(ids(a).includes(ref[1]), `reference ${ref[1]} resolves`);
  assert.equal(uniquifySvgIds('<svg><g clip-path="url(#clip1)"/><clipPath id="clip1"/></svg>', 'p'), '<svg><g clip-path="url(#p-clip1)"/><clipPath id="p-clip1"/></svg>');
  assert.equal(
    uniquifySvgIds('<svg><g clip-path="url(#clip7)"/><clipPath id="clip7"/><linearGradient id="gradient_12"/><path fill="url(#gradient_12)"/></svg>'),
    uniquifySvgIds('<svg><g clip-path="url(#clip1)"/><clipPath id="clip1"/><linearGradient id="gradient_3"/><path fill="url(#gradient_3)"/></svg>'),
  );
});

test('rsvg-convert rasterises every chart (a real SVG renderer accepts them)', (t) => {
  if (spawnSync('rsvg-convert', ['--version']).status !== 0) {
    t.skip('rsvg-convert not installed (Debian librsvg2-bin, in scripts/setup.sh)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'hopscope-svg-'));
  try {
    for (const c of cases()) {
      const file = join(dir, 'chart.svg');
      writeFileSync(file, toSvgSync(c.spec));
      const r = spawnSync('rsvg-convert', ['-f', 'png', '-o', join(dir, 'chart.png'), file], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${c.name}: ${r.stderr}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('toSvgSync refuses specs that load data asynchronously', () => {
  const spec = { $schema: 'https://vega.github.io/schema/vega-lite/v5.json', data: { url: 'file:///nonexistent.json' }, mark: 'point' } as VegaLiteSpec;
  assert.throws(() => toSvgSync(spec), /asynchronously|toSvg/);
});
