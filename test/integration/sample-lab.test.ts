import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { labAcquire, labRelease, nsName, topologies } from '../lab';
import { NEED_ROOT, hopscopeIn, CLI } from './helpers';

function lastJson(stdout: string) {
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

describe('hopscope sample on the lab (seed 001: a fixed flow, repeated)', { skip: NEED_ROOT }, () => {
  before(() => ['ecmp-packet', 'ecmp-flow'].forEach((t) => labAcquire(t)));
  after(() => ['ecmp-packet', 'ecmp-flow'].forEach((t) => labRelease(t)));

  test('ecmp-packet: one flow meets both branches at TTL 2, in equal shares (numgen alternates)', async () => {
    for (const family of [4, 6] as const) {
      const path = topologies['ecmp-packet'].truth.paths[0];
      const dst = family === 4 ? path.dst.v4! : path.dst.v6!;
      const r = lastJson((await hopscopeIn(nsName('ecmp-packet', 'src'), ['sample', '--json', `-${family}`, '-c', '4', '--interval', '0.05', '-q', '2', dst])).stdout);
      assert.equal(r.type, 'sample');
      assert.equal(r.rounds, 4);
      assert.equal(r.perPacketAt, 2);
      const hop2 = r.hops.find((h: { ttl: number }) => h.ttl === 2);
      assert.deepEqual(hop2.addrs.map((a: { addr: string }) => a.addr).sort(), [...path.hops[1][family === 4 ? 'v4' : 'v6']!].sort());
      assert.deepEqual(hop2.addrs.map((a: { count: number }) => a.count), [4, 4]);
      assert.ok(hop2.addrs.every((a: { firstSeen: number; lastSeen: number }) => a.firstSeen <= a.lastSeen));
    }
  });

  test('ecmp-flow: a fixed flow keeps one address at every hop (per-flow balancing never splits it)', async () => {
    const r = lastJson((await hopscopeIn(nsName('ecmp-flow', 'src'), ['sample', '--json', '-c', '5', '--interval', '0.05', '--sport', '40000', '198.18.60.2'])).stdout);
    assert.equal(r.perPacketAt, null);
    for (const h of r.hops) assert.equal(h.addrs.length, 1, `TTL ${h.ttl}`);
  });

  test('a duration bound ends the loop, and SIGINT stops it keeping what was collected', async () => {
    const byTime = lastJson((await hopscopeIn(nsName('ecmp-flow', 'src'), ['sample', '--json', '-c', '100000', '--interval', '0.05', '--duration', '0.5', '198.18.60.2'])).stdout);
    assert.equal(byTime.stopReason, 'duration');
    assert.ok(byTime.rounds >= 2 && byTime.rounds <= 11, `${byTime.rounds} rounds in 0.5 s`);

    const child = spawn('ip', ['netns', 'exec', nsName('ecmp-flow', 'src'), process.execPath, '--import', 'tsx', CLI, 'sample', '--json', '-c', '100000', '--interval', '0.05', '198.18.60.2'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    const closed = new Promise<number | null>((r) => child.on('close', r));
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGINT');
    const killer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    assert.equal(await closed, 0);
    clearTimeout(killer);
    const lines = out.trim().split('\n').map((l) => JSON.parse(l));
    const summary = lines.at(-1);
    assert.equal(summary.stopReason, 'aborted');
    assert.ok(summary.rounds >= 1);
    assert.equal(lines.length - 1, summary.hops.reduce((s: number, h: { probes: number }) => s + h.probes, 0), 'every streamed record is in the summary');
  });
});
