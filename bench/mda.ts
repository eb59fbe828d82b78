// Probes and wall time to map each multipath topology: hopscope mda (MDA-Lite at 95% and
// 99% per vertex, classic MDA with --full at 95%, and on wide MDA-Lite at 95% for the whole
// trace) against scamper tracelb (95% per vertex) on the same topology in the same run, with
// the links each found compared with the lab's truth. wide is emulated: a private copy is
// brought up for the run and scamper runs in its source namespace like hopscope. As root;
// probes only the lab.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { labDown, labList, labPrivate, labUp, nsName, topologies } from '../test/lab';

const CLI = join(__dirname, '../dist/cli/main.js');
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
// scamper paces its probes (250 ms apart): on wide one run takes about 4 minutes.
const WIDE_SCAMPER_REPEATS = Number(process.env.BENCH_WIDE_SCAMPER_REPEATS ?? 1);
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

interface Outcome {
  probes: number;
  ms: number;
  /** Addresses discovered. */
  nodes: Set<string>;
  /** Links (`from to`): hopscope's own; scamper's rebuilt from its probes, flow by flow. */
  links: Set<string>;
  /** The tool's own link count. */
  linkCount: number;
}

function hopscope(topo: string, dst: string, confidence: string, extra: string[] = []): Outcome {
  const t0 = performance.now();
  const conf = confidence ? ['--confidence', confidence] : [];
  const r = spawnSync('ip', ['netns', 'exec', nsName(topo, 'src'), process.execPath, CLI, 'mda', '--json', ...conf, ...extra, dst], { encoding: 'utf8', timeout: 120_000 });
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

interface ScamperProbeSet {
  addr?: string;
  probes?: { ttl: number; flowid: number; replyc: number }[];
}

/**
 * scamper 20211212's JSON attaches some link lists to the wrong node (e.g. a link from r1
 * straight to r2 while the three middle routers have none), but every probe set it prints
 * keeps its replying address, and every probe its TTL and flow id: links are rebuilt from
 * those as hopscope builds its own, between the answers of one flow at consecutive TTLs (a
 * TTL where scamper saw one address links to every answer one TTL later, as scamper
 * assumes too). A node no probe set names (the first hop) sits one TTL before its links.
 */
function scamperLinks(lb: { nodes?: { addr: string; links?: ScamperProbeSet[][] }[] }): { nodes: Set<string>; links: Set<string> } {
  const flows = new Map<number, Map<number, string>>();
  const at = new Map<number, Set<string>>();
  const add = (ttl: number, addr: string) => (at.get(ttl) ?? at.set(ttl, new Set()).get(ttl)!).add(addr);
  const named = new Set<string>();
  for (const n of lb.nodes ?? []) {
    for (const link of n.links ?? []) {
      for (const set of link) {
        for (const p of set.probes ?? []) {
          if (p.replyc <= 0 || set.addr === undefined || set.addr === '*') continue;
          add(p.ttl, set.addr);
          named.add(set.addr);
          (flows.get(p.flowid) ?? flows.set(p.flowid, new Map()).get(p.flowid)!).set(p.ttl, set.addr);
        }
      }
    }
  }
  for (const n of lb.nodes ?? []) {
    if (named.has(n.addr)) continue;
    const ttls = (n.links ?? []).flat().flatMap((set) => (set.probes ?? []).map((p) => p.ttl));
    if (ttls.length) add(Math.min(...ttls) - 1, n.addr);
  }
  const links = new Set<string>();
  for (const path of flows.values()) {
    for (const [ttl, addr] of path) {
      const back = at.get(ttl - 1);
      const prev = path.get(ttl - 1) ?? (back?.size === 1 ? [...back][0] : undefined);
      if (prev !== undefined && prev !== addr) links.add(`${prev} ${addr}`);
    }
  }
  return { nodes: new Set([...at.values()].flatMap((s) => [...s])), links };
}

function scamper(topo: string, dst: string): Outcome {
  const t0 = performance.now();
  const r = spawnSync('ip', ['netns', 'exec', nsName(topo, 'src'), 'scamper', '-O', 'json', '-c', 'tracelb', '-i', dst], { encoding: 'utf8', timeout: 600_000 });
  const ms = performance.now() - t0;
  const lb = r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l)).find((d) => d.type === 'tracelb');
  return { probes: lb?.probec ?? 0, ms, ...scamperLinks(lb ?? {}), linkCount: lb?.linkc ?? 0 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ecmp-dest balances per destination: only probes to other addresses of the prefix see both branches.
const EXTRA: Record<string, string[]> = { 'ecmp-dest': ['--per-dest-prefix', '24'] };

/** Every method on one topology (up under the name `topo`; its truth from `base`), one line each. */
function benchTopology(topo: string, base: string): void {
  const path = topologies[base].truth.paths[0];
  const truth = new Set(path.links!.v4!.map(([a, b]) => `${a} ${b}`));
  const truthNodes = new Set(path.hops.flatMap((h) => h.v4 ?? []));
  const extra = EXTRA[base] ?? [];
  const wide = base === 'wide';
  const runs: [string, number, () => Outcome][] = [
    ['hopscope mda 95%', REPEATS, () => hopscope(topo, path.dst.v4!, '95', extra)],
    ['hopscope mda 99%', REPEATS, () => hopscope(topo, path.dst.v4!, '99', extra)],
    ['hopscope --full 95%', REPEATS, () => hopscope(topo, path.dst.v4!, '95', ['--full', ...extra])],
  ];
  if (wide) runs.push(['hopscope trace 95%', REPEATS, () => hopscope(topo, path.dst.v4!, '', ['--trace-confidence', '95', ...extra])]);
  if (has('scamper')) runs.push(['scamper tracelb 95%', wide ? WIDE_SCAMPER_REPEATS : REPEATS, () => scamper(topo, path.dst.v4!)]);
  console.log(`${base} (IPv4, ${truthNodes.size} addresses and ${truth.size} links in the truth), median of ${REPEATS} (scamper: ${runs.at(-1)![1]}):`);
  const rows = runs.map(([name, n, fn]) => {
    const outs = Array.from({ length: n }, fn);
    return { name, outs, probes: median(outs.map((o) => o.probes)), ms: median(outs.map((o) => o.ms)) };
  });
  const base95 = rows[0].probes;
  const scamperProbes = rows.find((r) => r.name.startsWith('scamper'))?.probes;
  for (const { name, outs, probes, ms } of rows) {
    const nodesFound = outs.map((o) => [...truthNodes].filter((a) => o.nodes.has(a)).length).join('/');
    const links = outs.map((o) => {
      const found = [...truth].filter((l) => o.links.has(l)).length;
      return `${found === truth.size ? 'all' : `${found} of`} ${truth.size} truth links, ${[...o.links].filter((l) => !truth.has(l)).length} outside (own count ${o.linkCount})`;
    });
    const vsScamper = scamperProbes ? `, ${(probes / scamperProbes).toFixed(2)} of scamper's` : '';
    console.log(
      `  ${name.padEnd(20)} ${String(probes).padStart(5)} probes (${(probes / base95).toFixed(2)} of hopscope 95%${vsScamper})  ${ms.toFixed(0).padStart(6)} ms  addresses found ${nodesFound} of ${truthNodes.size}; ${links.join(' / ')}`,
    );
  }
}

for (const topo of ['ecmp-flow', 'ecmp-unequal', 'ecmp-packet', 'ecmp-dest']) {
  const wasUp = labList().includes(topo);
  labUp(topo);
  try {
    benchTopology(topo, topo);
  } finally {
    if (!wasUp) labDown(topo);
  }
}

// wide: a private copy (nobody else's lab is touched), 8 diamonds up to 16 wide over emulated routers.
const wide = labPrivate('wide', 'bench');
labUp(wide.name, { alias: false });
try {
  benchTopology(wide.name, 'wide');
} finally {
  labDown(wide.name);
}
