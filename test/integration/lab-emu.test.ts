/**
 * The emulated topologies on the real lab (private copies, so nobody else's runs are
 * disturbed): independent tools see what the truth declares, hopscope's readings find it,
 * and `down` leaves no namespace or emulator process behind.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labDown, labNamespaces, labPrivate, labUp, nsName, serviceStatePath } from '../lab';
import type { PathTruth, Topology } from '../lab/types';
import { NEED_ROOT, hopscopeIn, inNs, parseTracerouteN } from './helpers';

/** traceroute -n lines → RTTs (ms) per TTL. */
function rttsByTtl(out: string): Map<number, number[]> {
  const hops = new Map<number, number[]>();
  for (const line of out.split('\n').slice(1)) {
    const m = line.match(/^\s*(\d+)\s+(.*)$/);
    if (m) hops.set(Number(m[1]), [...m[2].matchAll(/([\d.]+) ms/g)].map((x) => Number(x[1])));
  }
  return hops;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function emulatorPid(topo: Topology): number {
  return JSON.parse(readFileSync(serviceStatePath(topo.name, topo.source, 'emu'), 'utf8')).pid;
}

/** Running (a zombie waiting for this process to reap it counts as gone). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) [ZX] /s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** A private copy of topology `name` up for the enclosing describe, and a scratch directory. */
function privateLab(name: string): { topo: Topology; dir: string } {
  const lab = { topo: labPrivate(name), dir: '' };
  before(() => {
    labUp(lab.topo.name, { alias: false });
    lab.dir = mkdtempSync(join(tmpdir(), 'hopscope-lab-emu-'));
  });
  after(() => {
    labDown(lab.topo.name);
    rmSync(lab.dir, { recursive: true, force: true });
  });
  return lab;
}

function downLeavesNothing(topo: Topology): void {
  const pid = emulatorPid(topo);
  assert.ok(alive(pid));
  labDown(topo.name);
  assert.deepEqual(labNamespaces().filter((n) => n.startsWith(`hs-${topo.name}-`)), []);
  const deadline = Date.now() + 3000;
  while (alive(pid) && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  assert.equal(alive(pid), false, 'the emulator exits with its topology');
  assert.equal(existsSync(serviceStatePath(topo.name, topo.source, 'emu')), false);
}

/** hopscope trace --json of `dst` from `ns`, then analyze --json of it. */
async function traceAndAnalyze(ns: string, dst: string, dir: string, queries: number): Promise<{ mpls: { kind: string; ttls: number[]; labels: Record<number, number[]>; hidden: number | null }[]; latency: { kind: string; ttl?: number; ttls?: number[] }[] }> {
  const traced = await hopscopeIn(ns, ['trace', '--json', '-q', String(queries), dst], 60_000);
  assert.equal(traced.code, 0, traced.stderr);
  const file = join(dir, `${dst.replace(/[:.]/g, '_')}.jsonl`);
  writeFileSync(file, traced.stdout.split('\n').filter((l) => l && !l.includes('"type":"summary"')).join('\n') + '\n');
  const run = await hopscopeIn(ns, ['analyze', '--json', file], 30_000);
  assert.equal(run.code, 0, run.stderr);
  return JSON.parse(run.stdout);
}

describe('latency (emulated)', { skip: NEED_ROOT }, () => {
  const lab = privateLab('latency');
  const src = () => nsName(lab.topo.name, lab.topo.source);
  const path = () => lab.topo.truth.paths[0];

  test('ping reaches the destination over both families, at the step RTT', () => {
    for (const dst of [path().dst.v4!, path().dst.v6!]) {
      const out = inNs(src(), 'ping', ['-n', '-c', '3', '-i', '0.2', '-W', '2', dst]);
      assert.match(out, / 0% packet loss/);
      const min = Number(out.match(/= ([\d.]+)\//)![1]);
      assert.ok(min >= 39 && min < 60, `${dst}: min RTT ${min} ms, 40 ms step expected`);
    }
  });

  test('Linux traceroute: the declared hops, the 60 ms spike at hop 1 only, the 40 ms step from hop 3 to the end', () => {
    const out = inNs(src(), 'traceroute', ['-n', '-q', '5', '-w', '2', path().dst.v4!], 60_000);
    const rtts = rttsByTtl(out);
    for (const hop of path().hops) assert.match(out, new RegExp(`^\\s*${hop.ttl}\\s+${hop.v4![0].replace(/\./g, '\\.')}\\s`, 'm'));
    const med = (ttl: number) => median(rtts.get(ttl)!);
    assert.ok(med(1) >= 58 && med(1) < 90, `hop 1 median ${med(1)} ms: the 60 ms slow path`);
    assert.ok(med(2) < 20, `hop 2 median ${med(2)} ms: no spike carried`);
    for (const ttl of [3, 4, 5]) assert.ok(med(ttl) >= 39 && med(ttl) < 70, `hop ${ttl} median ${med(ttl)} ms: the 40 ms step persists`);
  });

  test('Linux traceroute -6 sees the same hops', () => {
    const out = inNs(src(), 'traceroute', ['-6', '-n', '-q', '1', '-w', '2', path().dst.v6!], 60_000);
    for (const hop of path().hops) assert.match(out, new RegExp(`^\\s*${hop.ttl}\\s+${hop.v6![0]}\\s`, 'm'));
  });

  test('hopscope path reads hop 2 as a 254 router (Juniper-like)', async () => {
    const run = await hopscopeIn(src(), ['trace', '--json', '-q', '3', path().dst.v4!], 60_000);
    assert.equal(run.code, 0, run.stderr);
    const records = run.stdout.split('\n').filter((l) => l.startsWith('{') && !l.includes('"type":"summary"')).map((l) => JSON.parse(l));
    const hop2 = records.filter((r) => r.ttl === 2 && r.addr);
    assert.ok(hop2.length > 0);
    for (const r of hop2) assert.equal(r.replyTtl, 253, 'hop 2 starts at 254, one router back');
  });

  test('hopscope analyze: path delay at hop 3, ICMP slow at hop 1', async () => {
    const verdicts = (await traceAndAnalyze(src(), path().dst.v4!, lab.dir, 5)).latency;
    const truth = path().latency!;
    assert.ok(verdicts.some((v) => v.kind === 'path-delay' && v.ttl === truth.step!.ttl), JSON.stringify(verdicts));
    assert.ok(verdicts.some((v) => v.kind === 'icmp-slow' && v.ttl === truth.icmpSlowAt![0].ttl), JSON.stringify(verdicts));
  });

  test('down leaves no namespace, TUN or emulator process', () => downLeavesNothing(lab.topo));
});

describe('mpls (emulated)', { skip: NEED_ROOT }, () => {
  const lab = privateLab('mpls');
  const src = () => nsName(lab.topo.name, lab.topo.source);
  const tunnelOf = (p: PathTruth) => p.mpls![0];

  test('ping reaches every tunnel destination over both families', () => {
    for (const p of lab.topo.truth.paths)
      for (const dst of [p.dst.v4!, p.dst.v6!]) assert.match(inNs(src(), 'ping', ['-n', '-c', '1', '-W', '2', dst]), / 0% packet loss/, dst);
  });

  for (const family of [4, 6] as const) {
    test(`Linux traceroute -e (IPv${family}): each tunnel's hops, and labels exactly where the truth has them`, () => {
      for (const p of lab.topo.truth.paths) {
        const t = tunnelOf(p);
        const out = inNs(src(), 'traceroute', [`-${family}`, '-n', '-e', '-q', '1', '-w', '2', family === 4 ? p.dst.v4! : p.dst.v6!], 60_000);
        const lines = new Map(out.split('\n').slice(1).filter((l) => l.trim()).map((l) => l.trim().split(/\s+/)).map((w) => [Number(w[0]), w.slice(1).join(' ')]));
        assert.equal(lines.size, p.hops.length, `${t.kind}:\n${out}`);
        for (const hop of p.hops) {
          const line = lines.get(hop.ttl)!;
          assert.ok(line.startsWith(`${(family === 4 ? hop.v4 : hop.v6)![0]} `), `${t.kind} TTL ${hop.ttl}: ${line}`);
          const labels = t.labels?.[hop.ttl];
          if (labels) assert.ok(line.includes(`<MPLS:L=${labels[0]},E=0,S=1,T=${t.labelTtls![hop.ttl][0]}>`), `${t.kind} TTL ${hop.ttl}: ${line}`);
          else assert.ok(!line.includes('MPLS'), `${t.kind} TTL ${hop.ttl}: ${line}`);
        }
      }
    });
  }

  test('ICMP tunnelling: the explicit LSRs answer at about the egress RTT (>= 18 ms), the implicit ones at their own (< 10 ms)', () => {
    const [explicit, implicit] = lab.topo.truth.paths;
    const lsrMedian = (p: PathTruth) => {
      const rtts = rttsByTtl(inNs(src(), 'traceroute', ['-n', '-q', '3', '-w', '2', p.dst.v4!], 60_000));
      return tunnelOf(p).ttls.map((ttl) => median(rtts.get(ttl)!));
    };
    assert.equal(tunnelOf(explicit).icmpTunnelled, true);
    for (const ms of lsrMedian(explicit)) assert.ok(ms >= 18, `explicit LSR at ${ms} ms`);
    for (const ms of lsrMedian(implicit)) assert.ok(ms < 10, `implicit LSR at ${ms} ms`);
  });

  test('hopscope analyze finds each tunnel of the truth', async () => {
    for (const p of lab.topo.truth.paths) {
      const t = tunnelOf(p);
      const found = (await traceAndAnalyze(src(), p.dst.v4!, lab.dir, 2)).mpls;
      assert.equal(found.length, 1, `${t.kind}: ${JSON.stringify(found)}`);
      assert.equal(found[0].kind, t.kind);
      // The first LSR of an implicit tunnel quotes TTL 1 like any router: the next LSR's
      // quoted 2 says the tunnel began one hop before it.
      assert.deepEqual(found[0].ttls, t.ttls);
      if (t.labels) assert.deepEqual(found[0].labels, t.labels);
      if (t.hidden !== undefined) assert.equal(found[0].hidden, t.hidden);
    }
  });

  test('down leaves no namespace, TUN or emulator process', () => downLeavesNothing(lab.topo));
});

describe('wide (emulated, generated)', { skip: NEED_ROOT }, () => {
  const lab = privateLab('wide');
  const src = () => nsName(lab.topo.name, lab.topo.source);
  const path = () => lab.topo.truth.paths[0];

  test('Linux traceroute sees only the truth\'s addresses at each TTL and reaches the destination', () => {
    const out = inNs(src(), 'traceroute', ['-n', '-q', '3', '-w', '2', path().dst.v4!], 60_000);
    const seen = parseTracerouteN(out);
    assert.equal(Math.max(...seen.keys()), path().hops.length);
    for (const hop of path().hops) for (const addr of seen.get(hop.ttl) ?? []) assert.ok(hop.v4!.includes(addr), `TTL ${hop.ttl}: ${addr} not in the truth`);
    assert.ok(seen.get(path().hops.length)!.has(path().dst.v4!));
  });

  // Repeated runs, whole-trace confidence 99% (each test of a run at 1 - 0.99^(1/B), B the
  // tests it made: ~70 here): a run misses some link or mis-kinds the per-packet head with
  // probability at most 1% (uniform balancing assumed; the emulator hashes flows, and its
  // per-packet head goes round robin, which only makes the per-packet test surer). Over
  // RUNS MDA-Lite runs per family and one classic (--full) each, 22 runs, P(3 or more
  // incomplete) <= 0.14% (binomial, computed below): the test allows two. A false address or
  // link, a balancer where the truth has none, a per-flow or per-destination head called
  // otherwise, or an 'unknown' kind fails at once: those are not chance. Per run: MDA-Lite
  // ~1,270 probes (~1.3 s in the emulator), classic ~2,730 (~2.8 s); the test ~45 s.
  const RUNS = 10;
  const ALLOWED_INCOMPLETE = 2;
  /** P(more than `allowed` of `n` runs fail), each failing with probability `p`. */
  const binomialTail = (n: number, p: number, allowed: number) => {
    let below = 0;
    let c = 1;
    for (let k = 0; k <= allowed; k++) {
      below += c * Math.pow(p, k) * Math.pow(1 - p, n - k);
      c = (c * (n - k)) / (k + 1);
    }
    return 1 - below;
  };
  interface MdaJson {
    complete: boolean;
    confidenceMet: boolean;
    confidenceMode: string;
    probes: number;
    nodes: { addr: string; ttls: number[] }[];
    links: { from: string; to: string; ttl: number; viaDst?: string[]; uncertain?: boolean }[];
    balancers: { ttl: number; addr: string; kind: string }[];
  }
  /** What a run missed (empty: the truth, whole); throws on what no chance explains. */
  function judge(r: MdaJson, family: 4 | 6, label: string): string[] {
    const fam = family === 4 ? 'v4' : 'v6';
    const strip = (a: string) => a.split('/')[0];
    const hops = path().hops;
    // The per-destination head's other branches: the target's flows never take them, the
    // prefix's other addresses do (the truth lists the one the target's hash picks).
    const perDest = hops.find((h) => h.balancer?.kind === 'per-destination')!;
    const taken = perDest[fam]![0];
    const headNode = lab.topo.links.find((l) => strip(l.b[fam]!) === taken)!.a.node;
    const others = lab.topo.links.filter((l) => l.a.node === headNode && strip(l.b[fam]!) !== taken).map((l) => strip(l.b[fam]!));
    const headAddr = hops[perDest.ttl - 2][fam]![0];
    const afterAddr = hops[perDest.ttl][fam]![0];
    const addrsAt = (ttl: number) => new Set([...hops[ttl - 1][fam]!, ...(ttl === perDest.ttl ? others : [])]);
    const truthLinks = new Set(path().links![fam]!.map(([a, b]) => `${a} ${b}`));
    const destLinks = new Set(others.flatMap((o) => [`${headAddr} ${o}`, `${o} ${afterAddr}`]));
    const missed: string[] = [];
    assert.equal(r.confidenceMode, 'whole-trace', label);
    for (const n of r.nodes) for (const ttl of n.ttls) assert.ok(addrsAt(ttl).has(n.addr), `${label}: TTL ${ttl}: ${n.addr} not in the truth`);
    for (const l of r.links) {
      const key = `${l.from} ${l.to}`;
      assert.ok(!l.uncertain, `${label}: uncertain link ${key}`);
      assert.ok(truthLinks.has(key) || (destLinks.has(key) && l.viaDst), `${label}: link ${key} (TTL ${l.ttl}${l.viaDst ? ', other destinations' : ''}) not in the truth`);
    }
    const onTarget = new Set(r.links.filter((l) => !l.viaDst).map((l) => `${l.from} ${l.to}`));
    const all = new Set(r.links.map((l) => `${l.from} ${l.to}`));
    for (const k of truthLinks) if (!onTarget.has(k)) missed.push(`link ${k}`);
    for (const k of destLinks) if (!all.has(k)) missed.push(`per-destination link ${k}`);
    const heads = new Map(hops.filter((h) => h.balancer).map((h) => [h.ttl - 1, { kind: h.balancer!.kind, addr: hops[h.ttl - 2][fam]![0] }]));
    for (const b of r.balancers) {
      const want = heads.get(b.ttl);
      assert.ok(want && want.addr === b.addr, `${label}: a balancer at TTL ${b.ttl} ${b.addr}, not a head of the truth`);
      assert.notEqual(b.kind, 'unknown', `${label}: TTL ${b.ttl} unclassified`);
      // Only a per-packet head can pass for per-flow by chance (every re-probe kept its branch).
      if (b.kind !== want.kind) {
        assert.ok(want.kind === 'per-packet' && b.kind === 'per-flow', `${label}: TTL ${b.ttl} ${b.kind}, the truth says ${want.kind}`);
        missed.push(`TTL ${b.ttl} per-packet called per-flow`);
      }
    }
    for (const [ttl, h] of heads) if (!r.balancers.some((b) => b.ttl === ttl)) missed.push(`no balancer at TTL ${ttl} (${h.kind})`);
    if (!r.complete) missed.push('not complete');
    else assert.equal(r.confidenceMet, true, `${label}: complete without meeting its confidence`);
    return missed;
  }

  test(`hopscope mda --trace-confidence 99, ${RUNS} MDA-Lite runs per family and one classic each: the truth's every address, link and balancer kind, no false one`, async () => {
    const incomplete: string[] = [];
    const probes: number[] = [];
    for (const family of [4, 6] as const) {
      const dst = family === 4 ? path().dst.v4! : path().dst.v6!;
      const prefix = family === 4 ? '24' : '120';
      for (let i = 0; i <= RUNS; i++) {
        const classic = i === RUNS;
        const label = `IPv${family} ${classic ? 'classic MDA' : `MDA-Lite run ${i + 1}`}`;
        const run = await hopscopeIn(src(), ['mda', '--json', `-${family}`, '--trace-confidence', '99', '--per-dest-prefix', prefix, ...(classic ? ['--full'] : []), dst], 60_000);
        assert.ok(run.code === 0 || run.code === 1, `${label}: ${run.stderr}`);
        const r = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as MdaJson;
        if (!classic) probes.push(r.probes);
        const missed = judge(r, family, label);
        if (missed.length) incomplete.push(`${label}: ${missed.join('; ')}`);
      }
    }
    const runs = 2 * (RUNS + 1);
    const chance = binomialTail(runs, 0.01, ALLOWED_INCOMPLETE);
    assert.ok(chance < 0.0015, `the bound: P(> ${ALLOWED_INCOMPLETE} of ${runs}) = ${chance}`);
    assert.ok(incomplete.length <= ALLOWED_INCOMPLETE, `more incomplete runs than 99% whole-trace confidence allows (P(> ${ALLOWED_INCOMPLETE} of ${runs}) = ${chance.toFixed(5)}):\n${incomplete.join('\n')}`);
    for (const x of incomplete) console.log(`# incomplete run (at most ${ALLOWED_INCOMPLETE} allowed): ${x}`);
    console.log(`# MDA-Lite probes per run: ${probes.join(', ')}`);
  });

  test('down leaves no namespace, TUN or emulator process', () => downLeavesNothing(lab.topo));
});
