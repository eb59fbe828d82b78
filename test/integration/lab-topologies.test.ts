import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { labUp, labDown, labList, labNamespaces, nsName, topologies, SRC_ALIAS } from '../lab';
import { NEED_ROOT, parseTracerouteN, truthAddrs, dstOf, inNs } from './helpers';

// The truth of every kernel topology, checked with tools that are not hopscope.
describe('lab topologies against independent tools', { skip: NEED_ROOT }, () => {
  const broughtUp: string[] = [];
  after(() => {
    for (const t of broughtUp) labDown(t);
  });

  for (const topo of Object.values(topologies)) {
    test(`${topo.name}: comes up, and Linux traceroute (UDP, ICMP, TCP; v4 and v6) sees only truth addresses`, () => {
      labUp(topo.name);
      broughtUp.push(topo.name);
      const ns = nsName(topo.name, topo.source);
      for (const path of topo.truth.paths) {
        for (const family of [4, 6] as const) {
          const dst = dstOf(path, family);
          // Several runs with their default changing ports, so ECMP branches show.
          const seen = new Map<number, Set<string>>();
          for (const mode of [[], ['-I'], ['-T', '-p', '80']]) {
            for (let run = 0; run < (path.hops.some((h) => h.balancer) ? 4 : 1); run++) {
              const out = inNs(ns, 'traceroute', [`-${family}`, '-n', '-q', '3', '-w', '1', '-m', String(path.hops.length + 1), ...mode, dst]);
              for (const [ttl, addrs] of parseTracerouteN(out)) {
                if (!seen.has(ttl)) seen.set(ttl, new Set());
                addrs.forEach((a) => seen.get(ttl)!.add(a));
              }
            }
          }
          for (const hop of path.hops) {
            const allowed = new Set(truthAddrs(hop, family));
            const got = [...(seen.get(hop.ttl) ?? [])];
            assert.ok(got.length > 0, `${topo.name} v${family} TTL ${hop.ttl}: no answer`);
            for (const a of got) assert.ok(allowed.has(a), `${topo.name} v${family} TTL ${hop.ttl}: ${a} not in truth ${[...allowed]}`);
            if (!hop.balancer && allowed.size === 1) assert.deepEqual(got, [...allowed]);
          }
        }
      }
      assert.ok(labList().includes(topo.name));
      assert.equal(execFileSync('ip', ['netns', 'identify'], { encoding: 'utf8' }).trim(), '', 'tests run in the root namespace');
    });
  }

  test('ecmp-flow: over 20 classic traceroutes every branch of both diamonds shows up', () => {
    labUp('ecmp-flow');
    broughtUp.push('ecmp-flow');
    const path = topologies['ecmp-flow'].truth.paths[0];
    const seen = new Map<number, Set<string>>();
    for (let i = 0; i < 20; i++) {
      const out = inNs(nsName('ecmp-flow', 'src'), 'traceroute', ['-n', '-q', '3', '-w', '1', '-m', '6', dstOf(path, 4)]);
      for (const [ttl, addrs] of parseTracerouteN(out)) {
        if (!seen.has(ttl)) seen.set(ttl, new Set());
        addrs.forEach((a) => seen.get(ttl)!.add(a));
      }
    }
    // 60 flows over 3 (then 2) hashed branches: missing one has probability < 3 * (2/3)^60 ≈ 1e-10.
    for (const hop of path.hops) assert.deepEqual([...(seen.get(hop.ttl) ?? [])].sort(), [...truthAddrs(hop, 4)].sort(), `TTL ${hop.ttl}`);
  });

  test('asym: tracepath reports the pmtu and the return hop counts the truth declares', () => {
    labUp('asym');
    broughtUp.push('asym');
    const path = topologies.asym.truth.paths[0];
    for (const family of [4, 6] as const) {
      const out = inNs(nsName('asym', 'src'), 'tracepath', [`-${family}`, '-n', dstOf(path, family)]);
      assert.match(out, new RegExp(`Resume: pmtu ${path.pmtu!.mtu} hops ${path.hops.length} back ${path.hops.at(-1)!.returnHops}`));
      // tracepath prints asymm only where return != forward: hop 3 (back 4), not hop 2 (iTTL 255).
      assert.match(out, /3:\s+\S+\s+\S+ms asymm\s+4/);
      assert.doesNotMatch(out, /2:\s+\S+\s+\S+ms asymm/);
    }
  });

  test('down removes every namespace, veth and the hs-src alias', () => {
    labUp('linear');
    assert.ok(labNamespaces().includes(SRC_ALIAS));
    labDown();
    broughtUp.length = 0;
    assert.deepEqual(labNamespaces(), []);
    const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
    assert.doesNotMatch(links, /to-(src|dst|r\d)/);
    assert.doesNotMatch(execFileSync('mount', { encoding: 'utf8' }), /netns\/hs-/);
  });
});
