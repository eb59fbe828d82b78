import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isIP } from 'node:net';
import { topologies } from '../lab';

// The ground truth is data other tests trust: check it is well formed and consistent with
// the topology that declares it (no root needed).
const v4Lab = (a: string) => isIP(a) === 4 && /^198\.(18|19)\./.test(a);
const v6Lab = (a: string) => isIP(a) === 6 && /^2001:db8:/i.test(a);

for (const topo of Object.values(topologies)) {
  test(`${topo.name}: truth is consistent with the topology's own addresses`, () => {
    const declared = new Set<string>();
    for (const l of topo.links) {
      for (const end of [l.a, l.b]) {
        assert.ok(end.ifname.length <= 15, `${end.ifname} longer than 15 characters`);
        assert.ok(topo.nodes.some((n) => n.name === end.node), `link to unknown node ${end.node}`);
        if (end.v4) assert.ok(v4Lab(end.v4.split('/')[0]), `${end.v4} outside 198.18.0.0/15`), declared.add(end.v4.split('/')[0]);
        if (end.v6) assert.ok(v6Lab(end.v6.split('/')[0]), `${end.v6} outside 2001:db8::/32`), declared.add(end.v6.split('/')[0]);
      }
    }
    // An emulated router's extra addresses (loopbacks, a host's several addresses) are its own too.
    for (const n of topo.nodes) for (const a of n.emu?.addresses ?? []) assert.ok(v4Lab(a) || v6Lab(a), `${a} outside the lab's ranges`), declared.add(a);
    assert.ok(topo.nodes.some((n) => n.name === topo.source));
    // Node names without '-' keep `hs-<topology>-<node>` unambiguous (down ecmp never takes ecmp-flow's).
    assert.match(topo.name, /^[a-z0-9]+(-[a-z0-9]+)*$/);
    for (const n of topo.nodes) assert.match(n.name, /^[a-z0-9]+$/, `node name ${n.name}`);
    assert.equal(new Set(topo.nodes.map((n) => n.name)).size, topo.nodes.length, 'node names are unique');
    assert.ok(`hs-${topo.name}-${topo.source}`.length < 64);
    for (const n of topo.nodes) {
      for (const r of [...(n.routes4 ?? []), ...(n.routes6 ?? [])]) assert.doesNotMatch(r, /^default|0\.0\.0\.0\/0|::\/0/, `${n.name}: no default route out of the lab`);
    }
    for (const path of topo.truth.paths) {
      path.hops.forEach((h, i) => assert.equal(h.ttl, i + 1, 'one hop per TTL from 1'));
      for (const fam of ['v4', 'v6'] as const) {
        const dst = path.dst[fam];
        if (!dst) continue;
        assert.ok(declared.has(dst), `${fam} destination ${dst} is a lab address`);
        assert.ok(path.hops.at(-1)![fam]!.includes(dst), `last hop reaches ${dst}`);
        for (const h of path.hops) {
          const addrs = h[fam] ?? [];
          assert.ok(addrs.length > 0 || h.silent, `TTL ${h.ttl} ${fam}: someone answers or it is declared silent`);
          for (const a of addrs) assert.ok(declared.has(a), `TTL ${h.ttl}: ${a} is an address of the topology`);
          for (const a of addrs) assert.ok(h.returnHops !== undefined || h.returnHopsByAddr?.[a] !== undefined, `TTL ${h.ttl}: return hops of ${a}`);
          assert.ok(h.initialTtl === undefined || [64, 128, 254, 255].includes(h.initialTtl));
          // The balancer sits one hop before the addresses it spreads traffic over (TTL 1: the source itself).
          if (h.balancer && fam === 'v4' && h.ttl > 1) assert.ok(path.hops[h.ttl - 2].v4?.includes(h.balancer.at), `TTL ${h.ttl}: balancer ${h.balancer.at} answers at TTL ${h.ttl - 1}`);
          // (Per destination: one address per destination, the one its hash picks.)
          if (h.balancer && h.balancer.kind !== 'per-destination') assert.ok(addrs.length >= 2 || h.silent, `TTL ${h.ttl} ${fam}: a balancer spreads over several addresses`);
        }
        // Every MDA link joins an address at TTL t to one at TTL t+1 (or the same hop, never backwards).
        for (const [a, b] of path.links?.[fam] ?? []) {
          const ta = path.hops.filter((h) => h[fam]?.includes(a)).map((h) => h.ttl);
          const tb = path.hops.filter((h) => h[fam]?.includes(b)).map((h) => h.ttl);
          assert.ok(ta.some((t) => tb.includes(t + 1)), `${fam} link ${a} -> ${b} joins consecutive TTLs`);
        }
        assert.ok((path.links?.[fam] ?? []).length >= path.hops.length - 1, `${fam}: MDA links declared`);
      }
      for (const where of [topo.truth.sessionDies, topo.truth.reorders]) {
        if (where) assert.ok(path.hops[where.ttl - 1]?.v4?.includes(where.addr) && topo.nodes.some((n) => n.name === where.node), `${where.node} ${where.addr} at TTL ${where.ttl}`);
      }
      if (path.pmtu) assert.ok(path.pmtu.mtu >= 1280 && path.pmtu.ttl >= 0 && path.pmtu.ttl <= path.hops.length);
    }
  });
}
