// Mapping many destinations behind hundreds of diamonds (the emulated wide-many topology:
// 32 destinations, 256 per-flow diamonds up to 16 wide): hopscope MDA-Lite at 95% and 99% per
// vertex and at 95% for the whole trace (--trace-confidence), all destinations from one process, BENCH_PARALLEL at a time; then scamper tracelb
// (95%) on every destination in one scamper run. Prints probes, wall time and what each found
// of the truth (addresses; links where the tool states them: hopscope), and the probe ratio.
// As root; probes only the lab. BENCH_DESTINATIONS limits how many destinations (default all).
import { spawnSync } from 'node:child_process';
import { enterNetns, leaveNetns, mda } from '../lib/probe';
import type { MultipathResult } from '../lib/record';
import { labDown, labList, labUp, nsName, topologies } from '../test/lab';

const TOPO = 'wide-many';
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 8);
const topo = topologies[TOPO];
const paths = topo.truth.paths.slice(0, Number(process.env.BENCH_DESTINATIONS ?? topo.truth.paths.length));
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

interface Tally {
  probes: number;
  ms: number;
  addrs: number;
  links: number | null;
  outside: number;
  completeDestinations: number;
}

const truthAddrs = paths.map((p) => new Set(p.hops.flatMap((h) => h.v4 ?? [])));
const truthLinks = paths.map((p) => new Set(p.links!.v4!.map(([a, b]) => `${a} ${b}`)));
const totalAddrs = truthAddrs.reduce((n, s) => n + s.size, 0);
const totalLinks = truthLinks.reduce((n, s) => n + s.size, 0);

/** Runs `work` over every destination index, `limit` at a time. */
async function pool<T>(n: number, limit: number, work: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(n);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, n) }, async () => {
    while (next < n) {
      const i = next++;
      out[i] = await work(i);
    }
  }));
  return out;
}

async function hopscope(mode: { confidence: 95 | 99 } | { traceConfidence: number }): Promise<Tally> {
  const t0 = performance.now();
  const results: MultipathResult[] = await pool(paths.length, PARALLEL, (i) => mda(paths[i].dst.v4!, mode).result);
  const ms = performance.now() - t0;
  const tally: Tally = { probes: 0, ms, addrs: 0, links: 0, outside: 0, completeDestinations: 0 };
  results.forEach((r, i) => {
    tally.probes += r.probes;
    const found = new Set(r.nodes.map((n) => n.addr));
    const links = new Set(r.links.map((l) => `${l.from} ${l.to}`));
    const addrs = [...truthAddrs[i]].filter((a) => found.has(a)).length;
    const linked = [...truthLinks[i]].filter((l) => links.has(l)).length;
    tally.addrs += addrs;
    tally.links! += linked;
    tally.outside += [...found].filter((a) => !truthAddrs[i].has(a)).length + [...links].filter((l) => !truthLinks[i].has(l)).length;
    if (addrs === truthAddrs[i].size && linked === truthLinks[i].size) tally.completeDestinations++;
  });
  return tally;
}

function scamper(): Tally {
  const t0 = performance.now();
  // -W 15: scamper's shortest wait between a trace's probes (150 ms; the default is 250).
  const r = spawnSync('ip', ['netns', 'exec', nsName(TOPO, topo.source), 'scamper', '-O', 'json', '-p', '2000', '-c', 'tracelb -W 15', '-i', ...paths.map((p) => p.dst.v4!)], { encoding: 'utf8', timeout: 1_200_000, maxBuffer: 1 << 28 });
  const ms = performance.now() - t0;
  const tally: Tally = { probes: 0, ms, addrs: 0, links: null, outside: 0, completeDestinations: 0 };
  for (const lb of r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).filter((d) => d.type === 'tracelb')) {
    const i = paths.findIndex((p) => p.dst.v4 === lb.dst);
    if (i < 0) continue;
    tally.probes += lb.probec ?? 0;
    // scamper's JSON attaches some link lists to the wrong node (see bench/mda.ts): addresses only.
    const found = new Set<string>();
    for (const n of lb.nodes ?? []) {
      found.add(n.addr);
      for (const l of n.links ?? []) for (const hop of l) found.add(hop.addr);
    }
    const addrs = [...truthAddrs[i]].filter((a) => found.has(a)).length;
    tally.addrs += addrs;
    tally.outside += [...found].filter((a) => !truthAddrs[i].has(a)).length;
    if (addrs === truthAddrs[i].size) tally.completeDestinations++;
  }
  return tally;
}

function line(name: string, t: Tally, base: number): string {
  const links = t.links === null ? 'links: not readable' : `${t.links} of ${totalLinks} links`;
  return `  ${name.padEnd(20)} ${String(t.probes).padStart(6)} probes (ratio to hopscope 99% ${(t.probes / base).toFixed(2)})  ${(t.ms / 1000).toFixed(1).padStart(6)} s  ${t.addrs} of ${totalAddrs} addresses, ${links}, ${t.outside} outside the truth; every address${t.links === null ? '' : ' and link'} of ${t.completeDestinations}/${paths.length} destinations`;
}

async function main(): Promise<void> {
  const wasUp = labList().includes(TOPO);
  labUp(TOPO, { alias: false });
  try {
    const diamonds = paths.reduce((n, p) => n + p.hops.filter((h) => h.balancer).length, 0);
    console.log(`${TOPO} (IPv4): ${paths.length} destinations, ${diamonds} diamonds, ${totalAddrs} addresses and ${totalLinks} links in the truth`);
    enterNetns(nsName(TOPO, topo.source));
    const h99 = await hopscope({ confidence: 99 });
    const h95 = await hopscope({ confidence: 95 });
    const t95 = await hopscope({ traceConfidence: 95 });
    leaveNetns();
    console.log(line('hopscope mda 99%', h99, h99.probes));
    console.log(line('hopscope mda 95%', h95, h99.probes));
    console.log(line('hopscope trace 95%', t95, h99.probes));
    if (has('scamper')) console.log(line('scamper tracelb 95%', scamper(), h99.probes));
    else console.log('  scamper not installed: no peer figure');
  } finally {
    if (!wasUp) labDown(TOPO);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
