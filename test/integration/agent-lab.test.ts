/**
 * Issue #10, probe agents on the lab: privileged agents in the namespaces at both ends of
 * `asym`, unprivileged clients (uid nobody, no capabilities) probing through them, both
 * directions joined against the truth, token refusal, a killed agent, cancellation,
 * concurrent requests on one connection, malformed lines.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labAcquire, labDown, labPrivate, labRelease, labUp, nsName, topologies } from '../lab';
import { CLI, NEED_ROOT, hopscopeIn, parseJsonTrace, addrsByTtl, truthAddrs } from './helpers';
import { startAgent as startAgentIn, stopAgent as stop, killAgents, type Agent } from './agent-helpers';

const startAgent = (node: string | null, args: string[], env: NodeJS.ProcessEnv = {}, topo = TOPO) => startAgentIn(node === null ? null : nsName(topo, node), args, env);
import { AgentError, AgentProber, bidirectional } from '../../lib/agent';
import { probeBatch, trace, type ProbeSpec } from '../../lib/probe';
import type { ProbeRecord } from '../../lib/record';

const ROOT = join(__dirname, '../..');
const TOPO = 'asym';
const asym = topologies[TOPO];
const truth = asym.truth.paths[0];
const SRC = '198.18.1.1';
const DST = truth.dst.v4!;
const hasSetpriv = spawnSync('setpriv', ['--version']).status === 0;
const SKIP = NEED_ROOT || (hasSetpriv ? false : 'setpriv (util-linux) is not installed');
const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all'];

let dir = '';

/** Node name of a lab IPv4 address (from the topology's links: link n, side a = .1, side b = .2). */
function nodeOf(addr: string | null): string {
  const m = addr && /^198\.18\.(\d+)\.([12])$/.exec(addr);
  if (!m) return `?${addr}`;
  const l = asym.links.find((x) => x.a.v4 === `${addr}/24` || x.b.v4 === `${addr}/24`);
  if (!l) return `?${addr}`;
  return l.a.v4 === `${addr}/24` ? l.a.node : l.b.node;
}

let agentA: Agent;
let agentB: Agent;

before(async () => {
  if (SKIP) return;
  labAcquire(TOPO);
  dir = mkdtempSync(join(tmpdir(), 'hopscope-agent-'));
  chmodSync(dir, 0o755);
  [agentA, agentB] = await Promise.all([
    startAgent('src', ['--listen', `unix:${dir}/a.sock`, '--socket-mode', '666']),
    startAgent('dst', ['--listen', `unix:${dir}/b.sock`, '--socket-mode', '666']),
  ]);
});

after(async () => {
  if (SKIP) return;
  killAgents();
  labRelease(TOPO);
  rmSync(dir, { recursive: true, force: true });
});

test('an unprivileged client traces asym through the agent (CLI --agent); without the agent it cannot', { skip: SKIP }, async () => {
  const r = await hopscopeIn(nsName(TOPO, 'src'), ['trace', '--agent', agentA.address, '--json', '-q', '2', DST], 60_000, NOBODY);
  assert.equal(r.code, 0, r.stderr);
  const { records, summary } = parseJsonTrace(r.stdout);
  assert.equal(summary.reached, true);
  const seen = addrsByTtl(records);
  for (const h of truth.hops) assert.deepEqual([...(seen.get(h.ttl) ?? [])], truthAddrs(h, 4), `TTL ${h.ttl}`);
  const direct = await hopscopeIn(nsName(TOPO, 'src'), ['trace', '--json', DST], 60_000, NOBODY);
  assert.equal(direct.code, 77, 'without the agent, nobody cannot probe');
  assert.match(direct.stderr, /raw sockets/);
});

