import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { commonAddressPrefix, mdaGraphSpec, mdaLayout } from '../../../lib/chart';
import { parseScamperJson } from '../../../lib/io';
import type { Balancer, MultipathLink, MultipathNode, MultipathResult } from '../../../lib/record';
import { allLayers, drawClean, subtitleOf as subtitle } from './draw';
import { labMda, type LabMda } from './lab-fixtures';

test('MDA graphs of the lab topologies compile and draw without warnings: every address, balancer kind, legend and axis', () => {
  const cases: { name: LabMda; texts: string[] }[] = [
    { name: 'ecmp-flow', texts: ['198.18.21.2', '198.18.22.2', '198.18.23.2', '198.18.41.2', 'per-flow', 'per-flow balancer', 'target', 'diamonds: TTL 1→3 width 3'] },
    { name: 'ecmp-flow-v6', texts: ['2001:db8:21::2', '2001:db8:60::2', 'per-flow balancer', 'meshed'] },
    { name: 'ecmp-unequal', texts: ['198.18.12.2', 'several TTLs (unequal lengths)', 'false link (classic traceroute)', 'unequal lengths', 'handed to full MDA: TTL 4 (unequal-lengths'] },
    { name: 'ecmp-packet', texts: ['198.18.11.2', '198.18.12.2', 'per-packet', 'per-packet balancer'] },
    { name: 'ecmp-dest', texts: ['198.18.41.2', '198.18.51.2', 'per-destination', 'per-destination balancer', 'link to other destinations only'] },
  ];
  for (const c of cases) {
    const result = labMda(c.name);
    const spec = mdaGraphSpec(result);
    const text = drawClean(spec);
    for (const t of [`MDA paths to ${result.target}`, 'hop (probe TTL)', 'vertex', 'line', ...c.texts]) assert.ok(text.includes(t), `${c.name}: "${t}" drawn`);
    for (const n of result.nodes) assert.ok(text.includes(n.addr), `${c.name}: ${n.addr} labelled`);
  }
});

test('mdaLayout on ecmp-flow: a column per TTL, a vertex per address, the result\'s links only, balancers and target marked', () => {
  const result = labMda('ecmp-flow');
  const layout = mdaLayout(result);
  assert.deepEqual([layout.firstTtl, layout.lastTtl, layout.gaps, layout.widest], [1, 6, [], 3]);
  assert.deepEqual(
    layout.vertices.map((v) => [v.ttl, v.addr, v.role]),
    [
      [1, '198.18.1.2', 'per-flow'],
      [2, '198.18.21.2', 'router'],
      [2, '198.18.22.2', 'router'],
      [2, '198.18.23.2', 'router'],
      [3, '198.18.31.2', 'per-flow'],
      [4, '198.18.41.2', 'router'],
      [4, '198.18.42.2', 'router'],
      [5, '198.18.51.2', 'router'],
      [6, '198.18.60.2', 'target'],
    ],
  );
  assert.deepEqual(layout.edges.map((e) => `${e.from.addr}>${e.to.addr}`).sort(), result.links.map((l) => `${l.from}>${l.to}`).sort());
  for (const e of layout.edges) assert.equal(e.to.ttl, e.from.ttl + 1);
  // RTTs and flow counts come from the flows' answers.
  const first = layout.vertices[0];
  assert.equal(first.flows, result.flows!.filter((f) => f.hops.some((h) => h.ttl === 1 && h.addr === first.addr)).length);
  assert.ok(first.rttMs !== null && first.rttMs > 0);
  const rows = (allLayers(mdaGraphSpec(result)).find((l) => l.data?.values[0]?.role !== undefined)!.data!.values);
  assert.ok(rows.every((r) => typeof r.rtt === 'string' && typeof r.seenAt === 'string' && typeof r.flows === 'number'), 'tooltip fields');
});

