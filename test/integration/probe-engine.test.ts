// The probe engine with real raw sockets: on loopback (in this process) and in the lab
// (through probe-driver.ts inside a namespace). Probes go to 127.0.0.1 and lab addresses only.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { spawn, execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { Engine, probeBatch, buildProbe, receiveTimestamps, type ProbeSpec } from '../../lib/probe';
import type { ProbeRecord } from '../../lib/record';
import { emitIcmp } from '../../lib/packet';
import { labAcquire, labRelease, nsName, topologies } from '../lab';
import { NEED_ROOT, dstOf } from './helpers';
import { withFault, blackHoleFor } from './trace-faults';

const LO = '127.0.0.1';
const udp = (sport: number, dport: number, checksum: number, extra: Partial<ProbeSpec> = {}): ProbeSpec => ({
  ipVersion: 4, proto: 'udp', src: LO, dst: LO, ttl: 64, sport, dport, checksum, probeId: checksum, ...extra,
});

async function collect(it: AsyncIterable<ProbeRecord>): Promise<ProbeRecord[]> {
  const out: ProbeRecord[] = [];
  for await (const r of it) out.push(r);
  return out;
}

describe('probe engine on loopback', { skip: NEED_ROOT }, () => {
  test('a batch of UDP and ICMP probes: every reply is its own probe\'s (quoted checksum and IP-ID)', async () => {
    const engine = Engine.open({ ipVersion: 4, rate: 2000, receive: ['icmp'] });
    try {
      const specs: ProbeSpec[] = [];
      for (let i = 0; i < 40; i++) specs.push(udp(41000, 33434 + (i % 4), 1000 + i, { ipId: 5000 + i }));
      for (let i = 0; i < 40; i++) specs.push({ ipVersion: 4, proto: 'icmp', src: LO, dst: LO, ttl: 64, icmpId: 0x7e57, icmpSeq: i, probeId: i });
      const records = await collect(probeBatch(engine, specs, { timeoutMs: 2000 }));
      assert.equal(records.length, specs.length);
      const udpRecords = records.filter((r) => r.proto === 'udp');
      assert.equal(udpRecords.length, 40);
      for (const r of udpRecords) {
        assert.equal(r.kind, 'port-unreachable', JSON.stringify(r));
        assert.equal(r.quotedChecksum, r.probeId, 'the reply quotes this probe');
        assert.equal(r.quotedIpId, r.probeIpId);
        assert.equal(r.probeIpId, 5000 + (r.probeId! - 1000));
        assert.ok(r.rttMs !== null && r.rttMs >= 0 && r.rttMs < 2000);
      }
      const echo = records.filter((r) => r.proto === 'icmp');
      assert.deepEqual(echo.map((r) => r.kind), Array(40).fill('echo-reply'));
      assert.deepEqual(new Set(echo.map((r) => r.probeId)).size, 40);
      const s = engine.stats();
      assert.equal(s.sent, 80);
      assert.equal(s.answered, 80);
      assert.equal(s.timedOut, 0);
    } finally {
      engine.close();
    }
  });

  test('two engines probing the same 5-tuple at once take only their own replies (probe id decides)', async () => {
    const a = Engine.open({ ipVersion: 4, rate: 2000, receive: ['icmp'] });
    const b = Engine.open({ ipVersion: 4, rate: 2000, receive: ['icmp'] });
    try {
      const N = 60;
      const [ra, rb] = await Promise.all([
        collect(probeBatch(a, Array.from({ length: N }, (_, i) => udp(42000, 33500, 0x100 + i)), { timeoutMs: 2000 })),
        collect(probeBatch(b, Array.from({ length: N }, (_, i) => udp(42000, 33500, 0x8100 + i)), { timeoutMs: 2000 })),
      ]);
      for (const r of ra) assert.ok(r.quotedChecksum! < 0x8000 && r.quotedChecksum === r.probeId, `a took ${r.quotedChecksum}`);
      for (const r of rb) assert.ok(r.quotedChecksum! >= 0x8100 && r.quotedChecksum === r.probeId, `b took ${r.quotedChecksum}`);
      assert.equal(ra.filter((r) => r.kind === 'port-unreachable').length, N);
      assert.equal(rb.filter((r) => r.kind === 'port-unreachable').length, N);
      // Each saw every one of the other's replies and counted it foreign (the last may still be
      // on its way to the other engine's socket callback when this one's batch ends).
      await new Promise((r) => setTimeout(r, 50));
      assert.ok(a.stats().foreign >= N, `a foreign ${a.stats().foreign}`);
      assert.ok(b.stats().foreign >= N, `b foreign ${b.stats().foreign}`);
    } finally {
      a.close();
      b.close();
    }
  });

  test('forged and damaged replies are counted, skipped, and never answer a probe; the right one does', async () => {
    // An open UDP port: the probe draws no answer of its own and stays in flight.
    const listener = dgram.createSocket('udp4');
    await new Promise<void>((r) => listener.bind(0, LO, r));
    const port = listener.address().port;
    const engine = Engine.open({ ipVersion: 4, rate: 1000, receive: ['icmp'] });
    const raw = require('raw-socket') as typeof import('raw-socket');
    const forger = raw.createSocket({ protocol: 1 /* ICMP */ });
    const sendForged = (icmp: Uint8Array) =>
      new Promise<void>((res, rej) => forger.send(Buffer.from(icmp), 0, icmp.length, LO, null, (err) => (err ? rej(err) : res())));
    const settle = () => new Promise((r) => setTimeout(r, 50));
    try {
      const spec = udp(43000, port, 0x4242, { ttl: 5 });
      const probe = buildProbe(spec).datagram;
      const pending = engine.probe(spec, { timeoutMs: 3000 });
      let answered = false;
      void pending.then(() => (answered = true));
      await settle();
      const before = engine.stats();

      const damaged = emitIcmp({ type: 11, code: 0, rest: 0, body: probe.slice(0, 28) }).slice();
      damaged[2] ^= 0x55; // checksum broken
      await sendForged(damaged);
      await sendForged(emitIcmp({ type: 11, code: 0, rest: 0, body: probe.slice(0, 6) })); // quote cut short
      const otherProbe = buildProbe({ ...spec, checksum: 0x4243 }).datagram;
      await sendForged(emitIcmp({ type: 11, code: 0, rest: 0, body: otherProbe.slice(0, 28) })); // another probe id
      await settle();
      const mid = engine.stats();
      assert.equal(answered, false, 'nothing forged or foreign answered the probe');
      assert.ok(mid.malformed - before.malformed >= 2, `malformed ${mid.malformed - before.malformed}`);
      assert.ok(mid.foreign - before.foreign >= 1, `foreign ${mid.foreign - before.foreign}`);

      await sendForged(emitIcmp({ type: 11, code: 0, rest: 0, body: probe.slice(0, 28) }));
      const r = await pending;
      assert.equal(r.kind, 'time-exceeded');
      assert.equal(r.addr, LO);
      assert.equal(r.quotedTtl, 5);
      assert.equal(r.quotedChecksum, 0x4242);
      assert.ok(r.rttMs! >= 50, 'answered by the last forged packet, not before');
    } finally {
      forger.close();
      engine.close();
      listener.close();
    }
  });

  test('a reply that arrived while the event loop was blocked is taken, not expired first', async () => {
    const listener = dgram.createSocket('udp4');
    await new Promise<void>((r) => listener.bind(0, LO, r));
    const engine = Engine.open({ ipVersion: 4, rate: 1000, receive: ['icmp'] });
    try {
      const spec = udp(43100, listener.address().port, 0x5151, { ttl: 3 });
      const pending = engine.probe(spec, { timeoutMs: 100 });
      while (engine.stats().sent === 0) await new Promise((r) => setImmediate(r));
      // Blocks this process for ~0.4 s (4x the wait); the reply lands in the socket meanwhile.
      const icmp = Buffer.from(emitIcmp({ type: 11, code: 0, rest: 0, body: buildProbe(spec).datagram.slice(0, 28) }));
      execFileSync('python3', ['-c', `import socket,time\ns=socket.socket(socket.AF_INET,socket.SOCK_RAW,socket.IPPROTO_ICMP)\ns.sendto(bytes.fromhex('${icmp.toString('hex')}'),('127.0.0.1',0))\ntime.sleep(0.4)`]);
      const r = await pending;
      assert.equal(r.kind, 'time-exceeded', 'answered, not timed out');
      assert.equal(engine.stats().timedOut, 0);
    } finally {
      engine.close();
      listener.close();
    }
  });

  test('RTTs come from the kernel\'s receive time: a blocked event loop does not lengthen them', { skip: receiveTimestamps() === 'kernel' ? false : 'native/hopsock not built: RTTs are taken in the process' }, async () => {
    const engine = Engine.open({ ipVersion: 4, rate: 1000, receive: ['icmp'] });
    try {
      const specs: ProbeSpec[] = Array.from({ length: 5 }, (_, i) => ({ ipVersion: 4, proto: 'icmp', src: LO, dst: LO, ttl: 64, icmpId: 0x7e58, icmpSeq: i }));
      const pending = specs.map((s) => engine.probe(s, { timeoutMs: 3000 }));
      while (engine.stats().sent < specs.length) await new Promise((r) => setImmediate(r));
      const until = performance.now() + 200; // the replies arrive while this process is busy
      while (performance.now() < until);
      const records = await Promise.all(pending);
      assert.deepEqual(records.map((r) => r.kind), Array(5).fill('echo-reply'));
      for (const r of records) assert.ok(r.rttMs! < 20, `RTT ${r.rttMs} ms includes the 200 ms the process was busy`);
    } finally {
      engine.close();
    }
  });

  test('aborting a batch drops what is queued, rejects with the reason, and sends no more', async () => {
    const engine = Engine.open({ ipVersion: 4, rate: 50, burst: 5, receive: ['icmp'] });
    try {
      const ac = new AbortController();
      const specs = Array.from({ length: 100 }, (_, i) => udp(44000, 33434, 0x200 + i));
      const got: ProbeRecord[] = [];
      const t0 = performance.now();
      await assert.rejects(
        (async () => {
          for await (const r of probeBatch(engine, specs, { timeoutMs: 2000, signal: ac.signal })) {
            got.push(r);
            if (got.length === 8) ac.abort(new Error('enough'));
          }
        })(),
        /enough/,
      );
      assert.ok(performance.now() - t0 < 1000);
      const sentAtAbort = engine.stats().sent;
      assert.ok(sentAtAbort < 20, `sent ${sentAtAbort} of 100 at 50/s`);
      await new Promise((r) => setTimeout(r, 200));
      assert.equal(engine.stats().sent, sentAtAbort, 'nothing sent after the abort');
    } finally {
      engine.close();
    }
  });

  test('rate cap: 60 probes at 100/s with a burst of 10 take about 0.5 s', async () => {
    const engine = Engine.open({ ipVersion: 4, rate: 100, burst: 10, receive: ['icmp'] });
    try {
      const t0 = performance.now();
      const records = await collect(probeBatch(engine, Array.from({ length: 60 }, (_, i) => udp(45000, 33434, 0x300 + i)), { timeoutMs: 2000 }));
      const ms = performance.now() - t0;
      assert.equal(records.length, 60);
      const sent = records.map((r) => r.sentAt!).sort((x, y) => x - y);
      // After the burst, one probe per 10 ms: 50 more probes need at least ~490 ms.
      assert.ok(sent[59] - sent[0] >= 450, `spread ${sent[59] - sent[0]} ms`);
      assert.ok(ms < 2000, `took ${ms} ms`);
    } finally {
      engine.close();
    }
  });
});

describe('probe engine in the lab', { skip: NEED_ROOT }, () => {
  before(() => labAcquire('linear'));
  after(() => labRelease('linear'));

  test('leaving a trace\'s for-await loop early aborts it and closes its sockets', async () => {
    const dst = dstOf(topologies.linear.truth.paths[0], 4);
    const sport = 47101;
    const out = await withFault(nsName('linear', 'r3'), blackHoleFor(sport), () => driver(nsName('linear', 'src'), ['break', dst, String(sport)]));
    assert.equal(out.first.ttl, 1);
    assert.equal(out.first.addr, '198.18.1.2');
    assert.equal(out.summary.stopReason, 'aborted');
    assert.ok(out.during > out.before, `sockets open while tracing: ${out.during} vs ${out.before}`);
    assert.equal(out.after, out.before, 'every socket the trace opened is closed');
    assert.ok(out.records <= 6, `records ${out.records}`);
  });
});

function driver(ns: string, args: string[]): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', join(__dirname, 'probe-driver.ts'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code !== 0) reject(new Error(`probe-driver ${args.join(' ')} exited ${code}: ${stderr}`));
      else resolve(JSON.parse(stdout));
    });
  });
}
