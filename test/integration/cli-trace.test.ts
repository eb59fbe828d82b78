// hopscope trace as users run it: the built CLI (dist/) inside the lab's source namespace,
// and its reverse-DNS printing against real (local, tiny) DNS servers.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { NameCache } from '../../lib/enrich';
import { labAcquire, labRelease, nsName, topologies } from '../lab';
import { NEED_ROOT, dstOf, parseJsonTrace, type CliRun } from './helpers';
import { withFault, blackHoleFor, blackHoleTo } from './trace-faults';

const ROOT = join(__dirname, '../..');
const BUILT = join(ROOT, 'dist/cli/main.js');
const ns = nsName('linear', 'src');
const dst = dstOf(topologies.linear.truth.paths[0], 4);
/** In the lab's address plan, routed towards linear's dst link, and used by nobody. */
const UNUSED = '198.18.5.99';

/** True when dist/ is missing or older than a source file under lib/. */
function stale(): boolean {
  if (!existsSync(BUILT)) return true;
  const builtAt = statSync(BUILT).mtimeMs;
  const newer = (dir: string): boolean =>
    readdirSync(dir, { withFileTypes: true }).some((e) =>
      e.isDirectory() ? newer(join(dir, e.name)) : e.name.endsWith('.ts') && statSync(join(dir, e.name)).mtimeMs > builtAt,
    );
  return newer(join(ROOT, 'lib'));
}

/** Runs the built CLI in the namespace; `onStdout` sees output as it comes (and may signal the child). */
function built(args: string[], onStdout?: (soFar: string, child: ReturnType<typeof spawn>) => void): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, BUILT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => {
      stdout += d;
      onStdout?.(stdout, child);
    });
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`hopscope ${args.join(' ')} did not finish`));
    }, 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr, ms: performance.now() - t0 });
    });
  });
}

