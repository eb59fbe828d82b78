import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScamperJson, toScamperTracelbJson, toDot } from '../../../lib/io';
import { multipathGraph, classifyBalancers } from '../../../lib/analysis';
import type { MultipathResult } from '../../../lib/record';
import { fixture, ecmpFlow } from './fixtures';

const tracelb = () => parseScamperJson(fixture('scamper-tracelb-ecmp-flow.json')).meta.multipath[0];
const graphOf = (m: MultipathResult) => ({ nodes: m.nodes, links: m.links, balancers: m.balancers, anomalies: m.anomalies });

test('multipath graph → scamper-like tracelb JSON → import: nodes, links, flows and balancers come back', () => {
  const original = tracelb();
  const text = toScamperTracelbJson(original);
  assert.equal(text.split('\n').length, 2, 'one JSON line');
  const back = parseScamperJson(text);
  assert.deepEqual(back.errors, []);
  const again = back.meta.multipath[0];
  assert.deepEqual(graphOf(again), graphOf(original));
  assert.deepEqual([again.dst, again.proto, again.confidence, again.probes, again.complete], [original.dst, 'udp', 95, original.probes, true]);
  // Every answered record a link leads to comes back exactly (scamper's layout has no place for first-hop or unanswered ones).
  const onLinks = original.records.filter((r) => r.addr !== null && original.links.some((l) => r.addr === l.to && r.ttl === l.ttl + 1));
  assert.ok(onLinks.length >= original.records.length - 10);
  assert.deepEqual(again.records, onLinks);
  assert.equal(toScamperTracelbJson(again), text, 'a second trip changes nothing');
});

test('a graph built the way hopscope\'s MDA builds it (same-flow links) exports and imports the same', () => {
  const records = tracelb().records;
  const g = multipathGraph(records);
  const result: MultipathResult = {
    type: 'multipath', run: 'mda-1', target: ecmpFlow.dst.v4!, dst: ecmpFlow.dst.v4!, ipVersion: 4, proto: 'udp', confidence: 99,
    nodes: g.nodes, links: g.links, balancers: classifyBalancers(g.links, new Map()), anomalies: g.anomalies,
    probes: records.length, durationMs: 1000, complete: true, stopReason: 'complete', records,
  };
  const again = parseScamperJson(toScamperTracelbJson(result)).meta.multipath[0];
  assert.deepEqual(again.links.map((l) => [l.from, l.to, l.ttl]), result.links.map((l) => [l.from, l.to, l.ttl]).sort((a, b) => (a[2] as number) - (b[2] as number) || String(a[0]).localeCompare(String(b[0])) || String(a[1]).localeCompare(String(b[1]))));
  assert.equal(again.confidence, 99);
});

test('Graphviz DOT: a node per address with its TTL, ranks per TTL, an edge per link with its flow count, balancers bold', () => {
  const m = tracelb();
  const dot = toDot(m);
  assert.match(dot, /^digraph "multipath 198\.18\.60\.2" \{\n/);
  assert.ok(dot.endsWith('}\n'));
  for (const n of m.nodes) assert.ok(dot.includes(`"${n.addr}" [label="${n.addr}\\nTTL ${n.ttls.join(',')}`), n.addr);
  const edges = dot.split('\n').filter((l) => l.includes(' -> '));
  assert.equal(edges.length, m.links.length);
  for (const l of m.links) assert.ok(edges.some((e) => e.startsWith(`  "${l.from}" -> "${l.to}" [label="${l.flowIds.length} flow`)), `${l.from}>${l.to}`);
  assert.equal((dot.match(/rank=same/g) ?? []).length, ecmpFlow.hops.length);
  assert.equal((dot.match(/style=bold/g) ?? []).length, m.balancers.length);
  assert.match(dot, /"198\.18\.60\.2" \[label="[^"]*", peripheries=2\]/);
  assert.match(toDot(m, { name: 'a "quoted" name' }), /^digraph "a \\"quoted\\" name"/);
});
