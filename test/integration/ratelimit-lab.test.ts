import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { labAcquire, labRelease, nsName, topologies } from '../lab';
import { NEED_ROOT, hopscopeIn, parseJsonTrace } from './helpers';
import { hopTable, lossNotCarried } from '../../lib/analysis';

const ns = nsName('ratelimit', 'src');
const path = topologies.ratelimit.truth.paths[0];

describe('rate limiting vs loss on the lab (ratelimit: r2 limits its ICMP, later hops clean)', { skip: NEED_ROOT }, () => {
  before(() => labAcquire('ratelimit'));
  after(() => labRelease('ratelimit'));

  test('ratetest: only the limiting hop is called rate-limited, with Linux\'s burst; the hop behind it is clean', async () => {
    for (const hop of path.hops.slice(0, 3)) {
      const run = await hopscopeIn(ns, ['ratetest', '--json', '--ttl', String(hop.ttl), '-w', '0.5', path.dst.v4!], 60_000);
      const r = JSON.parse(run.stdout.trim());
      assert.equal(r.addr, hop.v4![0]);
      if (hop.rateLimited) {
        assert.equal(r.result.verdict, 'rate-limited', `TTL ${hop.ttl}`);
        assert.ok(r.result.burst >= 4 && r.result.burst <= 8, `burst ${r.result.burst}`);
        assert.ok(r.result.slowAnswered >= 4, 'the slow probes are kept up with');
      } else assert.equal(r.result.verdict, 'clean', `TTL ${hop.ttl}`);
    }
  });

  test('a quick trace sees loss at r2 only, and that loss is not called forwarding loss', async () => {
    const { records } = parseJsonTrace((await hopscopeIn(ns, ['trace', '--json', '-q', '10', '-w', '0.5', path.dst.v4!], 60_000)).stdout);
    const hops = hopTable(records);
    const lossy = lossNotCarried(hops);
    const limited = path.hops.find((h) => h.rateLimited)!;
    assert.deepEqual(lossy.map((l) => [l.ttl, l.forwarding]), [[limited.ttl, false]]);
    assert.ok(hops.filter((h) => h.ttl !== limited.ttl).every((h) => h.loss === 0));
  });
});
