/**
 * `hopscope repl` (issue #8): the library preloaded, top-level await, a failing line that
 * leaves the REPL running, show() as text with the chart saved as an SVG file, and history
 * kept across runs when the REPL runs on a terminal.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { labAcquire, labRelease, nsName, topologies } from '../lab';
import { CLI, NEED_ROOT, hopscopeIn } from './helpers';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'hopscope-repl-'));
  if (!NEED_ROOT) labAcquire('linear');
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
  if (!NEED_ROOT) labRelease('linear');
});

test('a piped REPL session traces the lab with top-level await, survives a bad call, and saves shown charts as SVG', { skip: NEED_ROOT }, async () => {
  const truth = topologies.linear.truth.paths[0];
  const script = join(dir, 'session.js');
  const svgDir = join(dir, 'charts');
  writeFileSync(
    script,
    [
      `const run = trace('${truth.dst.v4}', { queries: 2 })`,
      'const summary = await run.result',
      "console.log('hops', summary.lastTtl, 'reached', summary.reached)",
      "await trace('not an address').result",
      "console.log('still here', typeof hs.probe.trace)",
      'show(chart.rttPerHopSpec(run.records))',
      'show(run.records)',
      `const loop = sample('${truth.dst.v4}', { count: 1000, intervalMs: 200 })`,
      'await new Promise((r) => setTimeout(r, 700))',
      'console.log("interrupted", interruptAll())',
      'const looped = await loop.result',
      'console.log("loop", looped.stopReason, looped.records.length > 0, activeMeasurements())',
      '',
    ].join('\n'),
  );
  const run = await hopscopeIn(nsName('linear', 'src'), ['repl', '--svg-dir', svgDir, '--history', ''], 60_000, ['sh', '-c', '"$0" "$@" < ' + script]);
  assert.equal(run.code, 0, run.stderr);
  assert.match(run.stdout, /^hopscope · Node v\d+/m, 'the privilege check comes first');
  assert.match(run.stdout, new RegExp(`hops ${truth.hops.length} reached true`));
  assert.match(run.stdout, /Uncaught:?\s+ArgumentError: target must be/, 'the bad call names its argument');
  assert.match(run.stdout, /still here function/);
  assert.match(run.stdout, /interrupted 1\n/);
  assert.match(run.stdout, /loop aborted true 0\n/, 'the loop stopped, kept its records, nothing runs on');
  const svgs = readdirSync(svgDir);
  assert.equal(svgs.length, 2, 'one SVG per show() of a chart or table');
  for (const f of svgs) assert.match(readFileSync(join(svgDir, f), 'utf8'), /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
  assert.match(run.stdout, /\(SVG: .*001-rtt-per-hop\.svg\)/);
  for (const h of truth.hops) assert.match(run.stdout, new RegExp(`^\\s+${h.ttl}\\s+${h.v4![0].replace(/\./g, '\\.')}\\s+2/2`, 'm'), `hop ${h.ttl} in the table`);
});

test('on a terminal the REPL keeps its history across runs', () => {
  if (spawnSync('script', ['--version']).status !== 0) return assert.fail('script (util-linux) is missing');
  const history = join(dir, 'history');
  const cmd = `${process.execPath} --import tsx ${CLI} repl -q --history ${history}`;
  const feed = (lines: string[]) =>
    spawnSync('sh', ['-c', `(sleep 1; ${lines.map((l) => `printf '%s\\n' '${l}'; sleep 0.5`).join('; ')}) | script -qec "${cmd}" /dev/null`], { encoding: 'utf8', timeout: 30_000 });
  const first = feed(['40 + 2', 'typeof probe.trace', '.exit']);
  assert.match(first.stdout, /42/);
  assert.match(first.stdout, /'function'/);
  assert.deepEqual(readFileSync(history, 'utf8').trim().split('\n'), ['.exit', 'typeof probe.trace', '40 + 2'], 'newest first, as Node writes it');
  feed(['6 * 7', '.exit']);
  assert.deepEqual(readFileSync(history, 'utf8').trim().split('\n').slice(0, 3), ['.exit', '6 * 7', '.exit']);
});
