import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Balancer } from '../../lab/emu/balancer';
import { wide } from '../../lab/topologies/wide';

const flow = (sport: number, dst = [198, 19, 127, 1]) => ({
  src: new Uint8Array([198, 19, 64, 1]),
  dst: new Uint8Array(dst),
  proto: 17,
  l4: new Uint8Array([sport >> 8, sport & 0xff, 0x82, 0x9a]),
});

test('per-flow: 1600 flows over 16 next hops land 50..150 on each; one flow always on one', () => {
  const b = new Balancer('per-flow', 17);
  const counts = new Array(16).fill(0);
  for (let s = 0; s < 1600; s++) counts[b.pick(16, flow(33000 + s))]++;
  for (const c of counts) assert.ok(c >= 50 && c <= 150, `spread ${counts}`);
  assert.equal(new Set(Array.from({ length: 20 }, () => b.pick(16, flow(40000)))).size, 1);
});

test('distinct seeds split the same flows differently (no polarization)', () => {
  const [a, b] = [new Balancer('per-flow', 17), new Balancer('per-flow', 34)];
  const same = Array.from({ length: 200 }, (_, s) => a.pick(2, flow(33000 + s)) === b.pick(2, flow(33000 + s))).filter(Boolean).length;
  assert.ok(same > 60 && same < 140, `${same} of 200 flows split alike`);
});

test('per-packet: round robin whatever the flow; per-destination: one next hop per address', () => {
  const p = new Balancer('per-packet');
  assert.deepEqual([0, 1, 2, 3].map(() => p.pick(3, flow(1))), [0, 1, 2, 0]);
  const d = new Balancer('per-destination', 5);
  assert.equal(new Set(Array.from({ length: 50 }, (_, s) => d.pick(8, flow(33000 + s)))).size, 1);
  assert.ok(new Set(Array.from({ length: 50 }, (_, i) => d.pick(8, flow(1, [198, 19, 127, i])))).size > 1);
});

test('wide: the generated truth has two 16-way hops, one per-packet and one per-destination head, addresses unique per hop', () => {
  const hops = wide.truth.paths[0].hops;
  assert.equal(hops.filter((h) => h.v4!.length === 16).length, 2);
  assert.deepEqual(hops.filter((h) => h.balancer && h.balancer.kind !== 'per-flow').map((h) => h.balancer!.kind).sort(), ['per-destination', 'per-packet']);
  assert.equal(hops.find((h) => h.balancer?.kind === 'per-destination')!.v4!.length, 1);
  const all = hops.flatMap((h) => h.v4!);
  assert.equal(new Set(all).size, all.length);
});
