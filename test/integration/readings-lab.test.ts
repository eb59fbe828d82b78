/**
 * Latency and MPLS readings (issue #6) on the kernel topologies: `analyze` on a real trace of
 * each reports what the truth declares (no MPLS there, no delay step, no slow ICMP) and nothing
 * it does not. The emulated `latency` and `mpls` topologies are where the positive cases live.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labAcquire, labRelease, nsName, topologies } from '../lab';
import { NEED_ROOT, hopscopeIn, inNs } from './helpers';

const TOPOLOGIES = ['linear', 'asym', 'ratelimit', 'ecmp-flow'] as const;
let dir = '';
before(() => {
  if (NEED_ROOT) return;
  dir = mkdtempSync(join(tmpdir(), 'hopscope-readings-'));
  TOPOLOGIES.forEach((t) => labAcquire(t));
});
after(() => {
  if (NEED_ROOT) return;
  TOPOLOGIES.forEach((t) => labRelease(t));
  rmSync(dir, { recursive: true, force: true });
});

describe('readings on the kernel topologies', { skip: NEED_ROOT }, () => {
  for (const topo of TOPOLOGIES) {
    test(`${topo}: no MPLS tunnel and no latency verdict where the truth has none`, async () => {
      const truth = topologies[topo].truth.paths[0];
      assert.equal(truth.mpls, undefined);
      assert.equal(truth.latency, undefined);
      const traced = await hopscopeIn(nsName(topo, 'src'), ['trace', '--json', '-q', '3', truth.dst.v4!], 60_000);
      const file = join(dir, `${topo}.jsonl`);
      writeFileSync(file, traced.stdout.split('\n').filter((l) => l && !l.includes('"type":"summary"')).join('\n') + '\n');
      const run = await hopscopeIn(nsName(topo, 'src'), ['analyze', '--json', file], 30_000);
      assert.equal(run.code, 0, run.stderr);
      const out = JSON.parse(run.stdout);
      assert.deepEqual(out.mpls, []);
      assert.deepEqual(out.latency, []);
      const text = await hopscopeIn(nsName(topo, 'src'), ['analyze', file], 30_000);
      assert.doesNotMatch(text.stdout, /^(mpls|latency):/m);
    });
  }
});

describe('path --rate-test', { skip: NEED_ROOT }, () => {
  test('ratelimit: the rate-limiting hop alone is tagged, with a rate and burst near its sysctls; the others carry no verdict', async () => {
    const truth = topologies.ratelimit.truth.paths[0];
    const limited = truth.hops.filter((h) => h.rateLimited).map((h) => h.ttl);
    assert.equal(limited.length, 1);
    const run = await hopscopeIn(nsName('ratelimit', 'src'), ['path', '--json', '--rate-test', '--no-signatures', truth.dst.v4!], 60_000);
    assert.equal(run.code, 0, run.stderr);
    const hops = run.stdout.trim().split('\n').map((l) => JSON.parse(l)).filter((l) => l.type === 'hop');
    assert.equal(hops.length, truth.hops.length);
    for (const h of hops) {
      if (limited.includes(h.ttl)) {
        assert.equal(h.rate.verdict, 'rate-limited', JSON.stringify(h));
        // r2: icmp_ratelimit 1000 ms (1/s), burst at most 6: what is left of it depends on
        // what the walk (and any earlier test) took from the bucket in the last 6 s.
        assert.ok(h.rate.ratePerSec <= 2 && h.rate.burst <= 6 && h.rate.fastAnswered < 20, JSON.stringify(h.rate));
        assert.match(h.verdicts.join(' '), /^rate-limited \d+\/s burst \d+$/);
      } else {
        assert.equal(h.rate.verdict, 'clean', `TTL ${h.ttl}: ${JSON.stringify(h.rate)}`);
        assert.deepEqual(h.verdicts, []);
      }
    }
    // tracepath walks the same hops (it retries a silent hop, and r2's bucket refills at 1/s)
    // and has no word for the limiter: where r2's bucket is empty it prints `no reply`, the
    // same as forwarding loss. hopscope's walk, like tracepath's, never calls it loss.
    const tp = inNs(nsName('ratelimit', 'src'), 'tracepath', ['-n', truth.dst.v4!]);
    assert.match(tp, new RegExp(`Resume: pmtu 1500 hops ${truth.hops.length} back ${truth.hops.at(-1)!.returnHops}`), tp);
    assert.ok(hops.every((h) => !h.verdicts.some((v: string) => /loss/.test(v))));
  });
});
