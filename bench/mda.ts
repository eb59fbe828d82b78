// Probes and wall time to map each multipath topology: hopscope mda (MDA-Lite at 95% and
// 99% per vertex, classic MDA with --full at 95%) against scamper tracelb (95%) on the same
// topology in the same run, with the links each found compared with the lab's truth. As
// root; probes only the lab.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { labDown, labList, labUp, nsName, topologies } from '../test/lab';

const CLI = join(__dirname, '../dist/cli/main.js');
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

interface Outcome {
  probes: number;
  ms: number;
  /** Addresses discovered. */
  nodes: Set<string>;
  /** Links, where the tool's output states them unambiguously (null: not readable). */
  links: Set<string> | null;
  /** The tool's own link count. */
  linkCount: number;
}

function hopscope(topo: string, dst: string, confidence: string, extra: string[] = []): Outcome {
  const t0 = performance.now();
  const r = spawnSync('ip', ['netns', 'exec', nsName(topo, 'src'), process.execPath, CLI, 'mda', '--json', '--confidence', confidence, ...extra, dst], { encoding: 'utf8', timeout: 120_000 });
  const ms = performance.now() - t0;
  const s = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
  return {
    probes: s.probes,
    ms,
    nodes: new Set(s.nodes.map((n: { addr: string }) => n.addr)),
    links: new Set(s.links.map((l: { from: string; to: string }) => `${l.from} ${l.to}`)),
    linkCount: s.links.length,
  };
}

function scamper(topo: string, dst: string): Outcome {
  const t0 = performance.now();
  const r = spawnSync('ip', ['netns', 'exec', nsName(topo, 'src'), 'scamper', '-O', 'json', '-c', 'tracelb', '-i', dst], { encoding: 'utf8', timeout: 300_000 });
  const ms = performance.now() - t0;
  const lb = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((d) => d.type === 'tracelb');
  // scamper 20211212's JSON attaches some link lists to the wrong node (e.g. a link from r1
  // straight to r2 while the three middle routers have none), so only the addresses it
  // discovered and its own link count are compared.
  const nodes = new Set<string>();
  for (const n of lb?.nodes ?? []) {
    nodes.add(n.addr);
    for (const l of n.links ?? []) for (const hop of l) nodes.add(hop.addr);
  }
  return { probes: lb?.probec ?? 0, ms, nodes, links: null, linkCount: lb?.linkc ?? 0 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ecmp-dest balances per destination: only probes to other addresses of the prefix see both branches.
const EXTRA: Record<string, string[]> = { 'ecmp-dest': ['--per-dest-prefix', '24'] };

for (const topo of ['ecmp-flow', 'ecmp-unequal', 'ecmp-packet', 'ecmp-dest']) {
  const wasUp = labList().includes(topo);
  labUp(topo);
  try {
    const path = topologies[topo].truth.paths[0];
    const truth = new Set(path.links!.v4!.map(([a, b]) => `${a} ${b}`));
    const truthNodes = new Set(path.hops.flatMap((h) => h.v4 ?? []));
    const extra = EXTRA[topo] ?? [];
    const runs: [string, () => Outcome][] = [
      ['hopscope mda 95%', () => hopscope(topo, path.dst.v4!, '95', extra)],
      ['hopscope mda 99%', () => hopscope(topo, path.dst.v4!, '99', extra)],
      ['hopscope --full 95%', () => hopscope(topo, path.dst.v4!, '95', ['--full', ...extra])],
    ];
    if (has('scamper')) runs.push(['scamper tracelb 95%', () => scamper(topo, path.dst.v4!)]);
    console.log(`${topo} (IPv4, ${truthNodes.size} addresses and ${truth.size} links in the truth), median of ${REPEATS}:`);
    let base = 0;
    for (const [name, fn] of runs) {
      const outs = Array.from({ length: REPEATS }, fn);
      const probes = median(outs.map((o) => o.probes));
      if (!base) base = probes;
      const nodesFound = outs.map((o) => [...truthNodes].filter((a) => o.nodes.has(a)).length).join('/');
      const links = outs.map((o) =>
        o.links ? `${[...truth].filter((l) => o.links!.has(l)).length} of ${truth.size} truth links, ${[...o.links].filter((l) => !truth.has(l)).length} outside` : `its own link count ${o.linkCount}`,
      );
      console.log(
        `  ${name.padEnd(20)} ${String(probes).padStart(5)} probes (ratio to hopscope 95% ${(probes / base).toFixed(2)})  ${median(outs.map((o) => o.ms)).toFixed(0).padStart(6)} ms  addresses found ${nodesFound} of ${truthNodes.size}; ${links.join(' / ')}`,
      );
    }
  } finally {
    if (!wasUp) labDown(topo);
  }
}
