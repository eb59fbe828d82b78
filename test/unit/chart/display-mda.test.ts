import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HTML_MIME, isMultipathResult, mimeBundle, SVG_MIME, TEXT_MIME, VEGALITE_MIME } from '../../../lib/display';
import { mdaGraphSpec } from '../../../lib/chart';
import { drawClean } from './draw';
import { traceRecords } from './fixtures';
import { labMda } from './lab-fixtures';

test('show(MDA result): its path graph (Vega-Lite, SVG) beside the links table when the records were left out', () => {
  const result = labMda('ecmp-flow');
  assert.ok(isMultipathResult(result));
  const b = mimeBundle(result);
  assert.deepEqual(Object.keys(b.data).sort(), [VEGALITE_MIME, SVG_MIME, HTML_MIME, TEXT_MIME].sort());
  const spec = b.data[VEGALITE_MIME] as { title: { text: string } };
  assert.equal(spec.title.text, 'MDA paths to 198.18.60.2');
  assert.match(b.data[SVG_MIME] as string, /per-flow balancer/);
  const text = b.data[TEXT_MIME] as string;
  assert.match(text, /^multipath to 198\.18\.60\.2\n/);
  assert.match(text, /^ttl\s+from\s+to\s+flows$/m, 'the links as a table');
  assert.match(text, /198\.18\.1\.2\s+198\.18\.23\.2/);
  assert.match(text, /\[chart\] MDA paths to 198\.18\.60\.2\n\s+mda-lite: 9 addresses, 11 links/);
  assert.match(b.data[HTML_MIME] as string, /<table class="hopscope-table"[\s\S]*<svg /);
  assert.deepEqual(b.metadata.hopscope, { kind: 'table', title: 'multipath to 198.18.60.2', rows: result.links.length });
});

test('show(MDA result) with its records keeps the hop table as text and HTML, the graph as the chart', () => {
  const b = mimeBundle({ ...labMda('ecmp-unequal'), records: traceRecords() }, { title: 'mda' });
  const text = b.data[TEXT_MIME] as string;
  assert.match(text, /^mda\nhop\s+address\s+replies\s+loss/);
  assert.match(text, /\[chart\] MDA paths to 198\.18\.30\.2/);
  assert.match(b.data[SVG_MIME] as string, /several TTLs \(unequal lengths\)/);
});

test('show(empty MDA result): an empty graph, no error', () => {
  const empty = { ...labMda('ecmp-packet'), nodes: [], links: [], balancers: [], anomalies: [], flows: [], paths: [] };
  drawClean(mdaGraphSpec(empty));
  const b = mimeBundle(empty);
  assert.match(b.data[SVG_MIME] as string, /^<svg /);
  assert.match(b.data[TEXT_MIME] as string, /no balancer: a single path/);
});
