import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { labUp, labDown, labList, labNamespaces, labAcquire, labRelease, labPrivate, labSrcAlias, labIsUp, nsName, topologies, SRC_ALIAS, serviceStatePath } from '../lab';
import { NEED_ROOT, parseTracerouteN, truthAddrs, dstOf, inNs } from './helpers';
import type { PathTruth, Topology } from '../lab/types';

// The truth of every kernel topology, checked with tools that are not hopscope. Other test
// files use some of these topologies at the same time: this file only ever takes down what
// it brought up itself (labAcquire / labRelease), never the whole lab.
/**
 * The paths checked on a topology: all of them, or for a generated one with many (wide-many's
 * 32) four spread over it: the same routers and code on every chain, at an eighth the time
 * (each traceroute there also risks a reply the emulator sent late under load landing on a
 * later run's reused port; hopscope's own MDA test covers all 32).
 */
function checkedPaths(topo: Topology): PathTruth[] {
  const all = topo.truth.paths;
  return all.length <= 4 ? all : [0, 1, 2, 3].map((k) => all[Math.floor((k * (all.length - 1)) / 3)]);
}

describe('lab topologies against independent tools', { skip: NEED_ROOT }, () => {
  const acquired = new Set<string>();
  const use = (name: string) => {
    labAcquire(name);
    acquired.add(name);
  };
  after(() => {
    for (const t of acquired) labRelease(t);
  });

  for (const topo of Object.values(topologies)) {
    test(`${topo.name}: comes up, and Linux traceroute (UDP, ICMP, TCP; v4 and v6) sees only truth addresses`, () => {
      use(topo.name);
      const ns = nsName(topo.name, topo.source);
      for (const path of checkedPaths(topo)) {
        for (const family of [4, 6] as const) {
          if (!(family === 4 ? path.dst.v4 : path.dst.v6)) continue;
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
          // traceroute prints up to the first TTL where the destination answered, so TTLs
          // that only a longer branch has (ecmp-unequal) show only when every probe at the
          // shorter length took the long branch: answers are required up to the shortest path.
          const shortest = path.hops.find((h) => truthAddrs(h, family).includes(dst))?.ttl ?? path.hops.length;
          for (const hop of path.hops) {
            const allowed = new Set(truthAddrs(hop, family));
            const got = [...(seen.get(hop.ttl) ?? [])];
            // Behind a NAT that leaves its quotes untranslated, traceroute's sockets may drop the
            // time-exceeded of later hops (the quote names another source): answers there are not required.
            const hiddenByNat = path.nat !== undefined && hop.ttl > path.nat.ttl && hop.ttl < shortest;
            if (hop.ttl <= shortest && !hiddenByNat) assert.ok(got.length > 0, `${topo.name} v${family} TTL ${hop.ttl}: no answer`);
            for (const a of got) assert.ok(allowed.has(a), `${topo.name} v${family} TTL ${hop.ttl}: ${a} not in truth ${[...allowed]}`);
            if (hop.ttl <= shortest && !hop.balancer && allowed.size === 1 && !hiddenByNat) assert.deepEqual(got, [...allowed]);
          }
        }
      }
      assert.ok(labList().includes(topo.name));
      assert.equal(execFileSync('ip', ['netns', 'identify'], { encoding: 'utf8' }).trim(), '', 'tests run in the root namespace');
    });
  }

  test('every topology: ping reaches the destination in each declared family', () => {
    for (const topo of Object.values(topologies)) {
      use(topo.name);
      for (const path of checkedPaths(topo)) {
        for (const family of [4, 6] as const) {
          if (!(family === 4 ? path.dst.v4 : path.dst.v6)) continue;
          const out = inNs(nsName(topo.name, topo.source), 'ping', [`-${family}`, '-n', '-c', '1', '-W', '2', dstOf(path, family)], 5000);
          assert.match(out, /1 received/, `${topo.name} v${family}`);
        }
      }
    }
  });

  test('every topology: tracepath sees the declared return hop counts (asymm exactly where they differ)', () => {
    for (const topo of Object.values(topologies)) {
      use(topo.name);
      if (topo.name === 'ratelimit') continue; // r2 may be out of tokens here; its own test below
      for (const path of checkedPaths(topo)) {
        for (const family of [4, 6] as const) {
          if (!(family === 4 ? path.dst.v4 : path.dst.v6)) continue;
          const out = inNs(nsName(topo.name, topo.source), 'tracepath', [`-${family}`, '-n', '-m', String(path.hops.length + 1), dstOf(path, family)], 20_000);
          const where = `${topo.name} v${family}:\n${out}`;
          for (const line of out.split('\n')) {
            const m = line.match(/^\s*(\d+):\s+(\S+)\s+\S+ms\s*(?:asymm\s+(\d+))?\s*(reached)?/);
            if (!m || m[2] === '[LOCALHOST]') continue;
            const [ttl, addr, asymm, reached] = [Number(m[1]), m[2], m[3], m[4]];
            if (/pmtu \d+/.test(line)) {
              // Frag-needed / packet-too-big: from the hop in front of the link that shrinks the path.
              assert.ok(path.pmtu && truthAddrs(path.hops[path.pmtu.ttl - 1], family).includes(addr), `pmtu from ${addr}; ${where}`);
              continue;
            }
            const hop = path.hops[ttl - 1];
            assert.ok(hop && truthAddrs(hop, family).includes(addr), `TTL ${ttl}: ${addr} not in truth; ${where}`);
            // tracepath counts from 255: a router starting at 254 (Juniper-like, emulated) looks one hop further.
            const back = (hop.returnHopsByAddr?.[addr] ?? hop.returnHops!) + (hop.initialTtl === 254 ? 1 : 0);
            if (reached) continue; // tracepath does not print asymm on the destination's line: see Resume
            if (back === ttl) assert.equal(asymm, undefined, `TTL ${ttl}: no asymm expected; ${where}`);
            else assert.equal(Number(asymm), back, `TTL ${ttl}: asymm ${back} expected; ${where}`);
          }
          const last = path.hops.at(-1)!;
          const dst = dstOf(path, family);
          const back = last.returnHopsByAddr?.[dst] ?? last.returnHops;
          const resume = out.match(/Resume: pmtu (\d+) hops (\d+) back (\d+)/);
          assert.ok(resume, where);
          assert.equal(Number(resume[3]), back, `back ${back}; ${where}`);
          assert.equal(Number(resume[1]), path.pmtu?.mtu ?? 1500, `pmtu; ${where}`);
        }
      }
    }
  });

  test('every topology: each hop\'s ICMP arrives with TTL = initial TTL + 1 - return hops (tcpdump at the source, v4 and v6)', async () => {
    for (const topo of Object.values(topologies)) {
      use(topo.name);
      const ns = nsName(topo.name, topo.source);
      const first = topo.links.map((l) => (l.a.node === topo.source ? l.a : l.b.node === topo.source ? l.b : null)).find(Boolean)!;
      for (const path of checkedPaths(topo)) {
        for (const family of [4, 6] as const) {
          if (!(family === 4 ? path.dst.v4 : path.dst.v6)) continue;
          // Replies only (echo probes go out when the path needs them, below).
          const capture = spawnIn(ns, 'tcpdump', ['-n', '-v', '-l', '-i', first.ifname, family === 4 ? 'icmp and icmp[0] != 8' : 'icmp6'], 20_000);
          await capture.ready; // "listening on ..."
          // Through a quote-rewriting NAT only echo probes reach the destination's answer (see above).
          const mode = path.nat ? ['-I'] : [];
          const trace = inNs(ns, 'traceroute', [`-${family}`, '-n', '-q', '1', '-w', '1', '-m', String(path.hops.length + 1), ...mode, dstOf(path, family)]);
          await new Promise((r) => setTimeout(r, 100));
          capture.stop(); // `ip netns exec` execs tcpdump: SIGINT to the child is SIGINT to tcpdump
          const out = await capture.out;
          const re = family === 4 ? /ttl (\d+),[^\n]*proto ICMP \(1\)[^\n]*\n\s+(\S+) > \S+: ICMP (?!echo request)/g : /hlim (\d+),[^\n]*?\) (\S+) > \S+: \[icmp6 sum ok\] ICMP6, (?:time exceeded|destination unreachable)/g;
          const seen = new Map<string, Set<number>>();
          for (const m of out.matchAll(re)) {
            if (!seen.has(m[2])) seen.set(m[2], new Set());
            seen.get(m[2])!.add(Number(m[1]));
          }
          const where = `${topo.name} v${family}:\n${trace}`;
          const answered = [...parseTracerouteN(trace).values()].flatMap((a) => [...a]);
          assert.ok(answered.includes(dstOf(path, family)), `reached; ${where}`);
          for (const a of answered) assert.ok(seen.has(a), `the capture has every answer traceroute saw (${a}); ${where}`);
          for (const [addr, ttls] of seen) {
            const hop = path.hops.find((h) => truthAddrs(h, family).includes(addr));
            assert.ok(hop && hop.initialTtl, `${addr} in the truth with an initial TTL; ${where}`);
            const back = hop.returnHopsByAddr?.[addr] ?? hop.returnHops!;
            assert.deepEqual([...ttls], [hop.initialTtl + 1 - back], `${addr}: initial TTL ${hop.initialTtl}, back ${back}; ${where}`);
          }
        }
      }
    }
  });

  test('ecmp-unequal: classic traceroute shows the false A-B1-C-C loop (r2 at TTL 3 and 4 in one run)', () => {
    use('ecmp-unequal');
    const path = topologies['ecmp-unequal'].truth.paths[0];
    const r2 = '198.18.12.2';
    let loops = 0;
    // Per run, with 3 independent flows per TTL hashed over 2 branches: P(r2 at TTL 3) = 7/8 and
    // P(r2 at TTL 4) = 7/8, so a run shows the loop with p ≈ 0.77; 10 runs all without it: < 1e-6.
    for (let i = 0; i < 10; i++) {
      const hops = parseTracerouteN(inNs(nsName('ecmp-unequal', 'src'), 'traceroute', ['-n', '-q', '3', '-w', '1', '-m', '5', dstOf(path, 4)]));
      if (hops.get(3)?.has(r2) && hops.get(4)?.has(r2)) loops++;
    }
    assert.ok(loops >= 1, 'no run showed r2 at two consecutive TTLs');
  });

  test('ecmp-flow: over 20 classic traceroutes every branch of both diamonds shows up', () => {
    use('ecmp-flow');
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
    use('asym');
    const path = topologies.asym.truth.paths[0];
    for (const family of [4, 6] as const) {
      const out = inNs(nsName('asym', 'src'), 'tracepath', [`-${family}`, '-n', dstOf(path, family)]);
      assert.match(out, new RegExp(`Resume: pmtu ${path.pmtu!.mtu} hops ${path.hops.length} back ${path.hops.at(-1)!.returnHops}`));
      // tracepath prints asymm only where return != forward: hop 3 (back 4), not hop 2 (iTTL 255).
      assert.match(out, /3:\s+\S+\s+\S+ms asymm\s+4/);
      assert.doesNotMatch(out, /2:\s+\S+\s+\S+ms asymm/);
    }
  });

  test('ecmp-packet: one fixed flow is split over both branches, alternately', () => {
    use('ecmp-packet');
    const ns = nsName('ecmp-packet', 'src');
    for (const family of [4, 6] as const) {
      const dst = dstOf(topologies['ecmp-packet'].truth.paths[0], family);
      // UDP to one port from one source port: a single 5-tuple, 6 probes at TTL 2.
      const out = inNs(ns, 'traceroute', [`-${family}`, '-n', '-U', '-p', '33434', '--sport=40000', '-q', '6', '-N', '1', '-f', '2', '-m', '2', dst]);
      const hop2 = parseTracerouteN(out).get(2)!;
      const hop = topologies['ecmp-packet'].truth.paths[0].hops[1];
      assert.deepEqual([...hop2].sort(), [...truthAddrs(hop, family)].sort(), out);
    }
  });

  test('per-flow balancers: a fixed 5-tuple sees exactly one address at every TTL (v4 and v6)', () => {
    for (const topo of Object.values(topologies)) {
      for (const path of checkedPaths(topo)) {
        if (!path.hops.some((h) => h.balancer?.kind === 'per-flow')) continue;
        use(topo.name);
        for (const family of [4, 6] as const) {
          if (!(family === 4 ? path.dst.v4 : path.dst.v6)) continue;
          for (const sport of [40001, 40002, 40003, 40004]) {
            // -U: one destination port; --sport: one source port; 4 probes per TTL, one at a time.
            const args = [`-${family}`, '-n', '-U', '-p', '33434', `--sport=${sport}`, '-q', '4', '-N', '1', '-w', '1', '-m', String(path.hops.length + 1), dstOf(path, family)];
            const out = inNs(nsName(topo.name, topo.source), 'traceroute', args);
            // (Behind a per-packet balancer on the same path (wide), one flow meets several addresses.)
            const perPacket = (ttl: number) => path.hops.some((h) => h.ttl === ttl && h.balancer?.kind === 'per-packet');
            for (const [ttl, addrs] of parseTracerouteN(out)) if (!perPacket(ttl)) assert.equal(addrs.size, 1, `${topo.name} v${family} sport ${sport} TTL ${ttl}:\n${out}`);
          }
        }
      }
    }
  });

  test('scamper tracelb (MDA, IPv4) finds exactly the truth links on ecmp-flow and ecmp-packet', async () => {
    // scamper paces its probes (at least 150 ms apart): about 55 probes and 8 s on ecmp-flow,
    // so the runs go in parallel. Every run must report only truth links. At 95% a run may miss
    // a branch (MDA's bound: about 5% per branching vertex; 30 of 30 runs here were complete),
    // so on ecmp-flow the union of two runs must be the whole truth (both miss the same link:
    // well under 1%). numgen alternates, so on ecmp-packet every run is complete.
    // (scamper 20211212's tracelb answers only `*` over IPv6 here: not used for v6.)
    const runs: [string, number][] = [['ecmp-flow', 2], ['ecmp-packet', 1]];
    runs.forEach(([t]) => use(t));
    const results = await Promise.all(
      runs.flatMap(([t, n]) =>
        Array.from({ length: n }, () => spawnIn(nsName(t, 'src'), 'scamper', ['-c', 'tracelb -W 15 -w 1', '-i', dstOf(topologies[t].truth.paths[0], 4)], 60_000).out.then((out) => [t, out] as const)),
      ),
    );
    for (const [t] of runs) {
      const truth = new Set(topologies[t].truth.paths[0].links!.v4!.map(([a, b]) => `${a} ${b}`));
      const union = new Set<string>();
      for (const [, out] of results.filter(([x]) => x === t)) {
        const links = parseTracelb(out);
        assert.ok(links.length > 0, `${t}: scamper found nothing:\n${out}`);
        for (const l of links) assert.ok(truth.has(l), `${t}: scamper link ${l} not in the truth:\n${out}`);
        links.forEach((l) => union.add(l));
      }
      assert.deepEqual([...union].sort(), [...truth].sort(), t);
    }
  });

  test('ecmp-packet: a burst of one flow arrives out of order (per-packet balancing, the p2 branch queues)', async () => {
    // A private copy: the burst fills p2's shaper, which would delay others' probes on ecmp-packet.
    const copy = labPrivate('ecmp-packet');
    labUp(copy.name);
    try {
      for (const family of [4, 6] as const) {
        const dst = dstOf(copy.truth.paths[0], family);
        const receiver = spawnIn(nsName(copy.name, 'dst'), process.execPath, ['-e', `
          const s = require('dgram').createSocket('udp${family}'); const got = [];
          const done = () => { console.log(JSON.stringify(got)); process.exit(0); };
          s.on('message', (m) => { got.push(m.readUInt32BE(0)); if (got.length === 20) done(); });
          s.bind(5000, () => console.error('ready'));
          setTimeout(done, 3000);`], 10_000);
        await receiver.ready;
        // 20 datagrams of 1400 bytes, one 5-tuple, each sent when the previous one has left.
        inNs(nsName(copy.name, 'src'), process.execPath, ['-e', `
          const s = require('dgram').createSocket('udp${family}'); let i = 0;
          s.bind(5001, () => { const next = () => { if (i === 20) return s.close(); const b = Buffer.alloc(1400); b.writeUInt32BE(i++); s.send(b, 5000, '${dst}', next); }; next(); });`]);
        const order = JSON.parse(await receiver.out) as number[];
        assert.deepEqual([...order].sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i), `v${family}: all 20 arrive`);
        assert.notDeepEqual(order, Array.from({ length: 20 }, (_, i) => i), `v${family}: out of order`);
      }
    } finally {
      labDown(copy.name);
    }
  });

  test('ratelimit: r2 answers a burst of about 6 of 20 quick probes, r3 behind it answers all 20 (v4 and v6)', () => {
    // A private copy, so r2's token buckets are full (nobody else has spent them) and nobody
    // sharing ratelimit is disturbed.
    const copy = labPrivate('ratelimit');
    labUp(copy.name);
    try {
      const ns = nsName(copy.name, 'src');
      const path = copy.truth.paths[0];
      const limited = path.hops.find((h) => h.rateLimited)!;
      for (const family of [4, 6] as const) {
        const exceeded = (ttl: number) =>
          inNs(ns, 'sh', ['-c', `ping -${family} -n -t ${ttl} -c 20 -i 0.01 -W 1 ${dstOf(path, family)} || true`]).split('\n').filter((l) => /exceeded/i.test(l)).length;
        const atR2 = exceeded(limited.ttl);
        // Linux: a burst of 6, then a token per second (IPv4) / per 250 ms (IPv6: a /64 route
        // shortens the interval); the 20 probes take about 0.2 s.
        assert.ok(atR2 >= 5 && atR2 <= 8, `v${family}: r2 answered ${atR2} of 20`);
        assert.equal(exceeded(limited.ttl + 1), 20, `v${family}: the hop after r2 is clean`);
      }
    } finally {
      labDown(copy.name);
    }
  });

  test('fw-desync: a SYN traceroute reaches the server, an established session never delivers a byte (ct invalid drops at fw); down removes everything', () => {
    // A private copy: its firewall counter and service byte count are this test's alone, and
    // taking it down disturbs nobody. hs-src is pointed at it, then back where it was.
    const aliasBefore = labSrcAlias();
    const copy = labPrivate('fw-desync');
    labUp(copy.name, { alias: true });
    let restored = false;
    try {
      const ns = nsName(copy.name, 'src');
      const dst = dstOf(copy.truth.paths[0], 4);
      const out = inNs(ns, 'traceroute', ['-n', '-T', '-p', '9', '-q', '1', dst]);
      const hops = parseTracerouteN(out);
      for (const hop of copy.truth.paths[0].hops) assert.deepEqual([...(hops.get(hop.ttl) ?? [])], hop.v4, out);
      const invalid = () => Number(/ct state invalid counter packets (\d+)/.exec(inNs(nsName(copy.name, 'fw'), 'nft', ['list', 'table', 'inet', 'hs_fw']))?.[1]);
      const before = invalid();
      const client = inNs(ns, process.execPath, ['-e', `
        const s = require('net').connect(9, '${dst}', () => { s.write('hopscope'); setTimeout(() => { console.log('connected'); s.destroy(); }, 1000); });
        s.on('error', (e) => console.log('error ' + e.message));`]);
      assert.match(client, /connected/, 'the handshake completes (the SYN passes fw, the SYN-ACK bypasses it)');
      assert.deepEqual(JSON.parse(readFileSync(serviceStatePath(copy.name, 'dst', 'discard'), 'utf8')), { port: 9, bytes: 0 });
      // The client's ACK, its data and the retransmissions in that second: all invalid at fw.
      assert.ok(invalid() - before >= 2, `fw dropped ${invalid() - before} invalid packets`);

      const dstNs = nsName(copy.name, 'dst');
      // A service that died (killed here, as by a crash) is started again by the next `up`.
      const listening = () => /:9\b/.test(inNs(dstNs, 'ss', ['-Hltn']));
      assert.ok(listening());
      const first = Number(readFileSync(`/run/hopscope-lab/${dstNs}.pids`, 'utf8').split('\n')[0]);
      process.kill(-first, 'SIGKILL');
      const killDeadline = Date.now() + 3000;
      while (listening() && Date.now() < killDeadline) execFileSync('sleep', ['0.05']);
      assert.ok(!listening(), 'the killed service no longer listens');
      labUp(copy.name, { alias: true });
      assert.ok(listening(), 'up restarted the dead service');
      assert.deepEqual(JSON.parse(readFileSync(serviceStatePath(copy.name, 'dst', 'discard'), 'utf8')), { port: 9, bytes: 0 });
      assert.equal(labSrcAlias(), copy.name);
      const pids = readFileSync(`/run/hopscope-lab/${dstNs}.pids`, 'utf8').split('\n').filter(Boolean).map(Number);
      labDown(copy.name);
      assert.deepEqual(labNamespaces().filter((n) => n.startsWith(`hs-${copy.name}-`) || n === SRC_ALIAS), []);
      assert.ok(!existsSync('/run/netns/hs-src'), 'the alias pointed at the copy, so it is gone');
      assert.doesNotMatch(execFileSync('mount', { encoding: 'utf8' }), new RegExp(`netns/hs-(${copy.name}|src)`));
      const left = existsSync('/run/hopscope-lab') ? readdirSync('/run/hopscope-lab').filter((f) => f.includes(copy.name)) : [];
      assert.deepEqual(left, [], 'no service state, pid or stamp files left');
      // The service (and its `ip netns exec` parent) exit on SIGTERM within a bounded wait.
      const deadline = Date.now() + 3000;
      const running = () => pids.filter((p) => existsSync(`/proc/${p}`) && !readFileSync(`/proc/${p}/stat`, 'utf8').includes(') Z '));
      while (running().length > 0 && Date.now() < deadline) execFileSync('sleep', ['0.05']);
      assert.deepEqual(running(), []);
      const services = execFileSync('ps', ['-eo', 'pid,stat,args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(serviceStatePath(copy.name, 'dst', 'discard')) && !/^\s*\d+\s+Z/.test(l));
      assert.deepEqual(services, [], 'no discard service of the copy left');
      // Namespace deletion finishes in the kernel shortly after `ip netns del`: veths with it.
      const vethDeadline = Date.now() + 3000;
      const rootVeths = () => execFileSync('ip', ['-o', 'link', 'show', 'type', 'veth'], { encoding: 'utf8' }).split('\n').filter((l) => / to-/.test(l));
      while (rootVeths().length > 0 && Date.now() < vethDeadline) execFileSync('sleep', ['0.05']);
      assert.deepEqual(rootVeths(), [], 'no lab veth in the root namespace');
      if (aliasBefore) labUp(aliasBefore);
      restored = true;
      assert.equal(labSrcAlias(), aliasBefore);
    } finally {
      if (labList().includes(copy.name)) labDown(copy.name);
      if (!restored && aliasBefore && labIsUp(aliasBefore)) labUp(aliasBefore);
    }
  });
});

