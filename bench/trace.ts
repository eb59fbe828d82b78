// Wall time of a full trace (3 probes per hop) on the lab's `linear` path, clean and with
// a black hole after hop 2, for hopscope, Linux traceroute and mtr --report -c 3 in the same
// run (median of REPEATS, ratio to hopscope); then sustained probes per second on loopback
// with every reply checked against its probe. As root. Probes only the lab and 127.0.0.1.
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { labDown, labList, labUp, nsName } from '../test/lab';
import { Engine } from '../lib/probe';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 5);
const CLI = join(__dirname, '../dist/cli/main.js');
const ns = nsName('linear', 'src');
const DST = '198.18.5.2';

function timed(cmd: string[]): number {
  const t0 = performance.now();
  const r = spawnSync('ip', ['netns', 'exec', ns, ...cmd], { stdio: 'ignore', timeout: 120_000 });
  if (r.status === null) throw new Error(`${cmd[0]} timed out`);
  return performance.now() - t0;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

function compare(label: string, wait: number, maxTtl: number): void {
  const tools: [string, string[]][] = [
    ['hopscope', ['node', CLI, 'trace', '-n', '-q', '3', '-w', String(wait), '-m', String(maxTtl), DST]],
  ];
  if (has('traceroute')) tools.push(['traceroute', ['traceroute', '-n', '-q', '3', '-w', String(wait), '-m', String(maxTtl), DST]]);
  if (has('mtr')) tools.push(['mtr --report -c 3', ['mtr', '--report', '-n', '-c', '3', '-m', String(maxTtl), '--timeout', String(wait), DST]]);
  const times = tools.map(([name, cmd]) => [name, median(Array.from({ length: REPEATS }, () => timed(cmd)))] as const);
  const base = times[0][1];
  console.log(`trace wall time, ${label} (median of ${REPEATS}, process start included):`);
  for (const [name, ms] of times) console.log(`  ${name.padEnd(20)} ${ms.toFixed(1).padStart(8)} ms   ratio to hopscope ${(ms / base).toFixed(2)}`);
}

function hopscopeInProcess(): void {
  const r = spawnSync('ip', ['netns', 'exec', ns, 'node', CLI, 'trace', '--json', '-q', '3', DST], { encoding: 'utf8' });
  const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  console.log(`  hopscope trace itself (from its summary, no process start): ${summary.durationMs.toFixed(1)} ms, ${summary.probesSent} probes sent`);
}

async function loopbackRate(): Promise<void> {
  const N = Number(process.env.BENCH_LOOPBACK_PROBES ?? 20_000);
  const engine = Engine.open({ ipVersion: 4, rate: 1_000_000, burst: 1000, maxInFlight: 512, receive: ['icmp'] });
  const t0 = performance.now();
  const records = await Promise.all(
    Array.from({ length: N }, (_, i) =>
      engine.probe({ ipVersion: 4, proto: 'icmp', src: '127.0.0.1', dst: '127.0.0.1', ttl: 64, icmpId: 0x4242, icmpSeq: i & 0xffff, probeId: i }, { timeoutMs: 2000 }),
    ),
  );
  const secs = (performance.now() - t0) / 1000;
  const stats = engine.stats();
  engine.close();
  const answered = records.filter((r) => r.kind === 'echo-reply').length;
  // A reply filed under the wrong probe would carry another probe's IP-ID in its record.
  const mismatched = records.filter((r) => r.addr !== null && r.probeIpId !== (r.probeId! & 0xffff)).length;
  console.log(`loopback: ${N} ICMP probes in ${secs.toFixed(2)} s = ${Math.round(N / secs).toLocaleString('en')} probes/s, ${answered} answered, ${mismatched} mismatched, ${stats.foreign} foreign (own requests looped back), ${stats.timedOut} timed out`);
}

async function main(): Promise<void> {
  const wasUp = labList().includes('linear');
  labUp('linear');
  try {
    compare('linear, 5 hops', 3, 30);
    hopscopeInProcess();
    const r3 = nsName('linear', 'r3');
    execFileSync('ip', ['netns', 'exec', r3, 'nft', '-f', '-'], { input: 'table inet hs_bench {\n chain through {\n  type filter hook forward priority 0;\n  drop\n }\n chain out {\n  type filter hook output priority 0;\n  icmp type time-exceeded drop\n }\n}\n' });
    try {
      compare('linear with silent hops from TTL 3 (max TTL 8, wait 1 s)', 1, 8);
    } finally {
      execFileSync('ip', ['netns', 'exec', r3, 'nft', 'delete', 'table', 'inet', 'hs_bench']);
    }
  } finally {
    if (!wasUp) labDown('linear');
  }
  await loopbackRate();
}

void main();