describe('the built hopscope CLI in the lab', { skip: NEED_ROOT }, () => {
  before(() => {
    if (stale()) execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'ignore', timeout: 180_000 });
    labAcquire('linear');
  });
  after(() => labRelease('linear'));

  test('text and --json print the truth\'s path', async () => {
    const hops = topologies.linear.truth.paths[0].hops;
    const text = await built(['trace', '-n', '-q', '2', dst]);
    assert.equal(text.code, 0, text.stderr);
    const lines = text.stdout.trim().split('\n');
    for (const h of hops) assert.match(lines[h.ttl], new RegExp(`^ ${h.ttl}  ${h.v4![0].replace(/\./g, '\\.')}(  \\d+\\.\\d{3} ms){2}$`));
    const json = parseJsonTrace((await built(['trace', '--json', '-6', '-q', '1', '--proto', 'tcp', dstOf(topologies.linear.truth.paths[0], 6)])).stdout);
    assert.deepEqual(json.records.map((r) => r.addr), hops.map((h) => h.v6![0]));
    assert.equal(json.summary.reached, true);
  });

  test('an IPv6 target may be written in any form (upper case, zeros spelt out)', async () => {
    const run = await built(['trace', '--json', '-q', '1', '--proto', 'icmp', '-s', '2001:DB8:1:0::1', '2001:0DB8:5:0:0:0:0:2']);
    const { records, summary } = parseJsonTrace(run.stdout);
    assert.equal(summary.reached, true, run.stderr);
    assert.equal(summary.dst, '2001:db8:5::2');
    assert.deepEqual(records.map((r) => r.addr), topologies.linear.truth.paths[0].hops.map((h) => h.v6![0]));
    assert.ok(records.every((r) => r.src === '2001:db8:1::1' && r.dst === '2001:db8:5::2'));
  });

  test('a router refusing the flow: its unreachable ends the trace, annotated as traceroute does (v4 and v6)', async () => {
    const cases = [
      { family: 4, reject: 'icmp type admin-prohibited', code: 13, mark: '!X', from: '198.18.3.2' },
      { family: 4, reject: 'icmp type host-unreachable', code: 1, mark: '!H', from: '198.18.3.2' },
      { family: 4, reject: 'icmp type net-unreachable', code: 0, mark: '!N', from: '198.18.3.2' },
      { family: 6, reject: 'icmpv6 type admin-prohibited', code: 1, mark: '!X', from: '2001:db8:3::2' },
      { family: 6, reject: 'icmpv6 type addr-unreachable', code: 3, mark: '!H', from: '2001:db8:3::2' },
    ] as const;
    let sport = 47400;
    for (const c of cases) {
      sport++;
      const rule = `udp sport ${sport} reject with ${c.reject}`;
      const target = dstOf(topologies.linear.truth.paths[0], c.family);
      // r3 forwards hop 4's probes (TTL 2 on arrival) into the reject; hop 3's expire at r3 first.
      const [text, json] = await withFault(nsName('linear', 'r3'), rule, async () => [
        await built(['trace', '-n', `-${c.family}`, '--sport', String(sport), target]),
        await built(['trace', '--json', `-${c.family}`, '--sport', String(sport), target]),
      ], 'forward');
      assert.equal(text.code, 1, c.reject);
      const mark = c.mark.replace('!', '\\!');
      assert.match(text.stdout, new RegExp(`^ 4  ${c.from.replace(/\./g, '\\.')}(  \\d+\\.\\d{3} ms ${mark}){3}$`, 'm'), `${c.reject}:\n${text.stdout}`);
      assert.match(text.stdout, /^# stopped: unreachable at TTL 4,/m);
      const { records, summary } = parseJsonTrace(json.stdout);
      assert.equal(summary.stopReason, 'unreachable');
      assert.deepEqual(records.filter((r) => r.ttl === 4).map((r) => [r.addr, r.kind, r.icmpCode]), Array(3).fill([c.from, 'unreachable', c.code]));
      assert.ok(!records.some((r) => r.ttl > 4));
    }
  });

  test('a firewall on this host refusing the probes: one clear error, nothing on stdout', async () => {
    const run = await withFault(ns, 'udp sport 47501 drop', () => built(['trace', '--json', '--sport', '47501', dst]), 'output');
    assert.equal(run.code, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^hopscope trace: sending to 198\.18\.5\.2 failed: Operation not permitted \(a firewall on this host drops the probe/);
    assert.equal(run.stderr.trim().split('\n').length, 1);
  });

  test('--json stays valid JSON lines when nothing answers', async () => {
    const run = await withFault(nsName('linear', 'r1'), blackHoleTo(UNUSED), () => built(['trace', '--json', '-q', '2', '-w', '0.3', '--gap', '3', UNUSED]));
    assert.equal(run.code, 1);
    const lines = run.stdout.trim().split('\n');
    assert.equal(lines.length, 7);
    const { records, summary } = parseJsonTrace(run.stdout);
    assert.deepEqual(records.map((r) => [r.ttl, r.addr, r.rttMs, r.kind]), [1, 1, 2, 2, 3, 3].map((t) => [t, null, null, null]));
    assert.equal(summary.stopReason, 'silent-hops');
    assert.equal(summary.probesAnswered, 0);
  });

  test('the header comes at once, before the first hop is known', async () => {
    const sport = 47302;
    await withFault(nsName('linear', 'r1'), blackHoleFor(sport), async () => {
      let headerAt = -1;
      const t0 = performance.now();
      const run = await built(['trace', '-n', '-w', '1', '--gap', '2', '--sport', String(sport), dst], (out) => {
        if (headerAt < 0 && out.includes('\n')) headerAt = performance.now() - t0;
      });
      assert.match(run.stdout, /^hopscope trace to 198\.18\.5\.2 \(198\.18\.5\.2\), 30 hops max, udp paris, 60 byte packets\n 1  \*  \*  \*\n 2  \*  \*  \*\n# stopped: silent-hops at TTL 2/);
      assert.ok(headerAt > 0 && run.ms - headerAt >= 900, `header at ${headerAt} ms of ${run.ms} ms: hop 1 waits 1 s after it`);
    });
  });

  test('a reader that goes away (hopscope trace | head -1) ends it quietly', async () => {
    for (const args of [['trace', '-n', dst], ['trace', '--json', dst]]) {
      const run = await built(args, (_out, child) => child.stdout!.destroy());
      assert.equal(run.stderr, '', args.join(' '));
      assert.equal(run.code, 0);
    }
  });

  test('Ctrl-C stops a trace at once and still prints its summary (text and JSON)', async () => {
    const sport = 47301;
    await withFault(nsName('linear', 'r3'), blackHoleFor(sport), async () => {
      for (const json of [false, true]) {
        let signalled = false;
        const run = await built(['trace', ...(json ? ['--json'] : []), '-n', '-w', '10', '--sport', String(sport), dst], (out, child) => {
          // Once hop 2 is out, hop 3 waits 10 s (silent, RTTs unknown to it... bounded by -w): interrupt.
          const ready = json ? out.split('\n').filter(Boolean).length >= 6 : /^ 2 /m.test(out);
          if (ready && !signalled) {
            signalled = true;
            child.kill('SIGINT');
          }
        });
        assert.ok(signalled);
        assert.ok(run.ms < 3000, `json ${json}: took ${run.ms} ms: ${run.stdout}`);
        assert.equal(run.code, 1);
        if (json) assert.equal(parseJsonTrace(run.stdout).summary.stopReason, 'aborted');
        else assert.match(run.stdout, /^# stopped: aborted at TTL 2,/m);
      }
    });
  });
});

/** A DNS server on loopback that answers PTR queries with `name`, or never answers at all. */
function dnsServer(name: string | null): Promise<{ addr: string; queries: () => number; close: () => void }> {
  const sock = dgram.createSocket('udp4');
  let queries = 0;
  sock.on('message', (q, rinfo) => {
    queries++;
    if (name === null) return;
    // Header: same id, QR + RD + RA, one question, one answer; the question copied; a PTR answer.
    let end = 12;
    while (q[end] !== 0) end += q[end] + 1;
    const question = q.subarray(12, end + 5);
    const labels = Buffer.concat([...name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
    const answer = Buffer.concat([Buffer.from([0xc0, 12, 0, 12, 0, 1, 0, 0, 0, 60, labels.length >> 8, labels.length & 0xff]), labels]);
    const header = Buffer.from([q[0], q[1], 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]);
    sock.send(Buffer.concat([header, question, answer]), rinfo.port, rinfo.address);
  });
  return new Promise((resolve) =>
    sock.bind(0, '127.0.0.1', () => resolve({ addr: `127.0.0.1:${sock.address().port}`, queries: () => queries, close: () => sock.close() })),
  );
}

describe('reverse DNS for hop lines', () => {
  test('names from the DNS server are used', async () => {
    const server = await dnsServer('r1.lab.example');
    const names = new NameCache(300, [server.addr]);
    try {
      assert.equal(await names.nameOf('198.18.1.2'), 'r1.lab.example');
      assert.equal(server.queries(), 1);
      assert.equal(await names.nameOf('198.18.1.2'), 'r1.lab.example');
      assert.equal(server.queries(), 1, 'cached');
    } finally {
      names.close();
      server.close();
    }
  });

  test('a DNS server that never answers costs the printing of a whole trace one wait, not one per hop', async () => {
    const server = await dnsServer(null);
    const names = new NameCache(300, [server.addr]);
    try {
      const addrs = ['198.18.1.2', '198.18.2.2', '198.18.3.2', '198.18.4.2', '198.18.5.2'];
      for (const a of addrs) void names.lookup(a); // as the trace sees each address
      const t0 = performance.now();
      for (const a of addrs) assert.equal(await names.nameOf(a), null); // as the hop lines are printed
      const ms = performance.now() - t0;
      assert.ok(ms >= 250 && ms < 600, `waited ${ms} ms`);
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(server.queries(), addrs.length, 'every address was asked for');
    } finally {
      names.close();
      server.close();
    }
  });
});
