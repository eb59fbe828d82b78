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
const TOPOLOGIES = ['linear', 'ecmp-unequal', 'ecmp-packet', 'asym', 'ratelimit', 'fw-desync'];
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

  test('02-multipath: the per-flow balancer from MDA and the per-packet hop from the sampling loop are the truth\'s', () => {
    const cells = run('02-multipath-and-reordering.ipynb');
    const flowTruth = topologies['ecmp-unequal'].truth.paths[0].hops.find((h) => h.balancer)!;
    const balancers = displays(cells).find((d) => /^balancers/.test(plain(d)))!;
    assert.match(plain(balancers), new RegExp(`${flowTruth.balancer!.at.replace(/\./g, '\\.')}\\s+per-flow`));
    const packetTruth = topologies['ecmp-packet'].truth.paths[0].hops.find((h) => h.balancer?.kind === 'per-packet')!;
    assert.match(streams(cells), new RegExp(`per-packet balancing in front of TTL ${packetTruth.ttl}`));
  });

  test('03-asymmetry: the path MTU and the asymmetric hops of asym', () => {
    const cells = run('03-asymmetry-and-ttl.ipynb');
    const truth = topologies.asym.truth.paths[0];
    assert.match(streams(cells), new RegExp(`path MTU ${truth.pmtu!.mtu}`));
  });

  test('04-reading-latency: hop 2 of ratelimit is rate-limited, not lossy', () => {
    const cells = run('04-reading-latency.ipynb');
    const limited = topologies.ratelimit.truth.paths[0].hops.find((h) => h.rateLimited)!;
    assert.match(streams(cells), /"verdict": "rate-limited"/);
    const notCarried = displays(cells).find((d) => /^loss that later hops do not show/.test(plain(d)))!;
    assert.match(plain(notCarried), new RegExp(`^\\s+${limited.ttl}\\s+\\S+\\s+false$`, 'm'));
  });

  test('05-session-firewall: the session stalls, dies after hop 1 and the firewall is named', () => {
    const cells = run('05-session-firewall.ipynb');
    const dies = topologies['fw-desync'].truth.sessionDies!;
    assert.match(streams(cells), /the kernel is retransmitting/);
    assert.match(streams(cells), new RegExp(`the likely stateful device is ${dies.addr.replace(/\./g, '\\.')} at TTL ${dies.ttl}`));
  });
});