test('the library runs trace and path unchanged with prober: agent, as nobody', { skip: SKIP }, async () => {
  const script = join(dir, 'client.ts');
  writeFileSync(
    script,
    `import { AgentProber } from ${JSON.stringify(join(ROOT, 'lib/agent'))};
import { trace, path, canProbe } from ${JSON.stringify(join(ROOT, 'lib/probe'))};
(async () => {
  const agent = await AgentProber.connect(${JSON.stringify(agentA.address)});
  const t = trace(${JSON.stringify(DST)}, { prober: agent, queries: 1 });
  const summary = await t.summary;
  const p = await path(${JSON.stringify(DST)}, { prober: agent, signatures: false }).result;
  agent.close();
  console.log(JSON.stringify({ canProbe: canProbe(), uid: process.getuid!(), hops: t.records.filter((r) => r.addr).map((r) => [r.ttl, r.addr]), reached: summary.reached, pmtu: p.pmtu, back: p.back }));
})().catch((e) => { console.error(e); process.exit(1); });
`,
  );
  chmodSync(script, 0o644);
  const r = spawnSync('ip', ['netns', 'exec', nsName(TOPO, 'src'), ...NOBODY, process.execPath, '--import', 'tsx', script], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, HOME: '/tmp' } });
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  assert.equal(out.uid, 65534);
  assert.equal(out.canProbe, false);
  assert.equal(out.reached, true);
  assert.deepEqual(out.hops, truth.hops.map((h) => [h.ttl, truthAddrs(h, 4)[0]]));
  assert.equal(out.pmtu, truth.pmtu!.mtu);
  assert.equal(out.back, truth.hops.at(-1)!.returnHops);
});

test('a client outside the lab (this test, in the root namespace) traces with prober: agent: the probes carry the agent host\'s source, not the client\'s', { skip: SKIP }, async () => {
  const agent = await AgentProber.connect(agentB.address);
  try {
    const run = trace(SRC, { prober: agent, queries: 1, waitMs: 2000 });
    const summary = await run.summary;
    assert.equal(summary.reached, true);
    assert.equal(summary.src, DST, 'the route source of the agent in dst, towards src');
    assert.ok(run.records.every((r) => r.src === DST));
    // A source that is not the agent host's is refused before anything is sent.
    await assert.rejects(trace(SRC, { prober: agent, src: '198.18.1.1' }).summary, /src must be an IPv4 address of the agent's host \(.*198\.18\.4\.2/);
    await assert.rejects(trace(SRC, { prober: agent, device: 'to-x2' }).summary, /device/);
  } finally {
    agent.close();
  }
});

test('bidirectional on asym: forward and reverse paths, the divergence named, hop counts vs the reply-TTL estimate — all equal to the truth', { skip: SKIP }, async () => {
  const a = await AgentProber.connect(agentA.address);
  const b = await AgentProber.connect(agentB.address);
  try {
    // Repeated: the alignment must hold every time (no retries).
    for (let round = 0; round < 3; round++) {
      const r = await bidirectional(a, b, { queries: 1, waitMs: 2000, matePrefix: { 4: 24 } });
      assert.equal(r.a, SRC);
      assert.equal(r.b, DST);
      // Forward = the truth's path; reverse = dst -> r3 -> x1 -> x2 -> r1 -> src (the lab's return route).
      assert.deepEqual(r.forward.slice(1).map((h) => h.addr), truth.hops.map((h) => truthAddrs(h, 4)[0]));
      assert.deepEqual(r.reverse.map((h) => nodeOf(h.addr)), ['dst', 'r3', 'x1', 'x2', 'r1', 'src']);
      // Measured return length = the truth's return hops of dst = the reply-TTL estimate.
      assert.equal(r.hopCounts.reverse, truth.hops.at(-1)!.returnHops);
      assert.equal(r.hopCounts.reverseEstimate, truth.hops.at(-1)!.returnHops);
      assert.equal(r.hopCounts.forward, truth.hops.length);
      // Every aligned pair is one router (by the truth's node names), and every router on both paths is aligned.
      for (const al of r.aligned) assert.equal(nodeOf(al.forward), nodeOf(al.reverse), JSON.stringify(al));
      assert.deepEqual(r.aligned.map((al) => nodeOf(al.forward)), ['src', 'r1', 'r3', 'dst']);
      assert.equal(r.divergences.length, 1);
      const d = r.divergences[0];
      assert.equal(nodeOf(d.after!.addr), 'r1');
      assert.equal(nodeOf(d.before!.addr), 'r3');
      assert.deepEqual(d.forwardOnly.map((h) => nodeOf(h.addr)), ['r2']);
      assert.deepEqual(d.reverseOnly.map((h) => nodeOf(h.addr)), ['x1', 'x2']);
      assert.equal(r.symmetric, false);
    }
  } finally {
    a.close();
    b.close();
  }
});

test('CLI trace --from --to --both as nobody prints both paths and names the divergence', { skip: SKIP }, async () => {
  const r = await hopscopeIn(nsName(TOPO, 'src'), ['trace', '--from', agentA.address, '--to', agentB.address, '--both', '-q', '1', '--mate-prefix', '24'], 60_000, NOBODY);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /diverge: between 198\.18\.1\.2 \(forward hop 1\) and 198\.18\.5\.1 \(forward hop 3\) the forward path crosses 198\.18\.2\.2 \(1 hop\), the reverse path 198\.18\.5\.2, 198\.18\.6\.2 \(2 hops\)/);
  assert.match(r.stdout, /hops: forward 4 .* reverse 5 \(estimate from the forward trace's reply TTL 5\)/);
});

test('TCP: no token configured = no TCP service; a missing or wrong token is refused; the right one is served', { skip: SKIP }, async () => {
  const none = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'agent', '--listen', 'tcp:0'], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, HOPSCOPE_AGENT_TOKEN: '' } });
  assert.equal(none.status, 2);
  assert.match(none.stderr, /token must be set/);
  const token = 'lab-token-0123456789abcdef';
  const tokenFile = join(dir, 'token');
  writeFileSync(tokenFile, token + '\n', { mode: 0o600 });
  const ag = await startAgent(null, ['--listen', 'tcp:0', '--token-file', tokenFile]);
  try {
    assert.match(ag.address, /^tcp:\/\/127\.0\.0\.1:\d+$/, 'bound to loopback');
    for (const bad of [undefined, 'wrong-token-0123456789abcdef', token.slice(0, -1)]) {
      await assert.rejects(AgentProber.connect(ag.address, { token: bad }), (e: unknown) => e instanceof AgentError && e.code === 'unauthorized' && /token/.test(e.message));
    }
    const ok = await AgentProber.connect(ag.address, { token });
    assert.equal(ok.info?.version, 1);
    assert.equal((await ok.agentStats()).connections, 1);
    ok.close();
    assert.match(ag.stderr(), /refused: wrong token/);
  } finally {
    await stop(ag);
  }
});

