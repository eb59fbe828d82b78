/**
 * Replay (issue #9): each committed notebook re-runs from its committed recording
 * (notebooks/data/NN-*.jsonl) with the kernel "TypeScript (hopscope, replay)" as user nobody
 * with no capabilities — no raw socket can open, nothing is probed, no lab is needed — and
 * shows exactly the committed outputs (tables, SVG and Vega-Lite charts, printed verdicts).
 * Without its recording, replay stops with an error that says how to make one.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NO_JUPYTER, ROOT, executeNotebook, installKernel, shownAfterSetup, text, type Cell } from './jupyter';

const NOTEBOOKS = join(ROOT, 'notebooks');
const SKIP =
  NO_JUPYTER ||
  (process.getuid?.() !== 0 ? 'needs root (to run the kernel as user nobody)' : spawnSync('setpriv', ['--version']).status !== 0 ? 'setpriv is not installed' : false);
const NOBODY = 65534;
let prefix = '';

before(() => {
  if (SKIP) return;
  prefix = mkdtempSync(join(tmpdir(), 'hopscope-replay-'));
  chmodSync(prefix, 0o755);
  const r = installKernel(prefix);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /kernel "hopscope-replay" \(TypeScript \(hopscope, replay\)\) installed/);
});
after(() => {
  if (prefix) rmSync(prefix, { recursive: true, force: true });
});

/** A directory nobody can work in, holding a copy of the notebook and (optionally) its recording. */
function sandbox(name: string, withRecording: boolean): string {
  const dir = mkdtempSync(join(prefix, `${name}-`));
  chmodSync(dir, 0o777);
  copyFileSync(join(NOTEBOOKS, `${name}.ipynb`), join(dir, `${name}.ipynb`));
  chmodSync(join(dir, `${name}.ipynb`), 0o644);
  if (withRecording) {
    mkdirSync(join(dir, 'data'), { mode: 0o755 });
    copyFileSync(join(NOTEBOOKS, 'data', `${name}.jsonl`), join(dir, 'data', `${name}.jsonl`));
    chmodSync(join(dir, 'data', `${name}.jsonl`), 0o644);
  }
  mkdirSync(join(dir, 'out'), { mode: 0o777 });
  chmodSync(join(dir, 'out'), 0o777);
  return dir;
}

const replay = (dir: string, name: string) =>
  executeNotebook(prefix, join(dir, `${name}.ipynb`), join(dir, 'out'), { uid: NOBODY, home: dir }, 120, { kernel: 'hopscope-replay', env: { HOPSCOPE_RECORD_DIR: '' } });

const names = readdirSync(NOTEBOOKS)
  .filter((f) => /^\d\d-.*\.ipynb$/.test(f) && !f.startsWith('00-'))
  .map((f) => f.replace(/\.ipynb$/, ''))
  .sort();

test('every investigation notebook has its recording committed beside it', () => {
  assert.equal(names.length, 5);
  for (const n of names) {
    const lines = readFileSync(join(NOTEBOOKS, 'data', `${n}.jsonl`), 'utf8').trim().split('\n');
    assert.ok(lines.filter((l) => l.startsWith('{"type":"call"')).length >= 1, `${n}: a recorded call`);
  }
});

for (const name of names) {
  test(`${name} replays as nobody without capabilities and shows the committed outputs`, { skip: SKIP }, () => {
    const dir = sandbox(name, true);
    const { cells } = replay(dir, name);
    const first = (cells.find((c) => c.cell_type === 'code')!.outputs ?? []).map((o) => text(o.text)).join('');
    assert.match(first, /nobody \(uid 65534\)/);
    assert.match(first, /replay mode \(HOPSCOPE_REPLAY=1\)/);
    assert.match(first, /replay: the probing calls read data\/.*\.jsonl \(\d+ calls, recorded /);
    const committed = JSON.parse(readFileSync(join(NOTEBOOKS, `${name}.ipynb`), 'utf8')).cells as Cell[];
    assert.deepEqual(shownAfterSetup(cells), shownAfterSetup(committed));
  });
}

test('without its recording, a replayed notebook stops at its first cell saying how to record it', { skip: SKIP }, () => {
  const name = names[0];
  const dir = sandbox(name, false);
  const { cells } = executeNotebook(prefix, join(dir, `${name}.ipynb`), join(dir, 'out'), { uid: NOBODY, home: dir }, 120, { kernel: 'hopscope-replay', allowErrors: true });
  const code = cells.filter((c) => c.cell_type === 'code');
  const first = (code[0].outputs ?? []).map((o) => text(o.text)).join('');
  assert.match(first, /ReplayError: replay: there is no recording .*\/data\/01-first-trace\.jsonl; run the notebook once where probing works/);
  // Nothing after it shows anything as if it had probed.
  assert.deepEqual(code.slice(1).flatMap((c) => (c.outputs ?? []).filter((o) => o.output_type === 'display_data' || o.name === 'stdout')), []);
});
