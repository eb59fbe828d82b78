/**
 * Per-destination balancing (issue #5) on ecmp-dest, where r1 hashes addresses only: the
 * target's flows never split (MDA alone sees one branch and no balancer), other addresses of
 * the target's prefix do, and MDA with --per-dest-prefix finds both branches and calls r1
 * per-destination. Linux traceroute confirms the balancer independently.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { labAcquire, labRelease, nsName, topologies } from '../lab';
import { NEED_ROOT, hopscopeIn, inNs, parseTracerouteN, truthAddrs } from './helpers';
import type { MultipathResult } from '../../lib/record';

const TOPO = 'ecmp-dest';
const path = topologies[TOPO].truth.paths[0];
const SRC_NS = nsName(TOPO, 'src');
before(() => {
  if (!NEED_ROOT) labAcquire(TOPO);
});
after(() => {
  if (!NEED_ROOT) labRelease(TOPO);
});

async function mda(family: 4 | 6, extra: string[]): Promise<Omit<MultipathResult, 'records'>> {
  const run = await hopscopeIn(SRC_NS, ['mda', '--json', `-${family}`, ...extra, family === 4 ? path.dst.v4! : path.dst.v6!], 60_000);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout.trim().split('\n').at(-1)!);
}

describe('per-destination balancing on the lab', { skip: NEED_ROOT }, () => {
  test('Linux traceroute: one TTL-2 address per destination whatever the ports, both over the prefix', () => {
    const branchOf = new Map<string, Set<string>>();
    for (const host of [2, 16, 17, 18, 19, 20, 21, 22]) {
      const dst = `198.18.60.${host}`;
      for (const sport of [40001, 40002, 40003]) {
        const out = inNs(SRC_NS, 'traceroute', ['-n', '-U', '-p', '33434', `--sport=${sport}`, '-q', '2', '-w', '1', '-f', '2', '-m', '2', dst]);
        for (const a of parseTracerouteN(out).get(2) ?? []) (branchOf.get(dst) ?? branchOf.set(dst, new Set()).get(dst)!).add(a);
      }
    }
    for (const [dst, addrs] of branchOf) assert.equal(addrs.size, 1, `${dst}: ${[...addrs]}`);
    // 8 addresses all on one branch: 2^-7 for a fair hash; the seed is fixed, so this holds every run.
    assert.deepEqual(new Set([...branchOf.values()].flatMap((s) => [...s])), new Set(truthAddrs(path.hops[1], 4)));
  });

  for (const family of [4, 6] as const) {
    const fam = family === 4 ? 'v4' : 'v6';
    const truthLinks = new Set(path.links![fam]!.map(([a, b]) => `${a} ${b}`));

    test(`IPv${family}: MDA on the target alone sees one branch and no balancer (its flows never split)`, async () => {
      const r = await mda(family, ['--confidence', '99']);
      assert.equal(r.complete, true);
      const atTtl2 = r.nodes.filter((n) => n.ttls.includes(2)).map((n) => n.addr);
      assert.equal(atTtl2.length, 1);
      assert.ok(truthAddrs(path.hops[1], family).includes(atTtl2[0]));
      assert.deepEqual(r.balancers, []);
      for (const l of r.links) assert.ok(truthLinks.has(`${l.from} ${l.to}`), `${l.from} -> ${l.to} not in the truth`);
    });

    test(`IPv${family}: with other destinations of the prefix, both branches and a per-destination balancer at r1`, async () => {
      const r = await mda(family, ['--per-dest-prefix', family === 4 ? '24' : '120']);
      assert.equal(r.perDestPrefix, `${family === 4 ? path.dst.v4 : path.dst.v6}/${family === 4 ? 24 : 120}`);
      const atTtl2 = r.nodes.filter((n) => n.ttls.includes(2)).map((n) => n.addr).sort();
      assert.deepEqual(atTtl2, [...truthAddrs(path.hops[1], family)].sort());
      assert.deepEqual(r.balancers.map((b) => [b.ttl, b.addr, b.kind]), [[1, truthAddrs(path.hops[0], family)[0], 'per-destination']]);
      for (const l of r.links) assert.ok(truthLinks.has(`${l.from} ${l.to}`), `${l.from} -> ${l.to} not in the truth`);
      // Probes to other addresses stayed inside the prefix asked for.
      for (const l of r.links) for (const d of (l as { viaDst?: string[] }).viaDst ?? []) assert.ok(family === 4 ? d.startsWith('198.18.60.') : d.startsWith('2001:db8:60::'), d);
    });
  }
});
