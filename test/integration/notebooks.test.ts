/**
 * The investigation notebooks (issue #9): each runs top to bottom against the lab with the
 * hopscope kernel (nbconvert, as root), shows what the lab's truth says, and every chart it
 * displays carries the Vega-Lite spec and the SVG; the committed copies carry their outputs.
 * Each live run records its probing calls, and the notebook then replays them as user nobody
 * with no capabilities (kernel "TypeScript (hopscope, replay)") showing the same outputs.
 */
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labAcquire, labRelease, topologies } from '../lab';
import { NEED_ROOT } from './helpers';
import { NO_JUPYTER, ROOT, VEGALITE, executeNotebook, installKernel, shownAfterSetup, text, type Cell, type Output } from './jupyter';

const NOTEBOOKS = join(ROOT, 'notebooks');
// The topologies the notebooks probe: the list npm start, notebooks:run and record-notebooks.sh bring up.
const TOPOLOGIES = readFileSync(join(ROOT, 'scripts', 'notebook-topologies.sh'), 'utf8').match(/^NOTEBOOK_TOPOLOGIES="([^"]+)"$/m)![1].split(' ');
const SKIP = NEED_ROOT || NO_JUPYTER;
let prefix = '';

before(() => {
  if (SKIP) return;
  prefix = mkdtempSync(join(tmpdir(), 'hopscope-notebooks-'));
  const r = installKernel(prefix);
  assert.equal(r.status, 0, r.stderr);
  TOPOLOGIES.forEach((t) => labAcquire(t));
});
after(() => {
  if (SKIP) return;
  TOPOLOGIES.forEach((t) => labRelease(t));
  rmSync(prefix, { recursive: true, force: true });
});

const outputs = (cells: Cell[]) => cells.filter((c) => c.cell_type === 'code').flatMap((c) => c.outputs ?? []);
const streams = (cells: Cell[]) => outputs(cells).filter((o) => o.output_type === 'stream').map((o) => text(o.text)).join('');
const displays = (cells: Cell[]) => outputs(cells).filter((o) => o.output_type === 'display_data');
const plain = (o: Output) => text(o.data!['text/plain'] as string | string[]);

/** Every display is one bundle with the Vega-Lite spec (an object), an SVG and text. */
function assertBundles(name: string, cells: Cell[]): void {
  const shown = displays(cells);
  assert.ok(shown.length >= 2, `${name}: ${shown.length} displays`);
  for (const d of shown) {
    assert.equal(typeof d.data![VEGALITE], 'object', `${name}: a display without its Vega-Lite spec`);
    assert.match(text(d.data!['image/svg+xml'] as string | string[]), /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/, `${name}: a display without its SVG`);
  }
}

const notebookFiles = readdirSync(NOTEBOOKS).filter((f) => /^\d\d-.*\.ipynb$/.test(f) && !f.startsWith('00-')).sort();

test('the five investigation notebooks are committed with their outputs', () => {
  assert.deepEqual(notebookFiles, ['01-first-trace.ipynb', '02-multipath-and-reordering.ipynb', '03-asymmetry-and-ttl.ipynb', '04-reading-latency.ipynb', '05-session-firewall.ipynb']);
  for (const f of notebookFiles) {
    const cells = JSON.parse(readFileSync(join(NOTEBOOKS, f), 'utf8')).cells as Cell[];
    const code = cells.filter((c) => c.cell_type === 'code');
    assert.ok(code.every((c) => (c.outputs ?? []).length > 0 || /^\s*session\.close\(\);?\s*$/.test(text(c.source))), `${f}: a code cell without output`);
    assert.deepEqual(outputs(cells).filter((o) => o.output_type === 'error'), [], `${f}: committed with an error`);
    assertBundles(f, cells);
  }
});