test('a killed agent fails the running trace at once with a clear error; nothing hangs', { skip: SKIP }, async () => {
  const ag = await startAgent('src', ['--listen', `unix:${dir}/kill.sock`]);
  const client = await AgentProber.connect(ag.address);
  // 198.18.4.99: routed to dst's link, nobody there: the last probes wait their full 5 s.
  const run = client.trace('198.18.4.99', { waitMs: 5000, queries: 3 });
  const t0 = performance.now();
  for await (const r of run) {
    if (r.ttl >= 1) break;
  }
  const run2 = client.trace('198.18.4.99', { waitMs: 5000, queries: 3 });
  // And a probe in flight through the Prober interface (what trace({ prober: agent }) sends).
  const inFlight = client.probe({ ipVersion: 4, proto: 'udp', src: SRC, dst: '198.18.4.99', ttl: 64, sport: 40001, dport: 33434, checksum: 7 }, { timeoutMs: 5000 });
  await new Promise((r) => setTimeout(r, 300));
  ag.proc.kill('SIGKILL');
  await assert.rejects(inFlight, (e: unknown) => e instanceof AgentError && e.code === 'disconnected');
  await assert.rejects(run2.summary, (e: unknown) => e instanceof AgentError && e.code === 'disconnected' && /agent unix:.*kill\.sock: the connection closed/.test(e.message));
  assert.ok(performance.now() - t0 < 4000, `failed after ${performance.now() - t0} ms`);
  await assert.rejects(client.probe({ ipVersion: 4, proto: 'udp', src: SRC, dst: DST, ttl: 1, sport: 40000, dport: 33434 }), /disconnected|connection closed/);
});

