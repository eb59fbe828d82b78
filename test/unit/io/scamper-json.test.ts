import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseScamperJson, ImportFailure } from '../../../lib/io';
import { hopTable } from '../../../lib/analysis';
import { fixture, linear, asym, ecmpFlow, truthAddrs, truthDst, type TruthPath } from './fixtures';

for (const [file, path, family, proto, lastKind] of [
  ['scamper-trace-linear.json', linear, 4, 'udp', 'port-unreachable'],
  ['scamper-trace-icmp-asym.json', asym, 4, 'icmp', 'echo-reply'],
  ['scamper-trace-icmp-v6-linear.json', linear, 6, 'icmp', 'echo-reply'],
  ['scamper-warts2json-icmp-linear.json', linear, 4, 'icmp', 'echo-reply'],
] as [string, TruthPath, 4 | 6, string, string][]) {
  test(`scamper ${file}: replies as records, reply TTLs carrying the truth's return paths`, () => {
    const { records, errors, meta } = parseScamperJson(fixture(file));
    assert.deepEqual(errors, []);
    assert.deepEqual(meta.traces.map((t) => [t.dst, t.stopReason, t.unanswered, t.unansweredRebuilt]), [[truthDst(family, path), 'COMPLETED', 0, true]]);
    assert.deepEqual(meta.skipped.map((s) => s.type), ['cycle-start', 'cycle-stop']);
    assert.deepEqual(hopTable(records).map((h) => h.responders.map((r) => r.addr)), truthAddrs(family, path).map((a) => [a]));
    assert.ok(records.every((r) => r.proto === proto && r.rttMs !== null && r.sentAt !== null && r.attempt === 0 && r.ipVersion === family));
    const te = records.filter((r) => r.kind === 'time-exceeded');
    assert.equal(te.length, path.hops.length - 1);
    assert.ok(te.every((r) => r.quotedTtl === 1));
    assert.equal(records.at(-1)!.kind, lastKind);
    for (const r of records) {
      const h = path.hops[r.ttl - 1];
      assert.equal(r.replyTtl, h.initialTtl! - h.returnHops! + 1, `TTL ${r.ttl}`);
    }
  });
}

test('scamper trace through a silent hop to an admin-prohibited end: unanswered probes rebuilt from the counts', () => {
  const { records, errors, meta } = parseScamperJson(fixture('scamper-trace-silent-admin-linear.json'));
  assert.deepEqual(errors, []);
  assert.deepEqual(meta.traces.map((t) => [t.stopReason, t.stopData, t.probeCount, t.unanswered, t.unansweredRebuilt]), [['UNREACH', 13, 5, 2, true]]);
  assert.deepEqual(records.map((r) => [r.ttl, r.attempt, r.addr, r.kind, r.icmpCode]), [
    [1, 0, truthAddrs(4)[0], 'time-exceeded', 0], [2, 0, null, null, null], [2, 1, null, null, null],
    [3, 0, truthAddrs(4)[2], 'time-exceeded', 0], [4, 0, truthAddrs(4)[2], 'unreachable', 13],
  ]);
  assert.ok(records.every((r) => r.sport === 45999 && r.dport === 33435));
});

test('scamper IPv6 udp-paris that saw nothing (GAPLIMIT): every probe an unanswered record', () => {
  const { records, errors, meta } = parseScamperJson(fixture('scamper-trace-v6-linear.json'));
  assert.deepEqual(errors, []);
  const t = meta.traces[0];
  assert.deepEqual([t.stopReason, t.probeCount, t.unanswered, t.unansweredRebuilt], ['GAPLIMIT', 10, 10, true]);
  assert.deepEqual(records.map((r) => [r.ttl, r.attempt, r.addr]), [1, 2, 3, 4, 5].flatMap((ttl) => [[ttl, 0, null], [ttl, 1, null]]));
});

test('scamper tracelb on ecmp-flow: the multipath graph is the truth\'s, records carry flow ids', () => {
  const { records, errors, meta } = parseScamperJson(fixture('scamper-tracelb-ecmp-flow.json'));
  assert.deepEqual(errors, []);
  assert.equal(meta.multipath.length, 1);
  const g = meta.multipath[0];
  const key = ([a, b]: readonly string[]) => `${a}>${b}`;
  assert.deepEqual(g.links.map((l) => key([l.from, l.to])).sort(), ecmpFlow.links!.v4!.map(key).sort());
  assert.deepEqual(g.nodes.map((n) => [n.addr, n.ttls]).sort(), ecmpFlow.hops.flatMap((h) => h.v4!.map((a) => [a, [h.ttl]])).sort());
  for (const l of g.links) assert.ok(l.flowIds.length > 0 && l.ttl === g.nodes.find((n) => n.addr === l.from)!.ttls[0], `${l.from}>${l.to}`);
  const balancers = ecmpFlow.hops.filter((h) => h.balancer).map((h) => [h.ttl - 1, h.balancer!.at, h.v4!.length]);
  assert.deepEqual(g.balancers.map((b) => [b.ttl, b.addr, b.nextHops.length]), balancers);
  assert.deepEqual([g.complete, g.stopReason, g.confidence, g.dst, g.proto, g.anomalies.filter((a) => a.kind !== 'diamond')], [true, 'complete', 95, truthDst(4, ecmpFlow), 'udp', []]);
  // scamper lists no first-hop probe, so only the second diamond shows in the flows' records.
  assert.ok(g.anomalies.some((a) => a.kind === 'diamond' && a.divergence.ttl === 3 && a.convergence?.ttl === 5 && a.maxWidth === 2));
  assert.deepEqual(records, g.records);
  assert.ok(records.length > 0 && records.length <= g.probes);
  for (const r of records) {
    assert.ok(r.flowId !== null && r.dport === r.flowId, 'udp-dport: the flow id is the destination port');
    if (r.addr) assert.ok(ecmpFlow.hops[r.ttl - 1].v4!.includes(r.addr), `TTL ${r.ttl}: ${r.addr}`);
  }
  // Same flow, same path: every flow's answers at consecutive TTLs are a truth link.
  const links = new Set(ecmpFlow.links!.v4!.map(key));
  const byFlow = new Map<number, Map<number, string>>();
  for (const r of records) if (r.addr) (byFlow.get(r.flowId!) ?? byFlow.set(r.flowId!, new Map()).get(r.flowId!)!).set(r.ttl, r.addr);
  for (const path of byFlow.values()) for (const [ttl, a] of path) if (path.has(ttl + 1)) assert.ok(links.has(key([a, path.get(ttl + 1)!])));
});

test('scamper malformed input: lines reported by number, the rest imported; fail mode', () => {
  const good = fixture('scamper-trace-linear.json').split('\n')[1];
  const text = ['{"type":"trace","dst":"x"}', '{broken', good, '{"type":"trace","dst":"192.0.2.1","method":"udp-paris","hops":[{"probe_ttl":1}]}', '{"type":"tracelb","dst":"192.0.2.1","method":"udp-dport","nodes":[{"addr":"192.0.2.1","linkc":2,"links":[]}]}', '[1]'].join('\n');
  const r = parseScamperJson(text);
  assert.deepEqual(r.errors.map((e) => e.line), [1, 2, 4, 5, 6]);
  assert.match(r.errors[3].message, /2 links but not one array/);
  assert.equal(r.meta.traces.length, 1);
  assert.equal(r.records.length, linear.hops.length);
  assert.throws(() => parseScamperJson(text, { onError: 'fail' }), (e: unknown) => e instanceof ImportFailure && e.message === 'scamper: line 1: trace without dst / method / hops');
});