/**
 * Starts a command in a namespace, killed after `timeoutMs`: `out` is its stdout once it
 * exits with status 0; `ready` resolves when it first writes to stderr; `stop` sends SIGINT.
 */
function spawnIn(ns: string, cmd: string, args: string[], timeoutMs: number): { out: Promise<string>; ready: Promise<void>; stop: () => void } {
  const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs, killSignal: 'SIGKILL' });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  const ready = new Promise<void>((resolve, reject) => {
    child.stderr.once('data', () => resolve());
    child.on('close', () => reject(new Error(`${cmd} in ${ns} exited before it was ready: ${stderr}`)));
  });
  ready.catch(() => undefined); // only callers that wait for it care
  child.stderr.on('data', (d) => (stderr += d));
  const out = new Promise<string>((resolve, reject) =>
    child.on('close', (code, signal) => (code === 0 ? resolve(stdout) : reject(new Error(`${cmd} in ${ns}: ${signal ?? `exit ${code}`}: ${stderr}`)))),
  );
  return { out, ready, stop: () => child.kill('SIGINT') };
}

/** Links of `scamper -c tracelb` text output: `A -> (B, C) -> D` gives A>B, A>C, B>D, C>D. */
function parseTracelb(out: string): string[] {
  const links = new Set<string>();
  for (const line of out.split('\n').slice(1)) {
    const groups = line.split(' -> ').map((g) => g.replace(/[()]/g, '').split(',').map((a) => a.trim()).filter(Boolean));
    for (let i = 1; i < groups.length; i++) for (const a of groups[i - 1]) for (const b of groups[i]) if (a !== '*' && b !== '*') links.add(`${a} ${b}`);
  }
  return [...links];
}