test('cancellation stops the probes: the agent sends no more once a batch or a method run is cancelled', { skip: SKIP }, async () => {
  const ag = await startAgent('src', ['--listen', `unix:${dir}/rate.sock`, '--rate', '100']);
  const client = await AgentProber.connect(ag.address);
  try {
    const specs: ProbeSpec[] = Array.from({ length: 1000 }, (_, n) => ({ ipVersion: 4, proto: 'udp', src: SRC, dst: DST, ttl: 64, sport: 41000, dport: 33434, checksum: n + 1, probeId: n + 1, run: 'cancel-test' }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('enough')), 500);
    let got = 0;
    await assert.rejects(async () => {
      for await (const r of probeBatch(client, specs, { signal: controller.signal, timeoutMs: 1000 })) {
        assert.equal(r.run, 'cancel-test');
        got++;
      }
    }, /enough/);
    await new Promise((r) => setTimeout(r, 300));
    const s1 = await client.agentStats();
    await new Promise((r) => setTimeout(r, 1000));
    const s2 = await client.agentStats();
    assert.equal(s2.sent, s1.sent, 'no probe sent after the cancel');
    // 100/s with a burst of 32 over ~0.5-0.8 s: far fewer than the 1000 asked for.
    assert.ok(s1.sent < 150, `sent ${s1.sent}`);
    assert.ok(got > 10 && got <= s1.sent, `records ${got}, sent ${s1.sent}`);

    // A method run (sample) cancelled by its signal: result with what was collected, then silence.
    // It starts at once: the ~900 probes of the cancelled batch still queued at 100/s (9 s) take no turn.
    const c2 = new AbortController();
    const t1 = performance.now();
    const run = client.sample(DST, { count: 1000, intervalMs: 0, queries: 1, signal: c2.signal });
    setTimeout(() => c2.abort(), 400);
    const result = await run.result;
    assert.equal(result.stopReason, 'aborted');
    assert.ok(run.records.some((r) => r.addr === DST), 'the sample reached the destination before the cancel');
    assert.ok(performance.now() - t1 < 3000, `the sample ended ${performance.now() - t1} ms after it started`);
    const s3 = await client.agentStats();
    await new Promise((r) => setTimeout(r, 1000));
    const s4 = await client.agentStats();
    assert.equal(s4.sent, s3.sent, 'no probe sent after the sample was cancelled');
  } finally {
    client.close();
    await stop(ag);
  }
});

test('many concurrent requests on one connection: every record is attributed to its request', { skip: SKIP }, async () => {
  const client = await AgentProber.connect(agentA.address);
  try {
    const probes = Array.from({ length: 60 }, (_, n) => {
      const spec: ProbeSpec = { ipVersion: 4, proto: 'udp', src: SRC, dst: DST, ttl: (n % 4) + 1, sport: 42000 + n, dport: 33434, checksum: 100 + n, probeId: 100 + n, run: `p${n}` };
      return client.probe(spec, { timeoutMs: 2000 }).then((r: ProbeRecord) => ({ n, r }));
    });
    const traces = Array.from({ length: 6 }, (_, n) => client.trace(DST, { queries: 1, run: `t${n}` }));
    for (const { n, r } of await Promise.all(probes)) {
      assert.equal(r.run, `p${n}`);
      assert.equal(r.sport, 42000 + n);
      assert.equal(r.addr, truthAddrs(truth.hops[n % 4], 4)[0], `probe ${n} ttl ${(n % 4) + 1}`);
    }
    for (const [n, t] of traces.entries()) {
      const s = await t.summary;
      assert.equal(s.reached, true);
      assert.ok(t.records.every((r) => r.run === `t${n}`));
      assert.deepEqual(t.records.filter((r) => r.addr).map((r) => r.addr), truth.hops.map((h) => truthAddrs(h, 4)[0]));
    }
  } finally {
    client.close();
  }
});

