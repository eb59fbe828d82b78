import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { labAcquire, labRelease, nsName, topologies } from '../lab';
import { NEED_ROOT, hopscopeIn, inNs, truthAddrs, dstOf } from './helpers';

interface HopLine { type: 'hop'; ttl: number; addr: string | null; returnHops: number | null; asymm: number | null; pmtu: number | null; pmtuFrom: string | null; reached: boolean; signature: { timeExceeded: number | null; echoReply: number | null; class: string | null } | null }

async function pathJson(topo: string, family: 4 | 6): Promise<{ hops: HopLine[]; summary: { pmtu: number; hopsToDst: number; back: number; reached: boolean } }> {
  const dst = dstOf(topologies[topo].truth.paths[0], family);
  const run = await hopscopeIn(nsName(topo, 'src'), ['path', '--json', `-${family}`, dst]);
  assert.equal(run.code, 0, run.stderr);
  const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
  return { hops: lines.filter((l) => l.type === 'hop'), summary: lines.at(-1) };
}

describe('hopscope path on the lab (seed 003: asymm, pmtu)', { skip: NEED_ROOT }, () => {
  before(() => ['asym', 'linear'].forEach((t) => labAcquire(t)));
  after(() => ['asym', 'linear'].forEach((t) => labRelease(t)));

  for (const family of [4, 6] as const) {
    test(`asym IPv${family}: return hops as the truth says, asymm only where the way back is longer, pmtu 1454 from hop 2`, async () => {
      const path = topologies.asym.truth.paths[0];
      const { hops, summary } = await pathJson('asym', family);
      const answered = hops.filter((h) => h.addr !== null && h.pmtuFrom === null);
      assert.deepEqual(answered.map((h) => h.ttl), path.hops.map((h) => h.ttl));
      for (const h of answered) {
        const truth = path.hops[h.ttl - 1];
        assert.equal(h.addr, truthAddrs(truth, family)[0]);
        assert.equal(h.returnHops, truth.returnHops, `TTL ${h.ttl}`);
        assert.equal(h.asymm, truth.returnHops! - truth.ttl);
      }
      // r2 starts its ICMP at 255 and r3 at 128: neither is mistaken for asymmetry by itself.
      assert.equal(answered[1].asymm, 0);
      assert.equal(answered[1].signature?.timeExceeded, 255);
      assert.equal(answered[2].signature?.timeExceeded, 128);
      assert.equal(answered[0].signature?.class, 'linux');
      const shrink = hops.find((h) => h.pmtuFrom !== null)!;
      assert.equal(shrink.pmtu, path.pmtu!.mtu);
      assert.equal(shrink.pmtuFrom, truthAddrs(path.hops[path.pmtu!.ttl - 1], family)[0]);
      assert.deepEqual([summary.pmtu, summary.hopsToDst, summary.back], [1454, 4, 5]);

      // tracepath agrees on the resume line; it prints asymm for hop 3 but not on the
      // `reached` line, where hopscope also reports the longer way back (5 vs 4).
      const tp = inNs(nsName('asym', 'src'), 'tracepath', [`-${family}`, '-n', dstOf(path, family)]);
      assert.match(tp, new RegExp(`Resume: pmtu ${summary.pmtu} hops ${summary.hopsToDst} back ${summary.back}`));
    });
  }

  test('linear: symmetric, pmtu 1500, text output in tracepath form', async () => {
    const { hops, summary } = await pathJson('linear', 4);
    assert.ok(hops.every((h) => h.asymm === 0 && h.pmtuFrom === null));
    assert.deepEqual([summary.pmtu, summary.hopsToDst, summary.back], [1500, 5, 5]);
    const text = await hopscopeIn(nsName('linear', 'src'), ['path', '198.18.5.2']);
    assert.match(text.stdout, /^ 1\?: \[LOCALHOST\]\s+pmtu 1500$/m);
    assert.match(text.stdout, /^ 5:  198\.18\.5\.2\s+\d+\.\d{3}ms reached/m);
    assert.match(text.stdout, /Resume: pmtu 1500 hops 5 back 5$/m);
  });
});