describe('the notebooks run against the lab', { skip: SKIP }, () => {
  const run = (name: string) => {
    const out = join(prefix, 'out');
    // The probing calls are recorded here (not into the checkout's notebooks/data/)…
    const data = join(prefix, 'data');
    const { cells } = executeNotebook(prefix, join(NOTEBOOKS, name), out, undefined, 180, { env: { HOPSCOPE_RECORD_DIR: data } });
    assert.deepEqual(outputs(cells).filter((o) => o.output_type === 'error').map((o) => `${o.ename}: ${o.evalue}`), [], `${name}: cell errors`);
    assertBundles(name, cells);
    // …and replayed by user nobody without capabilities (the replay kernel): the same tables, charts and verdicts.
    const replayOut = join(prefix, `replay-${name}`);
    mkdirSync(replayOut, { mode: 0o777 });
    chmodSync(replayOut, 0o777);
    chmodSync(prefix, 0o755);
    const replayed = executeNotebook(prefix, join(NOTEBOOKS, name), replayOut, { uid: 65534, home: replayOut }, 120, { kernel: 'hopscope-replay', env: { HOPSCOPE_RECORD_DIR: data } });
    assert.deepEqual(shownAfterSetup(replayed.cells), shownAfterSetup(cells), `${name}: the replay shows what the live run showed`);
    return cells;
  };

  test('01-first-trace: reaches linear in as many hops as the truth, and a late answer shows as * then as !H', () => {
    const cells = run('01-first-trace.ipynb');
    const hops = topologies.linear.truth.paths[0].hops.length;
    assert.ok(displays(cells).some((d) => new RegExp(`^reached in ${hops} hops`).test(plain(d))));
    const star = displays(cells).find((d) => /0\.5 s wait/.test(plain(d)))!;
    assert.match(plain(star), new RegExp(`^\\s+${hops}\\s+\\*\\s+0/3\\s+100%`, 'm'));
    assert.match(streams(cells), new RegExp(`^${hops}: \\S+ unreachable \\d+ ms$`, 'm'));
  });

  test('02-multipath: the MDA graph with the truth\'s per-flow balancer, and the per-packet hop from the sampling loop', () => {
    const cells = run('02-multipath-and-reordering.ipynb');
    const flowTruth = topologies['ecmp-unequal'].truth.paths[0].hops.find((h) => h.balancer)!;
    const balancers = displays(cells).find((d) => /^balancers/.test(plain(d)))!;
    assert.match(plain(balancers), new RegExp(`${flowTruth.balancer!.at.replace(/\./g, '\\.')}\\s+per-flow`));
    // The MDA graph (mdaGraphSpec) is drawn, with the truth's balancer named in it.
    const graph = displays(cells).find((d) => /^\[chart\] MDA paths to /m.test(plain(d)))!;
    assert.ok(graph, 'the MDA graph is shown');
    assert.match(plain(graph), new RegExp(`per-flow at TTL \\d+ \\(${flowTruth.balancer!.at.replace(/\./g, '\\.')},`));
    assert.match(text(graph.data!['image/svg+xml'] as string | string[]), /per-flow balancer/);
    const packetTruth = topologies['ecmp-packet'].truth.paths[0].hops.find((h) => h.balancer?.kind === 'per-packet')!;
    assert.match(streams(cells), new RegExp(`per-packet balancing in front of TTL ${packetTruth.ttl}`));
  });

  test('03-asymmetry: the path MTU and the asymmetric hops of asym', () => {
    const cells = run('03-asymmetry-and-ttl.ipynb');
    const truth = topologies.asym.truth.paths[0];
    assert.match(streams(cells), new RegExp(`path MTU ${truth.pmtu!.mtu}`));
  });

  test('04-reading-latency: ratelimit\'s hop is rate-limited, not lossy; latency\'s step and spike where the truth has them; each mpls tunnel of the truth, the explicit one\'s hops read as the egress RTT', () => {
    const cells = run('04-reading-latency.ipynb');
    const out = streams(cells);
    const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    // Rate limiting: the truth's hop, and its loss not carried to later hops.
    const limited = topologies.ratelimit.truth.paths[0].hops.find((h) => h.rateLimited)!;
    assert.match(out, /"verdict": "rate-limited"/);
    assert.match(out, new RegExp(`^the lab's truth: TTL ${limited.ttl} \\(${esc(limited.v4![0])}\\) rate-limits`, 'm'));
    const notCarried = displays(cells).find((d) => /^loss that later hops do not show/.test(plain(d)))!;
    assert.match(plain(notCarried), new RegExp(`^\\s+${limited.ttl}\\s+\\S+\\s+false$`, 'm'));
    // Step against spike, over both families: the path delay starts at the truth's step and is carried to the
    // destination, the spike is ICMP generation, and nothing else is read.
    const latency = topologies.latency.truth.paths[0];
    const { step, icmpSlowAt } = latency.latency!;
    const last = latency.hops.at(-1)!.ttl;
    for (const [prefix, addr] of [['', latency.hops.find((h) => h.ttl === step!.ttl)!.v4![0]], ['IPv6 ', latency.hops.find((h) => h.ttl === step!.ttl)!.v6![0]]]) {
      assert.match(out, new RegExp(`^${prefix}path-delay at TTL ${step!.ttl}: .* at TTL ${step!.ttl} \\(${esc(addr)}\\), carried by every later hop up to TTL ${last}$`, 'm'));
      for (const slow of icmpSlowAt!) assert.match(out, new RegExp(`^${prefix}icmp-slow at TTL ${slow.ttl}: `, 'm'));
      const read = out.split('\n').filter((l) => new RegExp(`^${prefix}(path-delay|icmp-slow|inconclusive|mpls-tunnel) at `).test(l) && !l.startsWith('  '));
      assert.equal(read.length, 1 + icmpSlowAt!.length, read.join('\n'));
    }
    assert.match(out, new RegExp(`^the lab's truth: a ${step!.ms} ms RTT step from TTL ${step!.ttl} to the end; a ${icmpSlowAt![0].ms} ms ICMP slow path at TTL ${icmpSlowAt![0].ttl} only$`, 'm'));
    const perHop = plain(displays(cells).find((d) => /^each hop: the reading beside the lab's truth/.test(plain(d)))!);
    assert.match(perHop, new RegExp(`^\\s+${step!.ttl}\\s.*path delay starts .*step \\+${step!.ms} ms starts\\s*$`, 'm'));
    assert.match(perHop, new RegExp(`^\\s+${icmpSlowAt![0].ttl}\\s.*ICMP generation .*not path\\s+ICMP slow path \\+${icmpSlowAt![0].ms} ms\\s*$`, 'm'));
    assert.ok(displays(cells).some((d) => /^\[chart\] Latency per hop and what it means/.test(plain(d))));
    // MPLS: each destination's tunnel is the truth's (kind, hops, labels, hidden LSRs), its step where the truth
    // has it, and the ICMP-tunnelled LSRs read as the egress's RTT.
    for (const p of topologies.mpls.truth.paths) {
      const t = p.mpls![0];
      const labels = t.labels ? `, labels ${Object.entries(t.labels).map(([ttl, ls]) => `${ttl}:${ls.join('/')}`).join(' ')}` : '';
      const hidden = t.hidden !== undefined ? `, ${t.hidden} hidden LSRs` : '';
      assert.match(out, new RegExp(`^${esc(p.dst.v4!)}: ${t.kind} tunnel at TTLs? ${t.ttls.join(', ')}${esc(labels)}${hidden}$`, 'm'), t.kind);
      const block = out.slice(out.indexOf(`${p.dst.v4}:\n`)).split('\n').slice(1).filter((l, i, ls) => ls.slice(0, i + 1).every((x) => x.startsWith('  ')));
      assert.ok(block.some((l) => l.startsWith(`  path-delay at TTL ${p.latency!.step!.ttl}: `)), `${t.kind}:\n${block.join('\n')}`);
      // Behind LSRs nobody sees, the step may lie on any of their links: the reading says how many.
      if (t.hidden) assert.ok(block.some((l) => l.startsWith(`  path-delay at TTL ${p.latency!.step!.ttl}: `) && l.includes(`or on the links of the ${t.hidden} hidden LSRs before it (${t.kind} MPLS tunnel)`)), `${t.kind}:\n${block.join('\n')}`);
      if (t.icmpTunnelled) assert.ok(block.some((l) => l.startsWith(`  mpls-tunnel at TTLs ${t.ttls.join(', ')} (${t.kind}, egress at TTL ${t.egressTtl})`)), `${t.kind}:\n${block.join('\n')}`);
      else assert.ok(!block.some((l) => l.includes('mpls-tunnel')), `${t.kind}:\n${block.join('\n')}`);
    }
  });

  test('05-session-firewall: the session stalls, dies after hop 1 and the firewall is named', () => {
    const cells = run('05-session-firewall.ipynb');
    const dies = topologies['fw-desync'].truth.sessionDies!;
    assert.match(streams(cells), /the kernel is retransmitting/);
    assert.match(streams(cells), new RegExp(`the likely stateful device is ${dies.addr.replace(/\./g, '\\.')} at TTL ${dies.ttl}`));
  });
});
