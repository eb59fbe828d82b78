/**
 * The hopscope kernel end to end: installs the kernel spec (into a temporary prefix, so a
 * spec the user installed is left alone), runs notebooks/00-smoke.ipynb headless with
 * Debian's nbconvert, and checks what the saved notebook holds.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JUPYTER, NO_JUPYTER, ROOT, VEGALITE, executeNotebook, text } from './jupyter';

const SMOKE = join(ROOT, 'notebooks', '00-smoke.ipynb');

const SKIP = NO_JUPYTER;
let prefix = '';

before(() => {
  if (SKIP) return;
  prefix = mkdtempSync(join(tmpdir(), 'hopscope-kernel-test-'));
});
after(() => {
  if (prefix) rmSync(prefix, { recursive: true, force: true });
});

const execute = (notebook: string, outDir: string, asUser?: { uid: number; home: string }) => executeNotebook(prefix, notebook, outDir, asUser);

test('kernel:install writes the "TypeScript (hopscope)" spec, idempotently', { skip: SKIP }, () => {
  assert.ok(existsSync(join(ROOT, 'dist', 'display', 'show.js')), 'hopscope is built (npm run build; scripts/test.sh builds first)');
  for (let i = 0; i < 2; i++) {
    const r = spawnSync(process.execPath, [join(ROOT, 'kernel', 'install.js'), '--prefix', prefix], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /kernel "hopscope" \(TypeScript \(hopscope\)\) installed/);
  }
  const spec = JSON.parse(readFileSync(join(prefix, 'share', 'jupyter', 'kernels', 'hopscope', 'kernel.json'), 'utf8'));
  assert.equal(spec.display_name, 'TypeScript (hopscope)');
  assert.equal(spec.language, 'typescript');
  assert.deepEqual(spec.argv, [process.execPath, join(ROOT, 'kernel', 'launch.js'), '--config-path', '{connection_file}']);
  const list = spawnSync(JUPYTER!, ['kernelspec', 'list', '--json'], { encoding: 'utf8', env: { ...process.env, JUPYTER_PATH: join(prefix, 'share', 'jupyter') } });
  assert.equal(JSON.parse(list.stdout).kernelspecs.hopscope.spec.display_name, 'TypeScript (hopscope)');
});

test('notebooks/00-smoke.ipynb runs headless; every display carries Vega-Lite, SVG and text', { skip: SKIP }, () => {
  const outDir = join(prefix, 'out');
  const { cells } = execute(SMOKE, outDir);
  const code = cells.filter((c) => c.cell_type === 'code');
  const outputs = code.flatMap((c) => c.outputs ?? []);
  assert.deepEqual(
    outputs.filter((o) => o.output_type === 'error').map((o) => `${o.ename}: ${o.evalue}`),
    [],
  );

  assert.deepEqual(
    code.map((c) => (c as { execution_count?: number }).execution_count),
    code.map((_, i) => i + 1),
    'execution counts (the launcher broadcasts execute_input)',
  );

  // The privilege check is the first thing the user sees.
  const first = code[0].outputs![0];
  assert.equal(first.output_type, 'stream');
  assert.match(text(first.text), /^hopscope · Node v\d+/);
  assert.match(text(first.text), /probing (works|will NOT work)/);
  assert.equal(outputs.filter((o) => /probing (works|will NOT work)/.test(text(o.text))).length, 1, 'once per kernel');

  const displays = outputs.filter((o) => o.output_type === 'display_data');
  assert.equal(displays.length, 4, 'table, chart, DataFrame, live display (updated in place, not appended)');
  for (const d of displays) {
    const data = d.data!;
    const spec = data[VEGALITE] as { $schema?: string } | undefined;
    assert.equal(typeof spec, 'object', 'Vega-Lite spec stored as an object');
    assert.match(spec!.$schema!, /vega-lite\/v5\.json$/);
    assert.match(text(data['image/svg+xml'] as string | string[]), /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.ok(text(data['text/plain'] as string | string[]).length > 0);
    if ((d.metadata?.hopscope as { kind?: string } | undefined)?.kind === 'table') assert.match(text(data['text/html'] as string | string[]), /<table class="hopscope-table"/);
  }
  const byCell = (id: string) => (code.find((c) => c.id === id)!.outputs ?? []).filter((o) => o.output_type === 'display_data');
  assert.match(text(byCell('table')[0].data!['text/plain'] as string[]), /^hand-made trace to 198\.18\.5\.2\nhop\s+address/);
  assert.match(text(byCell('table')[0].data!['text/plain'] as string[]), /^\s+4\s+\*\s+0\/3\s+100%$/m);
  assert.equal(byCell('chart')[0].data!['text/html'], undefined, 'a chart alone has no HTML, so JupyterLab draws the Vega-Lite');
  assert.match(text(byCell('chart')[0].data!['image/svg+xml'] as string[]), /RTT \(ms\)/);
  assert.match(text(byCell('frame')[0].data!['text/plain'] as string[]), /^DataFrame: 6 rows × 17 columns/);
  const live = byCell('live');
  assert.equal(live.length, 1);
  assert.match(text(live[0].data!['text/plain'] as string[]), /^done: 5 hops\n/, 'the live display shows its last update');

  // nbconvert's HTML export shows the SVG charts (it does not draw Vega-Lite).
  // With the project's template (Debian's nbconvert 6.5 strips SVG outputs to their text otherwise).
  const html = spawnSync(JUPYTER!, ['nbconvert', '--to', 'html', `--TemplateExporter.extra_template_basedirs=${join(ROOT, 'kernel', 'nbconvert')}`, '--template', 'hopscope', join(outDir, '00-smoke.ipynb'), '--output-dir', outDir], { encoding: 'utf8' });
  assert.equal(html.status, 0, html.stderr);
  const page = readFileSync(join(outDir, '00-smoke.html'), 'utf8');
  const drawn = [...page.matchAll(/<svg [^>]*class="marks"[^>]*>([\s\S]*?)<\/svg>/g)].filter((m) => /<path [^>]*d="M/.test(m[1]));
  assert.ok(drawn.length >= 4, `every chart drawn in the HTML report (${drawn.length})`);
});

test('hopscope imports by name from a notebook outside the checkout', { skip: SKIP }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hopscope-elsewhere-'));
  try {
    const nb = {
      cells: [
        {
          cell_type: 'code',
          execution_count: null,
          id: 'one',
          metadata: {},
          outputs: [],
          source: 'import { chart, makeRecord, probeFields, show } from "hopscope";\nshow(chart.rttPerHopSpec([makeRecord(probeFields({ ttl: 1, proto: "icmp", ipVersion: 4, dst: "192.0.2.1" }), { addr: "192.0.2.1", rttMs: 1.5 })]));',
        },
      ],
      metadata: { kernelspec: { name: 'hopscope', display_name: 'TypeScript (hopscope)', language: 'typescript' } },
      nbformat: 4,
      nbformat_minor: 5,
    };
    writeFileSync(join(dir, 'elsewhere.ipynb'), JSON.stringify(nb));
    assert.ok(!existsSync(join(dir, 'node_modules')));
    const { cells } = execute(join(dir, 'elsewhere.ipynb'), join(dir, 'out'));
    const outs = cells[0].outputs ?? [];
    assert.deepEqual(outs.filter((o) => o.output_type === 'error'), []);
    assert.equal(outs.filter((o) => o.output_type === 'display_data' && VEGALITE in o.data!).length, 1);
    copyFileSync(join(dir, 'out', 'elsewhere.ipynb'), join(prefix, 'elsewhere-executed.ipynb'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('without privileges, the first output says probing will not work and what to do', { skip: SKIP || (process.getuid?.() !== 0 ? 'needs root (to run the kernel as an unprivileged user)' : spawnSync('setpriv', ['--version']).status !== 0 ? 'setpriv not installed' : false) }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'hopscope-unprivileged-'));
  try {
    chmodSync(dir, 0o777);
    chmodSync(prefix, 0o755);
    const nb = {
      cells: [{ cell_type: 'code', execution_count: null, id: 'one', metadata: {}, outputs: [], source: 'import { kernelStatus } from "hopscope";\nkernelStatus().canProbe' }],
      metadata: { kernelspec: { name: 'hopscope', display_name: 'TypeScript (hopscope)', language: 'typescript' } },
      nbformat: 4,
      nbformat_minor: 5,
    };
    writeFileSync(join(dir, 'nobody.ipynb'), JSON.stringify(nb));
    chmodSync(join(dir, 'nobody.ipynb'), 0o666);
    const { cells } = execute(join(dir, 'nobody.ipynb'), join(dir, 'out'), { uid: 65534, home: dir });
    const [first, result] = cells[0].outputs!;
    assert.equal(first.output_type, 'stream');
    assert.equal(first.name, 'stderr');
    assert.match(text(first.text), /nobody \(uid 65534\)/);
    assert.match(text(first.text), /probing will NOT work/);
    assert.match(text(first.text), /start Jupyter as root/);
    assert.match(text(first.text), /sudo setcap cap_net_raw\+ep \//);
    assert.match(text(result.text), /^false$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
