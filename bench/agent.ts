// What probing through a local agent costs against probing in-process, in the same run:
// sustained probes per second on loopback (a batch of UDP probes to a closed port, every
// reply checked against the probe it quotes), and the wall time of a 3-query trace of the
// lab's `linear` path — in-process, through the agent probe by probe (trace with
// prober: agent), and run whole inside the agent. As root; probes only 127.0.0.1 and the lab.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labAcquire, labRelease, nsName } from '../test/lab';
import { AgentProber } from '../lib/agent';
import { Engine, enterNetns, leaveNetns, probeBatch, trace, type Prober, type ProbeSpec } from '../lib/probe';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const N = Number(process.env.BENCH_AGENT_PROBES ?? 10_000);
const CLI = join(__dirname, '../lib/cli/main.ts');
const DST = '198.18.5.2';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Starts `hopscope agent` on a Unix socket (in `netns` when given) and waits for the socket. */
async function startAgent(socket: string, netns: string | null, rate: number): Promise<ChildProcess> {
  const cmd = [process.execPath, '--import', 'tsx', CLI, 'agent', '--listen', `unix:${socket}`, '--rate', String(rate), '--quiet'];
  const child = netns ? spawn('ip', ['netns', 'exec', netns, ...cmd], { stdio: 'inherit' }) : spawn(cmd[0], cmd.slice(1), { stdio: 'inherit' });
  const deadline = Date.now() + 20_000;
  while (!existsSync(socket)) {
    if (Date.now() > deadline) throw new Error(`the agent did not listen on ${socket} in 20 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return child;
}

async function loopbackRate(prober: Prober): Promise<{ perSec: number; answered: number; mismatched: number }> {
  const specs: ProbeSpec[] = Array.from({ length: N }, (_, i) => ({
    ipVersion: 4, proto: 'udp', src: '127.0.0.1', dst: '127.0.0.1', ttl: 64,
    sport: 47000 + Math.floor(i / 0xffff), dport: 33434, checksum: (i % 0xffff) + 1, probeId: (i % 0xffff) + 1, ipId: (i % 0xffff) + 1,
  }));
  let answered = 0;
  let mismatched = 0;
  const t0 = performance.now();
  for await (const r of probeBatch(prober, specs, { timeoutMs: 2000 })) {
    if (r.addr === null) continue;
    answered++;
    if (r.quotedChecksum !== r.probeId || r.quotedIpId !== r.probeIpId) mismatched++;
  }
  return { perSec: N / ((performance.now() - t0) / 1000), answered, mismatched };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'hopscope-bench-agent-'));
  const children: ChildProcess[] = [];
  labAcquire('linear');
  try {
    // Loopback: the agent in this namespace, the same rate cap on both sides (high enough not to bind).
    const RATE = 1_000_000;
    children.push(await startAgent(join(dir, 'lo.sock'), null, RATE));
    const agent = await AgentProber.connect(`unix:${join(dir, 'lo.sock')}`);
    const engine = Engine.open({ ipVersion: 4, rate: RATE, burst: 1000, maxInFlight: 512, receive: ['icmp'] });
    const local = await loopbackRate(engine);
    engine.close();
    const remote = await loopbackRate(agent);
    agent.close();
    console.log(`loopback, ${N} UDP probes per run:`);
    console.log(`  in-process        ${Math.round(local.perSec).toLocaleString('en').padStart(9)} probes/s  (${local.answered} answered, ${local.mismatched} mismatched)`);
    console.log(`  through the agent ${Math.round(remote.perSec).toLocaleString('en').padStart(9)} probes/s  (${remote.answered} answered, ${remote.mismatched} mismatched)  ratio to in-process ${(remote.perSec / local.perSec).toFixed(2)}`);

    // A trace of linear: the agent in the lab's source node, this process entering it for the in-process runs.
    children.push(await startAgent(join(dir, 'lab.sock'), nsName('linear', 'src'), 1000));
    const labAgent = await AgentProber.connect(`unix:${join(dir, 'lab.sock')}`);
    const times: Record<string, number[]> = { 'in-process': [], 'prober: agent': [], 'whole run in the agent': [] };
    for (let i = 0; i < REPEATS; i++) {
      enterNetns(nsName('linear', 'src'));
      try {
        times['in-process'].push((await trace(DST, { queries: 3 }).summary).durationMs);
      } finally {
        leaveNetns();
      }
      times['prober: agent'].push((await trace(DST, { queries: 3, prober: labAgent }).summary).durationMs);
      times['whole run in the agent'].push((await labAgent.trace(DST, { queries: 3 }).summary).durationMs);
    }
    labAgent.close();
    const base = median(times['in-process']);
    console.log(`trace of linear (5 hops, 3 queries), median of ${REPEATS}:`);
    for (const [name, xs] of Object.entries(times)) console.log(`  ${name.padEnd(24)} ${median(xs).toFixed(1).padStart(7)} ms   ratio to in-process ${(median(xs) / base).toFixed(2)}`);
  } finally {
    for (const c of children) c.kill('SIGTERM');
    labRelease('linear');
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
