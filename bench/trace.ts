// Wall time of a full trace (3 probes per hop) on the lab's `linear` path, clean and with
// silent hops (a black hole from hop 3 on), for hopscope, Linux traceroute and
// mtr --report -c 3 in the same run (median of REPEATS, ratio to hopscope); then sustained
// probes per second on loopback with every reply checked against the probe it quotes.
// As root. Probes only the lab and 127.0.0.1. Needs `npm run build` (it runs dist/).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { labAcquire, labRelease, nsName } from '../test/lab';
import { withFault, blackHoleTo } from '../test/integration/trace-faults';
import { Engine, probeBatch, type ProbeSpec } from '../lib/probe';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const CLI = join(__dirname, '../dist/cli/main.js');
const ns = nsName('linear', 'src');
const DST = '198.18.5.2';
/** Routed along linear's path and used by nobody: the black hole is put in front of it only. */
const HOLE = '198.18.5.99';

function timed(cmd: string[]): number {
  const t0 = performance.now();
  const r = spawnSync('ip', ['netns', 'exec', ns, ...cmd], { stdio: 'ignore', timeout: 120_000 });
  if (r.status === null) throw new Error(`${cmd[0]} timed out`);
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

/** hopscope's own time for the trace (from its summary): no process start. */
function hopscopeTraceMs(args: string[]): { ms: number; sent: number } {
  const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, CLI, 'trace', '--json', ...args], { encoding: 'utf8', timeout: 120_000 });
  const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  return { ms: summary.durationMs, sent: summary.probesSent };
}

function compare(label: string, dst: string, wait: number, maxTtl: number): void {
  const common = ['-n', '-q', '3', '-w', String(wait), '-m', String(maxTtl), dst];
  const tools: [string, string[]][] = [['hopscope trace', [process.execPath, CLI, 'trace', ...common]]];
  if (has('traceroute')) tools.push(['traceroute', ['traceroute', ...common]]);
  if (has('mtr')) tools.push(['mtr --report -c 3', ['mtr', '--report', '-n', '-c', '3', '-m', String(maxTtl), '--timeout', String(wait), dst]]);
  // Interleaved, so every tool sees the same machine load.
  const times = new Map<string, number[]>(tools.map(([name]) => [name, []]));
  for (let i = 0; i < REPEATS; i++) for (const [name, cmd] of tools) times.get(name)!.push(timed(cmd));
  const own = Array.from({ length: REPEATS }, () => hopscopeTraceMs(['-q', '3', '-w', String(wait), '-m', String(maxTtl), dst]));
  const base = median(times.get('hopscope trace')!);
  console.log(`trace wall time, ${label} (median of ${REPEATS}, process start included):`);
  for (const [name, xs] of times) console.log(`  ${name.padEnd(20)} ${median(xs).toFixed(1).padStart(8)} ms   ratio to hopscope ${(median(xs) / base).toFixed(2)}`);
  console.log(`  hopscope's own trace time (no process start): ${median(own.map((o) => o.ms)).toFixed(1)} ms, ${own[0].sent} probes sent`);
}

async function loopbackRate(): Promise<void> {
  const N = Number(process.env.BENCH_LOOPBACK_PROBES ?? 20_000);
  // UDP to a closed port: each port-unreachable quotes its probe (checksum = probe id, IP-ID),
  // so a reply filed under the wrong probe would show.
  const specs: ProbeSpec[] = Array.from({ length: N }, (_, i) => ({
    ipVersion: 4, proto: 'udp', src: '127.0.0.1', dst: '127.0.0.1', ttl: 64,
    sport: 46000 + Math.floor(i / 0xffff), dport: 33434, checksum: (i % 0xffff) + 1, probeId: (i % 0xffff) + 1, ipId: (i % 0xffff) + 1,
  }));
  const engine = Engine.open({ ipVersion: 4, rate: 1_000_000, burst: 1000, maxInFlight: 512, receive: ['icmp'] });
  let answered = 0;
  let mismatched = 0;
  const t0 = performance.now();
  try {
    for await (const r of probeBatch(engine, specs, { timeoutMs: 2000 })) {
      if (r.addr === null) continue;
      answered++;
      if (r.quotedChecksum !== r.probeId || r.quotedIpId !== r.probeIpId) mismatched++;
    }
  } finally {
    engine.close();
  }
  const secs = (performance.now() - t0) / 1000;
  const s = engine.stats();
  console.log(`loopback: ${N} UDP probes in ${secs.toFixed(2)} s = ${Math.round(N / secs).toLocaleString('en')} probes/s sustained, ${answered} answered, ${mismatched} mismatched, ${s.timedOut} timed out, ${s.foreign} foreign, ${s.malformed} malformed`);
}

async function main(): Promise<void> {
  labAcquire('linear');
  try {
    compare('linear, 5 hops', DST, 3, 30);
    await withFault(nsName('linear', 'r3'), blackHoleTo(HOLE), async () => compare('linear, silent from hop 3 on (black hole, -w 1, max TTL 8)', HOLE, 1, 8));
  } finally {
    labRelease('linear');
  }
  await loopbackRate();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