test('mdaLayout on ecmp-unequal: the address of unequal-length branches is drawn at both TTLs, the false loop dotted', () => {
  const result = labMda('ecmp-unequal');
  const layout = mdaLayout(result);
  const twice = layout.vertices.filter((v) => v.ttls.length > 1).map((v) => [v.addr, v.ttl]).sort((a, b) => String(a).localeCompare(String(b)));
  assert.deepEqual(twice, [
    ['198.18.12.2', 3],
    ['198.18.12.2', 4],
    ['198.18.30.2', 4],
    ['198.18.30.2', 5],
  ]);
  // Each link ends at the next TTL: 198.18.22.2 (TTL 3) leads to 198.18.12.2 at TTL 4, not 3.
  const e = layout.edges.find((x) => x.from.addr === '198.18.22.2' && x.kind === 'link')!;
  assert.deepEqual([e.to.addr, e.to.ttl], ['198.18.12.2', 4]);
  const falseLoop = layout.edges.find((x) => x.kind === 'false-link' && x.from.addr === x.to.addr)!;
  assert.deepEqual([falseLoop.from.ttl, falseLoop.to.ttl], [3, 4]);
  const shapes = allLayers(mdaGraphSpec(result)).find((l) => l.data?.values[0]?.ttlCount !== undefined)!.data!.values;
  assert.equal(shapes.filter((v) => v.ttlCount === 'several TTLs (unequal lengths)').length, 4);
});

test('mdaLayout: per-destination links and a scamper tracelb import', () => {
  const dest = mdaLayout(labMda('ecmp-dest'));
  assert.deepEqual(
    dest.edges.filter((e) => e.kind === 'other-destinations').map((e) => `${e.from.addr}>${e.to.addr}`),
    ['198.18.1.2>198.18.51.2', '198.18.51.2>198.18.42.2'],
  );
  assert.ok(dest.edges.find((e) => e.to.addr === '198.18.51.2')!.viaDst.length > 0);
  const text = readFileSync(join(__dirname, '..', '..', 'fixtures', 'io', 'scamper-tracelb-ecmp-flow.json'), 'utf8');
  const tracelb = parseScamperJson(text).meta.multipath[0];
  const svg = drawClean(mdaGraphSpec(tracelb));
  for (const t of ['scamper-tracelb', '198.18.31.2', 'balancer, kind unknown', 'balancer (kind?)']) assert.ok(svg.includes(t), `tracelb: "${t}" drawn`);
});

test('mdaGraphSpec is deterministic: the same result gives the same spec, whatever order its lists come in', () => {
  const result = labMda('ecmp-flow-v6');
  assert.equal(JSON.stringify(mdaGraphSpec(result)), JSON.stringify(mdaGraphSpec(labMda('ecmp-flow-v6'))));
  const shuffled: MultipathResult = { ...result, nodes: [...result.nodes].reverse(), links: [...result.links].reverse(), balancers: [...result.balancers].reverse(), flows: [...result.flows!].reverse() };
  const plain = (r: MultipathResult) => mdaLayout(r).vertices.map((v) => `${v.key}@${v.y}`);
  assert.deepEqual(plain(shuffled), plain(result));
  assert.deepEqual(mdaLayout(shuffled).edges.map((e) => `${e.from.key}>${e.to.key}:${e.kind}`), mdaLayout(result).edges.map((e) => `${e.from.key}>${e.to.key}:${e.kind}`));
});

/**
 * SYNTHETIC: two 16-way per-flow diamonds over 20 hops: 198.18.1.1 balances over 16 parallel
 * branches for TTL 2–9, they meet at 198.18.10.1, which balances again over 16 branches for
 * TTL 11–19, meeting at the target at TTL 20. The branches are listed in a scrambled order.
 */
