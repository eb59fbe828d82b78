import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { labAcquire, labRelease, nsName, topologies } from '../lab';
import { NEED_ROOT, hopscopeIn, parseJsonTrace, addrsByTtl, truthAddrs, dstOf, parseTracerouteN } from './helpers';
import { withFault, silentFor, blackHoleFor } from './trace-faults';

const TERMINAL = { udp: 'port-unreachable', icmp: 'echo-reply', tcp: 'tcp-rst' } as const;
const linearNs = nsName('linear', 'src');
const linearPath = topologies.linear.truth.paths[0];

describe('hopscope trace on the lab', { skip: NEED_ROOT }, () => {
  before(() => {
    labAcquire('linear');
    labAcquire('ecmp-flow');
    labAcquire('ecmp-unequal');
    labAcquire('asym');
  });
  after(() => {
    for (const t of ['linear', 'ecmp-flow', 'ecmp-unequal', 'asym']) labRelease(t);
  });

  test('asym: reply TTLs carry each router\'s initial TTL and its longer return path (v4 and v6)', async () => {
    const path = topologies.asym.truth.paths[0];
    for (const family of [4, 6] as const) {
      const { records } = parseJsonTrace((await hopscopeIn(nsName('asym', 'src'), ['trace', '--json', `-${family}`, '-q', '2', dstOf(path, family)])).stdout);
      for (const r of records) {
        const hop = path.hops[r.ttl - 1];
        assert.equal(r.addr, truthAddrs(hop, family)[0]);
        assert.equal(r.replyTtl, hop.initialTtl! - hop.returnHops! + 1, `v${family} TTL ${r.ttl}`);
      }
    }
  });

  for (const family of [4, 6] as const) {
    for (const proto of ['udp', 'icmp', 'tcp'] as const) {
      for (const method of ['paris', 'classic'] as const) {
        test(`linear, IPv${family} ${proto} ${method}: every hop is the truth's, the destination ends it`, async () => {
          const dst = dstOf(linearPath, family);
          const run = await hopscopeIn(linearNs, ['trace', '--json', `-${family}`, '--proto', proto, '--method', method, '-w', '2', dst]);
          assert.equal(run.code, 0, run.stderr);
          const { records, summary } = parseJsonTrace(run.stdout);
          assert.equal(summary.stopReason, 'reached');
          assert.equal(summary.lastTtl, linearPath.hops.length);
          assert.equal(records.length, 3 * linearPath.hops.length);
          for (const r of records) {
            const hop = linearPath.hops[r.ttl - 1];
            assert.deepEqual([r.addr], truthAddrs(hop, family), `TTL ${r.ttl}`);
            const last = r.ttl === linearPath.hops.length;
            assert.equal(r.kind, last ? TERMINAL[proto] : 'time-exceeded');
            assert.ok(r.rttMs !== null && r.rttMs > 0 && r.rttMs < 2000);
            assert.equal(r.proto, proto);
            assert.equal(r.dst, dst);
            if (!last) assert.equal(r.quotedTtl, 1);
            // Reply TTL / hop limit = 64 - (return hops - 1); IPv6's comes from native/hopsock.
            assert.equal(r.replyTtl, 64 - (hop.returnHops! - 1));
          }
          if (method === 'paris') assert.equal(new Set(records.map((r) => `${r.sport}/${r.dport}`)).size, 1, 'one 5-tuple');
          else if (proto !== 'icmp') assert.equal(new Set(records.map((r) => `${r.sport}/${r.dport}`)).size, records.length, 'a new flow per probe');
        });
      }
    }
  }

  test('TCP to an open port (the discard service on linear\'s dst): the SYN-ACK ends the trace, with or without data in the SYN', async () => {
    for (const family of [4, 6] as const) {
      for (const size of [[], ['--size', String(family === 4 ? 70 : 90)], ['--size', String(family === 4 ? 40 : 60)]]) {
        const run = await hopscopeIn(linearNs, ['trace', '--json', `-${family}`, '-T', '-p', '9', '-w', '1', ...size, dstOf(linearPath, family)]);
        const { records, summary } = parseJsonTrace(run.stdout);
        assert.equal(summary.stopReason, 'reached', `v${family} ${size.join(' ')}`);
        assert.deepEqual(records.filter((r) => r.ttl === linearPath.hops.length).map((r) => r.kind), ['tcp-synack', 'tcp-synack', 'tcp-synack']);
      }
    }
  });

  test('ecmp-flow: each Paris trace stays on one branch; different flows find different branches', async () => {
    const path = topologies['ecmp-flow'].truth.paths[0];
    const ns = nsName('ecmp-flow', 'src');
    const branches = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const run = await hopscopeIn(ns, ['trace', '--json', '-q', '3', '--sport', String(40000 + i * 7), dstOf(path, 4)]);
      const { records } = parseJsonTrace(run.stdout);
      const byTtl = addrsByTtl(records);
      for (const hop of path.hops) {
        const got = [...(byTtl.get(hop.ttl) ?? [])];
        assert.equal(got.length, 1, `flow ${i}, TTL ${hop.ttl}: ${got}`);
        assert.ok(truthAddrs(hop, 4).includes(got[0]));
      }
      branches.add(`${[...byTtl.get(2)!][0]} ${[...byTtl.get(4)!][0]}`);
    }
    // 10 flows over 6 branch pairs: all on one pair has probability 6 * (1/6)^10 < 1e-7.
    assert.ok(branches.size > 1);
  });

  test('ecmp-unequal: classic traces show the false link (r2 at two consecutive TTLs), Paris traces never do', async () => {
    const path = topologies['ecmp-unequal'].truth.paths[0];
    const ns = nsName('ecmp-unequal', 'src');
    const r2 = '198.18.12.2';
    const classic = new Map<number, Set<string>>();
    for (let i = 0; i < 5; i++) {
      const { records } = parseJsonTrace((await hopscopeIn(ns, ['trace', '--json', '--method', 'classic', '-q', '6', dstOf(path, 4)])).stdout);
      for (const [ttl, a] of addrsByTtl(records)) classic.set(ttl, new Set([...(classic.get(ttl) ?? []), ...a]));
    }
    // Each of 30 probes per TTL picks a branch: missing r2 at TTL 3 or 4 has probability <= 2 * 2^-30.
    assert.ok(classic.get(3)!.has(r2) && classic.get(4)!.has(r2), `classic TTL3 ${[...classic.get(3)!]} TTL4 ${[...classic.get(4)!]}`);
    for (let i = 0; i < 5; i++) {
      const { records } = parseJsonTrace((await hopscopeIn(ns, ['trace', '--json', '-q', '3', '--sport', String(41000 + i), dstOf(path, 4)])).stdout);
      const byTtl = addrsByTtl(records);
      assert.ok(!(byTtl.get(3)?.has(r2) && byTtl.get(4)?.has(r2)), 'a Paris trace follows one branch');
    }
  });

  test('two hopscope traces and a system traceroute at once do not see each other\'s replies', async () => {
    const dst = dstOf(linearPath, 4);
    const tr = spawn('ip', ['netns', 'exec', linearNs, 'traceroute', '-n', '-q', '3', dst], { stdio: ['ignore', 'pipe', 'ignore'] });
    let trOut = '';
    tr.stdout.on('data', (d) => (trOut += d));
    const trDone = new Promise<number | null>((r) => tr.on('close', r));
    const [a, b, c] = await Promise.all([
      hopscopeIn(linearNs, ['trace', '--json', '-q', '3', dst]),
      hopscopeIn(linearNs, ['trace', '--json', '-q', '3', '-I', dst]),
      hopscopeIn(linearNs, ['trace', '--json', '-q', '3', dst]),
    ]);
    assert.equal(await trDone, 0);
    for (const run of [a, b, c]) {
      const { records, summary } = parseJsonTrace(run.stdout);
      assert.equal(summary.probesAnswered, 15);
      assert.equal(records.length, 15);
      for (const r of records) assert.deepEqual([r.addr], truthAddrs(linearPath.hops[r.ttl - 1], 4));
      assert.equal(new Set(records.map((r) => r.run)).size, 1);
    }
    assert.equal(parseTracerouteN(trOut).get(5)?.has(dst), true);
  });

  test('a silent hop shows as *, and a black hole ends the trace within its bound', async () => {
    // The faults touch one UDP flow only (its source port), so others using linear meanwhile see nothing.
    const dst = dstOf(linearPath, 4);
    await withFault(nsName('linear', 'r2'), silentFor(47201), async () => {
      const run = await hopscopeIn(linearNs, ['trace', '--json', '-w', '1', '--sport', '47201', dst]);
      const { records, summary } = parseJsonTrace(run.stdout);
      assert.equal(summary.stopReason, 'reached');
      assert.deepEqual(records.filter((r) => r.ttl === 2).map((r) => r.addr), [null, null, null]);
      assert.ok(records.filter((r) => r.ttl !== 2).every((r) => r.addr !== null));
      const text = await hopscopeIn(linearNs, ['trace', '-n', '-w', '1', '--sport', '47201', dst]);
      assert.match(text.stdout, /^ 2  \*  \*  \*$/m);
      assert.match(text.stdout, /^ 3  198\.18\.3\.2  /m);
    });
    await withFault(nsName('linear', 'r3'), blackHoleFor(47202), async () => {
      const run = await hopscopeIn(linearNs, ['trace', '--json', '-w', '0.5', '--gap', '3', '--sport', '47202', dst]);
      const { records, summary } = parseJsonTrace(run.stdout);
      assert.equal(run.code, 1);
      assert.equal(summary.stopReason, 'silent-hops');
      assert.equal(summary.lastTtl, 5); // hops 3, 4, 5 silent
      assert.ok(records.filter((r) => r.ttl >= 3).every((r) => r.addr === null));
      assert.ok(summary.durationMs < 3000, `took ${summary.durationMs} ms`);
    });
  });

  test('source address and interface selection', async () => {
    const dst = dstOf(linearPath, 4);
    const bySrc = parseJsonTrace((await hopscopeIn(linearNs, ['trace', '--json', '-q', '1', '-s', '198.18.1.1', dst])).stdout);
    assert.equal(bySrc.summary.reached, true);
    assert.ok(bySrc.records.every((r) => r.src === '198.18.1.1'));
    const byIf = parseJsonTrace((await hopscopeIn(linearNs, ['trace', '--json', '-q', '1', '-i', 'to-r1', dst])).stdout);
    assert.equal(byIf.summary.reached, true);
    assert.equal(byIf.summary.src, '198.18.1.1');
    const badIf = await hopscopeIn(linearNs, ['trace', '-i', 'eth9', dst]);
    assert.equal(badIf.code, 2);
    assert.match(badIf.stderr, /interface must be an interface of this host \(lo, to-r1\)|interface must be an interface of this host \(to-r1, lo\)/);
  });

  test('text output looks like traceroute', async () => {
    const run = await hopscopeIn(linearNs, ['trace', '-n', dstOf(linearPath, 4)]);
    assert.equal(run.code, 0);
    const lines = run.stdout.trim().split('\n');
    assert.match(lines[0], /^hopscope trace to 198\.18\.5\.2 \(198\.18\.5\.2\), 30 hops max, udp paris, 60 byte packets$/);
    for (let ttl = 1; ttl <= 5; ttl++) {
      assert.match(lines[ttl], new RegExp(`^ ${ttl}  ${truthAddrs(linearPath.hops[ttl - 1], 4)[0].replace(/\./g, '\\.')}(  \\d+\\.\\d{3} ms){3}$`));
    }
    assert.match(lines[6], /^# reached in 5 hops, 15\/\d+ probes answered/);
  });

  test('bad arguments and missing privileges give clear errors and send nothing', async () => {
    const bad = await hopscopeIn(linearNs, ['trace', '-m', '300', '198.18.5.2']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /-m must be an integer from 1 to 255, got 300/);
    const noTarget = await hopscopeIn(linearNs, ['trace', 'no-such-host.invalid']);
    assert.equal(noTarget.code, 2);
    assert.match(noTarget.stderr, /target must be an IP address or a host name that resolves/);
    const proto = await hopscopeIn(linearNs, ['trace', '--proto', 'sctp', '198.18.5.2']);
    assert.match(proto.stderr, /--proto must be one of udp, icmp, tcp, got "sctp"/);
    const fam = await hopscopeIn(linearNs, ['trace', '-6', '198.18.5.2']);
    assert.match(fam.stderr, /target must be an IPv6 address \(with -6\)/);
    const unpriv = await hopscopeIn(linearNs, ['trace', '198.18.5.2'], 30_000, ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups']);
    assert.equal(unpriv.code, 77);
    assert.match(unpriv.stderr, /run as root, or grant the capability to node with\n\s+sudo setcap cap_net_raw\+ep/);
    assert.equal(unpriv.stdout, '');
  });
});