test('malformed and oversized lines are counted, answered and skipped; bad requests name the field', { skip: SKIP }, async () => {
  const sock = net.connect(`${dir}/a.sock`);
  const lines: Record<string, unknown>[] = [];
  let buf = '';
  sock.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buf.slice(0, i)));
      buf = buf.slice(i + 1);
    }
  });
  await new Promise((r) => sock.once('connect', r));
  sock.write('{"type":"hello","versions":[1]}\n');
  sock.write('this is not json\n');
  sock.write('{"type":"request","id":"big","method":"stats","params":{"pad":"' + 'x'.repeat(1_100_000) + '"}}\n');
  sock.write('{"type":"request","id":"s1","method":"probe","params":{"spec":{"ipVersion":4,"proto":"udp","src":"198.18.1.1","dst":"198.18.4.2","ttl":0}}}\n');
  sock.write('{"type":"request","id":"s2","method":"session.open","params":{"target":"198.18.4.2"}}\n');
  sock.write('{"type":"request","id":"s3","method":"nope"}\n');
  sock.write('{"type":"request","id":"s4","method":"stats"}\n');
  const t0 = Date.now();
  while (!lines.some((l) => l.id === 's4') && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 20));
  sock.destroy();
  assert.equal(lines[0].type, 'hello');
  const byId = (id: string | null, code: string) => lines.find((l) => l.id === id && l.code === code);
  assert.ok(byId(null, 'bad-request'), JSON.stringify(lines));
  assert.ok(byId('big', 'too-large'), JSON.stringify(lines));
  assert.match(String(byId('s1', 'argument')?.message), /spec\.ttl must be an integer from 1 to 255, got 0/);
  assert.ok(byId('s3', 'unknown-method'));
  assert.match(String(byId('s2', 'argument')?.message), /^port must be an integer from 1 to 65535, got undefined$/);
  assert.equal(lines.find((l) => l.id === 's4')?.type, 'result');
});

test('session --agent: an unprivileged client traces inside a TCP session the agent holds and names the firewall (fw-desync)', { skip: SKIP }, async () => {
  // A private copy: its discard server and conntrack state are this test's alone.
  const copy = labPrivate('fw-desync');
  labUp(copy.name);
  try {
    const ag = await startAgent('src', ['--listen', `unix:${dir}/fw.sock`, '--socket-mode', '666'], {}, copy.name);
    try {
      const run = await hopscopeIn(nsName(copy.name, 'src'), ['session', '--agent', ag.address, '--json', '-m', '6', '198.18.4.2', '9'], 60_000, NOBODY);
      assert.equal(run.code, 1, run.stderr); // the session does not get through
      const summary = JSON.parse(run.stdout.trim().split('\n').at(-1)!);
      const fw = copy.truth.paths[0].hops[1].v4![0];
      assert.deepEqual(summary.comparison, { lastSessionTtl: 1, diverges: true, suspectTtl: 2, suspect: fw }, run.stdout);
      assert.equal(summary.bytesSent, 1);
      assert.ok(summary.retransmissions >= 1);
    } finally {
      await stop(ag);
    }
  } finally {
    labDown(copy.name);
  }
});

test('stdio: the library spawns an agent, traces through it, and a crash of the spawned agent fails the running call', { skip: SKIP }, async () => {
  const command = ['ip', 'netns', 'exec', nsName(TOPO, 'src'), process.execPath, '--import', 'tsx', CLI, 'agent', '--listen', 'stdio', '--quiet'];
  const agent = await AgentProber.connect('stdio', { command, timeoutMs: 20_000 });
  const s = await agent.trace(DST, { queries: 1 }).summary;
  assert.equal(s.reached, true);
  const run = agent.trace('198.18.4.99', { waitMs: 5000 });
  await new Promise((r) => setTimeout(r, 300));
  process.kill(agent.info!.pid, 'SIGKILL');
  const t0 = performance.now();
  await assert.rejects(run.summary, (e: unknown) => e instanceof AgentError && e.code === 'disconnected' && /agent stdio: (the agent was killed by SIGKILL|the connection closed)/.test(e.message));
  assert.ok(performance.now() - t0 < 2000);
});
