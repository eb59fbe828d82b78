/**
 * Issue #7, notebook use: a session lives across cells of a real hopscope kernel (Jupyter
 * client, tslab, SIGINT interrupts as the notebook's stop button sends them), and an
 * interrupted cell leaves no probe running and the connection open and in step.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labAcquire, labRelease, nsName, topologies } from '../lab';
import { NEED_ROOT } from './helpers';

const ROOT = join(__dirname, '../..');
const PYTHON = '/usr/bin/python3';
const hasClient = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import jupyter_client']).status === 0;
const SKIP = NEED_ROOT || (hasClient ? false : 'Debian python3-jupyter-client is not installed (scripts/setup.sh installs it with jupyter-notebook)');
let prefix = '';

before(() => {
  if (SKIP) return;
  labAcquire('fw-desync');
  prefix = mkdtempSync(join(tmpdir(), 'hopscope-kernel-session-'));
  const r = spawnSync(process.execPath, [join(ROOT, 'kernel', 'install.js'), '--prefix', prefix], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
});
after(() => {
  if (SKIP) return;
  labRelease('fw-desync');
  rmSync(prefix, { recursive: true, force: true });
});

interface Step {
  code: string;
  interruptAfter?: number;
}
interface StepResult {
  status: string;
  stdout: string;
  stderr: string;
  seconds: number;
}

function runCells(steps: Step[]): StepResult[] {
  const script = join(prefix, 'steps.json');
  writeFileSync(script, JSON.stringify(steps));
  const r = spawnSync('ip', ['netns', 'exec', nsName('fw-desync', 'src'), PYTHON, join(__dirname, 'kernel-cells.py'), script], {
    encoding: 'utf8',
    env: { ...process.env, JUPYTER_PATH: join(prefix, 'share', 'jupyter') },
    timeout: 240_000,
  });
  assert.equal(r.status, 0, `kernel-cells.py failed:\n${r.stderr}`);
  return r.stdout.trim().split('\n').map((l) => JSON.parse(l) as StepResult);
}

/** The last line a cell printed with `console.log(JSON.stringify(...))`. */
const lastJson = (s: StepResult) => JSON.parse(s.stdout.trim().split('\n').at(-1)!);

test('a session survives across cells and interrupts: no probe runs on, the connection stays open and usable', { skip: SKIP }, () => {
  const truth = topologies['fw-desync'].truth;
  const target = truth.paths[0].dst.v4!;
  const ss = `(() => { const o = require('child_process').execFileSync('ss', ['-tnH', 'state', 'established', 'dst', '${target}:9'], { encoding: 'utf8' }); return o.trim() ? o.trim().split('\\n').length : 0; })()`;
  const results = runCells([
    { code: `import * as hs from 'hopscope';\nconst s = await hs.probe.openSession('${target}', 9);\nconsole.log(JSON.stringify({ sport: s.sport }));` },
    { code: `await s.send(1);\nconst re = await s.watch(5000);\nconsole.log(JSON.stringify({ sent: s.sent, retransmitting: re !== null }));` },
    // A trace that would take minutes (every TTL past the firewall silent), stopped after 2 s.
    { code: `const long = await s.trace({ maxTtl: 30, gapLimit: 30, queries: 3, waitMs: 1000 });\nconsole.log('not interrupted');`, interruptAfter: 2 },
    { code: `const before = s.probeStats().sent;\nawait new Promise((r) => setTimeout(r, 1500));\nconsole.log(JSON.stringify({ active: hs.probe.activeMeasurements(), before, after: s.probeStats().sent, kept: s.lastTrace.records.length, interrupted: s.lastTrace.interrupted, established: ${ss} }));` },
    // A for-await trace loop, interrupted the same way.
    { code: `const seen = [];\nfor await (const r of hs.probe.trace('${target}', { proto: 'tcp', port: 9, maxTtl: 30, gapLimit: 30, waitMs: 1000 })) seen.push(r);\nconsole.log('not interrupted');`, interruptAfter: 2 },
    { code: `await new Promise((r) => setTimeout(r, 300));\nconsole.log(JSON.stringify({ active: hs.probe.activeMeasurements(), interrupts: hs.probe.interruptCount() }));` },
    // The session is still in step: a short trace in it sees hop 1 and dies at the firewall.
    { code: `const t = await s.trace({ maxTtl: 3, queries: 1, waitMs: 500 });\nconsole.log(JSON.stringify({ lastAnswered: t.lastAnswered, reached: t.reached, interrupted: t.interrupted }));` },
    { code: `s.close();\nawait new Promise((r) => setTimeout(r, 200));\nconsole.log(JSON.stringify({ established: ${ss} }));` },
  ]);
  const [open, sent, interrupted, after, loop, afterLoop, again, closed] = results;
  for (const r of [open, sent, after, afterLoop, again, closed]) assert.equal(r.status, 'ok', JSON.stringify(results, null, 1));
  assert.ok(lastJson(open).sport > 0);
  assert.deepEqual(lastJson(sent), { sent: 1, retransmitting: true });

  assert.ok(interrupted.seconds < 10, `the interrupted cell returned after ${interrupted.seconds} s`);
  assert.doesNotMatch(interrupted.stdout, /not interrupted/);
  const a = lastJson(after);
  assert.equal(a.active, 0, 'no measurement registered after the interrupt');
  assert.equal(a.after, a.before, 'no probe sent after the interrupt');
  assert.ok(a.before >= 3 && a.before < 30, `the trace had sent ${a.before} probes when it was stopped`);
  assert.equal(a.established, 1, 'the connection is still established');
  assert.equal(a.interrupted, true);
  // Every completed probe is kept; the one waiting for its reply when the interrupt came has no record.
  assert.ok(a.kept >= a.before - 1 && a.kept <= a.before, `lastTrace keeps the ${a.before} probes sent but the one in flight (kept ${a.kept})`);

  assert.ok(loop.seconds < 10, `the interrupted loop returned after ${loop.seconds} s`);
  assert.doesNotMatch(loop.stdout, /not interrupted/);
  assert.deepEqual(lastJson(afterLoop), { active: 0, interrupts: 2 });

  assert.deepEqual(lastJson(again), { lastAnswered: truth.sessionDiesAfterTtl, reached: false, interrupted: false });
  assert.deepEqual(lastJson(closed), { established: 0 });
});