function wideResult(): MultipathResult {
  const nodes: MultipathNode[] = [];
  const links: MultipathLink[] = [];
  const balancers: Balancer[] = [];
  const single = (ttl: number) => (ttl === 20 ? '198.18.99.2' : `198.18.${ttl}.1`);
  const branch = (ttl: number, i: number) => `198.18.${ttl}.${100 + ((i * 7) % 16)}`;
  const width = (ttl: number) => (ttl === 1 || ttl === 10 || ttl === 20 ? 1 : 16);
  const at = (ttl: number, i: number) => (width(ttl) === 1 ? single(ttl) : branch(ttl, i));
  for (let ttl = 1; ttl <= 20; ttl++) for (let i = 0; i < width(ttl); i++) nodes.push({ addr: at(ttl, i), ttls: [ttl] });
  for (let ttl = 1; ttl < 20; ttl++)
    for (let i = 0; i < 16; i++) {
      const link = { from: at(ttl, i), to: at(ttl + 1, i), ttl, flowIds: [i] };
      if (!links.some((l) => l.from === link.from && l.to === link.to)) links.push(link);
    }
  for (const ttl of [1, 10]) balancers.push({ ttl, addr: single(ttl), kind: 'per-flow', nextHops: Array.from({ length: 16 }, (_, i) => branch(ttl + 1, i)) });
  const diamond = (from: number, to: number) => ({ kind: 'diamond' as const, divergence: { addr: single(from), ttl: from }, convergence: { addr: single(to), ttl: to }, maxWidth: 16, length: to - from, meshed: false, unequalLengths: false });
  return {
    type: 'multipath',
    run: 'synthetic-wide',
    target: single(20),
    dst: single(20),
    ipVersion: 4,
    proto: 'udp',
    algorithm: 'mda-lite',
    fallbacks: [],
    confidence: 95,
    nodes: nodes.reverse(),
    links,
    balancers,
    anomalies: [diamond(1, 10), diamond(10, 20)],
    probes: 4000,
    durationMs: 1,
    complete: true,
    stopReason: 'complete',
    records: [],
  };
}

test('a wide graph (SYNTHETIC 16-way diamonds over 20 hops) stays readable: no crossings, room per label, height by the widest hop', () => {
  const result = wideResult();
  const layout = mdaLayout(result);
  assert.equal(layout.widest, 16);
  // Parallel branches come out as straight rows: the barycentre order follows each branch.
  for (const e of layout.edges) if (e.from.ttl !== 1 && e.from.ttl !== 10 && e.to.ttl !== 10 && e.to.ttl !== 20) assert.equal(e.from.y, e.to.y, `${e.from.key}>${e.to.key}`);
  const spec = mdaGraphSpec(result);
  const columnPx = (spec.width as number) / 20;
  const rowPx = (spec.height as number) / 16;
  assert.ok(rowPx >= 36, `rows ${rowPx} px apart leave room for a label and a balancer caption`);
  const labels = allLayers(spec).filter((l) => l.mark?.type === 'text' && l.mark.limit !== undefined);
  for (const l of labels) assert.ok(l.mark!.limit! <= columnPx - 8, 'labels cut before they reach the next column');
  // Full addresses would need 1,300 px: labels drop the shared "198.18." and say so.
  const rows = allLayers(spec).find((l) => l.data?.values[0]?.label !== undefined && l.data.values[0].addr !== undefined)!.data!.values;
  const v = rows.find((r) => r.addr === '198.18.5.107')!;
  assert.equal(v.label, '…5.107');
  assert.ok(columnPx >= String(v.label).length * 8, 'a shortened label fits its column whole');
  assert.match(subtitle(spec), /labels drop the prefix "198\.18\." .*full address in the tooltip/);
  const svg = drawClean(spec);
  assert.ok(svg.includes('…5.107') && svg.includes('…99.2') && svg.includes('per-flow'));
  assert.equal((svg.match(/>…\d+\.\d+</g) ?? []).length, layout.vertices.length, 'every vertex labelled once');
  assert.equal(JSON.stringify(mdaGraphSpec(wideResult())), JSON.stringify(spec));
});

test('commonAddressPrefix cuts at a separator; small graphs keep full labels', () => {
  assert.equal(commonAddressPrefix(['198.18.21.2', '198.18.22.2']), '198.18.');
  assert.equal(commonAddressPrefix(['2001:db8:1::2', '2001:db8:60::2']), '2001:db8:');
  assert.equal(commonAddressPrefix(['10.0.0.1', '192.0.2.1']), '');
  assert.equal(commonAddressPrefix(['10.0.0.1']), '');
  assert.doesNotMatch(subtitle(mdaGraphSpec(labMda('ecmp-flow'))), /labels drop/);
});
