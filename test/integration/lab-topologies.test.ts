import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, existsSync, readdirSync } from 'node:fs';
import { labUp, labDown, labList, labNamespaces, labAcquire, labRelease, nsName, topologies, SRC_ALIAS, serviceStatePath } from '../lab';
import { NEED_ROOT, parseTracerouteN, truthAddrs, dstOf, inNs } from './helpers';

// The truth of every kernel topology, checked with tools that are not hopscope. Other test
// files use some of these topologies at the same time: this file only ever takes down what
// it brought up itself (labAcquire / labRelease), never the whole lab.
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
      for (const path of topo.truth.paths) {
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

  test('every topology: ping reaches the destination in each declared family', () => {
    for (const topo of Object.values(topologies)) {
      use(topo.name);
      for (const path of topo.truth.paths) {
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
      for (const path of topo.truth.paths) {
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
            const back = hop.returnHopsByAddr?.[addr] ?? hop.returnHops;
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

  test('ratelimit: r2 answers a burst of about 6 of 20 quick probes, r3 behind it answers all 20', () => {
    // ratelimit is this file's own: rebuilt fresh so r2's token bucket is full (the first
    // test above spent some of it), instead of waiting for it to refill.
    use('ratelimit');
    labUp('ratelimit', { fresh: true });
    const ns = nsName('ratelimit', 'src');
    const exceeded = (ttl: number) =>
      inNs(ns, 'sh', ['-c', `ping -n -t ${ttl} -c 20 -i 0.01 -W 1 198.18.4.2 || true`]).split('\n').filter((l) => /exceeded/i.test(l)).length;
    const atR2 = exceeded(2);
    // Linux: burst of 6, then one token per second (the run lasts about 0.2 s).
    assert.ok(atR2 >= 5 && atR2 <= 8, `r2 answered ${atR2} of 20`);
    assert.equal(exceeded(3), 20);
  });

  test('fw-desync: a SYN traceroute reaches the server, but an established session never delivers a byte', async () => {
    use('fw-desync');
    const ns = nsName('fw-desync', 'src');
    const out = inNs(ns, 'traceroute', ['-n', '-T', '-p', '9', '-q', '1', '198.18.4.2']);
    assert.ok(parseTracerouteN(out).get(4)?.has('198.18.4.2'), out);
    const client = inNs(ns, process.execPath, ['-e', `
      const s = require('net').connect(9, '198.18.4.2', () => { s.write('hopscope'); setTimeout(() => { console.log('connected'); s.destroy(); }, 1000); });
      s.on('error', (e) => console.log('error ' + e.message));`]);
    assert.match(client, /connected/);
    const state = JSON.parse(readFileSync(serviceStatePath('fw-desync', 'dst', 'discard'), 'utf8'));
    assert.deepEqual(state, { port: 9, bytes: 0 });
  });

  test('down NAME removes that topology: namespaces, veths, the hs-src alias, the service and its files', () => {
    // fw-desync is this file's own (no other test uses it), and it has a service to stop.
    labUp('fw-desync');
    const ns = nsName('fw-desync', 'dst');
    assert.ok(labNamespaces().includes(SRC_ALIAS));
    assert.ok(existsSync(`/run/hopscope-lab/${ns}.pids`));
    const pids = readFileSync(`/run/hopscope-lab/${ns}.pids`, 'utf8').split('\n').filter(Boolean).map(Number);
    labDown('fw-desync'); // also drops this file's lease on it
    assert.deepEqual(labNamespaces().filter((n) => n.startsWith('hs-fw-desync-') || n === SRC_ALIAS), []);
    assert.ok(!existsSync('/run/netns/hs-src'), 'the alias pointed at fw-desync, so it is gone');
    const links = execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' });
    assert.doesNotMatch(links, /to-(src|dst|r\d|fw)/, 'no lab veth in the root namespace');
    assert.doesNotMatch(execFileSync('mount', { encoding: 'utf8' }), /netns\/hs-(fw-desync|src)/);
    const left = existsSync('/run/hopscope-lab') ? readdirSync('/run/hopscope-lab').filter((f) => f.includes('fw-desync')) : [];
    assert.deepEqual(left, [], 'no service state, pid or stamp files left');
    // The service (and its `ip netns exec` parent) exit on SIGTERM within a bounded wait.
    const deadline = Date.now() + 3000;
    const running = () => pids.filter((p) => existsSync(`/proc/${p}`) && !readFileSync(`/proc/${p}/stat`, 'utf8').includes(') Z '));
    while (running().length > 0 && Date.now() < deadline) execFileSync('sleep', ['0.05']);
    assert.deepEqual(running(), []);
    const services = execFileSync('ps', ['-eo', 'pid,stat,args'], { encoding: 'utf8' }).split('\n').filter((l) => l.includes(serviceStatePath('fw-desync', 'dst', 'discard')) && !/^\s*\d+\s+Z/.test(l));
    assert.deepEqual(services, [], 'no discard service of fw-desync left');
  });
});
