/**
 * NAT on the lab (issue #6): through nat-rewrite's stateless NAT, whose quotes name the
 * rewritten source, hopscope still matches every hop's answer (by IP-ID) and names the NAT
 * where the truth puts it — where Linux traceroute loses those hops. Through the
 * masquerading `nat` box, which translates its quotes back, nothing can be seen and nothing
 * is claimed.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { labAcquire, labRelease, nsName, topologies } from '../lab';
import { natRewrites } from '../../lib/analysis';
import { NEED_ROOT, addrsByTtl, hopscopeIn, inNs, parseJsonTrace, parseTracerouteN, truthAddrs } from './helpers';

const TOPOLOGIES = ['nat-rewrite', 'nat'] as const;
before(() => {
  if (!NEED_ROOT) TOPOLOGIES.forEach((t) => labAcquire(t));
});
after(() => {
  if (!NEED_ROOT) TOPOLOGIES.forEach((t) => labRelease(t));
});

describe('NAT on the lab', { skip: NEED_ROOT }, () => {
  const rewrite = topologies['nat-rewrite'].truth.paths[0];
  const src = nsName('nat-rewrite', 'src');

  for (const proto of ['udp', 'tcp', 'icmp'] as const) {
    test(`nat-rewrite, ${proto}: every hop answers as the truth says, and the NAT is named at its hop`, async () => {
      const run = await hopscopeIn(src, ['trace', '--json', '-q', '3', '--proto', proto, rewrite.dst.v4!], 60_000);
      assert.equal(run.code, 0, run.stderr);
      const { records, summary } = parseJsonTrace(run.stdout);
      assert.equal(summary.reached, true);
      const seen = addrsByTtl(records);
      for (const h of rewrite.hops) assert.deepEqual([...(seen.get(h.ttl) ?? [])], truthAddrs(h, 4), `TTL ${h.ttl}`);
      // Every probe up to the destination answered: no loss is invented by the rewriting.
      assert.ok(records.filter((r) => r.ttl <= rewrite.hops.length).every((r) => r.addr !== null));
      const nats = natRewrites(records);
      assert.equal(nats.length, 1, JSON.stringify(nats));
      assert.deepEqual(nats[0].after, rewrite.nat);
      assert.equal(nats[0].ttl, rewrite.nat!.ttl + 1);
      assert.deepEqual(nats[0].fields, ['src']);
      assert.equal(nats[0].translatedSrc, '198.18.3.1');
      // Quotes before the NAT are as sent.
      for (const r of records.filter((x) => x.ttl <= rewrite.nat!.ttl && x.quotedSrc !== null)) assert.equal(r.quotedSrc, r.src);
    });
  }

  test('nat-rewrite: Linux traceroute (UDP) loses the hop behind the NAT that hopscope sees', async () => {
    const out = inNs(src, 'traceroute', ['-n', '-q', '1', '-w', '1', '-m', String(rewrite.hops.length), rewrite.dst.v4!]);
    const hops = parseTracerouteN(out);
    assert.deepEqual([...(hops.get(rewrite.nat!.ttl) ?? [])], [rewrite.nat!.addr], out);
    assert.equal(hops.get(rewrite.nat!.ttl + 1)?.size ?? 0, 0, out);
  });

  test('path: the NAT hop carries the nat verdict (text and --json) and a nat reading names it', async () => {
    const text = await hopscopeIn(src, ['path', '--no-signatures', rewrite.dst.v4!], 60_000);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^ ${rewrite.nat!.ttl}:\\s+${rewrite.nat!.addr.replace(/\./g, '\\.')}\\s+\\S+ms nat$`, 'm'), text.stdout);
    assert.match(text.stdout, /^nat: at hop 2 198\.18\.2\.2 or just after it: from hop 3 on the probes are quoted from 198\.18\.3\.1/m);
    const json = await hopscopeIn(src, ['path', '--json', '--no-signatures', rewrite.dst.v4!], 60_000);
    const lines = json.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const verdicts = Object.fromEntries(lines.filter((l) => l.type === 'hop').map((h) => [h.ttl, h.verdicts]));
    assert.deepEqual(verdicts, { 1: [], 2: ['nat'], 3: [], 4: [] });
    assert.equal(lines.find((l) => l.type === 'readings').nat[0].after.addr, rewrite.nat!.addr);

    // tracepath walks the same hops to the same resume line and says nothing of the NAT: its
    // unconnected socket, bound to the wildcard address, takes each error whatever source the
    // quote carries, and it never compares the quote with what it sent.
    const tp = inNs(src, 'tracepath', ['-n', rewrite.dst.v4!]);
    for (const hop of rewrite.hops) assert.match(tp, new RegExp(`^\\s*${hop.ttl}:\\s+${hop.v4![0].replace(/\./g, '\\.')}\\s`, 'm'), tp);
    assert.match(tp, new RegExp(`Resume: pmtu 1500 hops ${rewrite.hops.length} back ${rewrite.hops.at(-1)!.returnHops}`));
    assert.doesNotMatch(tp, /nat/i);
  });

  test('path on nat (masquerade): the truth\'s hops, no verdict, and tracepath\'s resume line', async () => {
    const masq = topologies.nat.truth.paths[0];
    const run = await hopscopeIn(nsName('nat', 'src'), ['path', '--json', masq.dst.v4!], 60_000);
    assert.equal(run.code, 0, run.stderr);
    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const hops = lines.filter((l) => l.type === 'hop');
    assert.deepEqual(hops.map((h) => [h.ttl, h.addr, h.asymm, h.verdicts]), masq.hops.map((h) => [h.ttl, h.v4![0], 0, []]));
    assert.deepEqual(lines.find((l) => l.type === 'readings').nat, []);
    // tracepath (IP_RECVERR on an unconnected socket) sees the same: 4 hops, back 4.
    const tp = inNs(nsName('nat', 'src'), 'tracepath', ['-n', masq.dst.v4!]);
    assert.match(tp, /Resume: pmtu 1500 hops 4 back 4/);
  });

  test('nat (masquerade, quotes translated back): every hop seen, every quote as sent, no NAT claimed', async () => {
    const masq = topologies.nat.truth.paths[0];
    assert.equal(masq.nat, undefined);
    for (const proto of ['udp', 'icmp'] as const) {
      const run = await hopscopeIn(nsName('nat', 'src'), ['trace', '--json', '-q', '2', '--proto', proto, masq.dst.v4!], 60_000);
      const { records, summary } = parseJsonTrace(run.stdout);
      assert.equal(summary.reached, true);
      for (const h of masq.hops) assert.deepEqual([...(addrsByTtl(records).get(h.ttl) ?? [])], truthAddrs(h, 4), `${proto} TTL ${h.ttl}`);
      for (const r of records.filter((x) => x.quotedSrc !== null)) assert.equal(r.quotedSrc, r.src);
      assert.deepEqual(natRewrites(records), []);
    }
  });
});
