/**
 * The notebooks as people look at them (issue #9): Debian's headless chromium opens the
 * nbconvert HTML report of a notebook, and the notebook itself in a live Jupyter Notebook 6
 * server with the hopscope kernel, and finds the charts drawn (SVG marks in the DOM).
 * Screenshots go to test-artifacts/ (kept out of git) for a person to look at.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JUPYTER, NO_JUPYTER, ROOT, installKernel } from './jupyter';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => spawnSync(p, ['--version']).status === 0);
const SKIP = NO_JUPYTER || (CHROMIUM ? false : 'chromium is not installed (Debian chromium; scripts/setup.sh installs it)');
const ARTIFACTS = join(ROOT, 'test-artifacts');
const NOTEBOOK = '03-asymmetry-and-ttl';
let dir = '';

before(() => {
  if (SKIP) return;
  dir = mkdtempSync(join(tmpdir(), 'hopscope-browser-'));
  mkdirSync(ARTIFACTS, { recursive: true });
});
after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Loads `url` in headless chromium (bounded), returns the DOM after scripts ran; also saves a screenshot. */
function browse(url: string, screenshot: string): string {
  const common = ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--virtual-time-budget=15000', '--window-size=1280,2400'];
  const dom = spawnSync(CHROMIUM!, [...common, '--dump-dom', url], { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 << 20 });
  assert.equal(dom.status, 0, dom.stderr);
  const shot = spawnSync(CHROMIUM!, [...common, `--screenshot=${screenshot}`, url], { encoding: 'utf8', timeout: 90_000 });
  assert.equal(shot.status, 0, shot.stderr);
  assert.ok(statSync(screenshot).size > 10_000, 'a screenshot with something on it');
  return dom.stdout;
}

/** Vega's SVG charts in a DOM: each a <svg class="marks"> with drawn paths or symbols. */
function charts(dom: string): string[] {
  return [...dom.matchAll(/<svg [^>]*class="marks"[\s\S]*?<\/svg>/g)].map((m) => m[0]);
}

/** Signs a notebook as trusted (with a key of the test's own), as `npm start` does, so Notebook 6 shows its outputs as they are. */
function trust(notebook: string): NodeJS.ProcessEnv {
  const env = { ...process.env, JUPYTER_DATA_DIR: join(dir, 'data') };
  const r = spawnSync('/usr/bin/python3', ['-c', 'from nbformat.sign import TrustNotebookApp; TrustNotebookApp.launch_instance()', notebook], { env, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return env;
}

test('the HTML report of a notebook shows its charts in a browser', { skip: SKIP }, () => {
  // The report as `npm run notebooks:run` writes it.
  const html = spawnSync(JUPYTER!, ['nbconvert', '--to', 'html', `--TemplateExporter.extra_template_basedirs=${join(ROOT, 'kernel', 'nbconvert')}`, '--template', 'hopscope', join(ROOT, 'notebooks', `${NOTEBOOK}.ipynb`), '--output-dir', dir], { encoding: 'utf8' });
  assert.equal(html.status, 0, html.stderr);
  const dom = browse(`file://${join(dir, `${NOTEBOOK}.html`)}`, join(ARTIFACTS, `${NOTEBOOK}-report.png`));
  const drawn = charts(dom);
  assert.ok(drawn.length >= 3, `${drawn.length} charts in the report`);
  for (const svg of drawn) assert.match(svg, /<path [^>]*d="M/, 'every chart has drawn marks');
  assert.match(dom, /Reply TTLs and the initial TTLs they imply/);
});

test('the HTML report of 04-reading-latency shows the latency verdicts and the MPLS charts, and 02\'s the MDA graph', { skip: SKIP }, () => {
  for (const [name, titles] of [
    ['04-reading-latency', ['Latency per hop and what it means', 'Latency to 198.19.29.1: explicit MPLS tunnel', 'egress RTT (ICMP tunnelled)', 'ICMP generation, not path']],
    ['02-multipath-and-reordering', ['MDA paths to', 'per-flow balancer']],
  ] as const) {
    const html = spawnSync(JUPYTER!, ['nbconvert', '--to', 'html', `--TemplateExporter.extra_template_basedirs=${join(ROOT, 'kernel', 'nbconvert')}`, '--template', 'hopscope', join(ROOT, 'notebooks', `${name}.ipynb`), '--output-dir', dir], { encoding: 'utf8' });
    assert.equal(html.status, 0, html.stderr);
    const dom = browse(`file://${join(dir, `${name}.html`)}`, join(ARTIFACTS, `${name}-report.png`));
    const drawn = charts(dom);
    assert.ok(drawn.length >= 5, `${name}: ${drawn.length} charts in the report`);
    for (const svg of drawn) assert.match(svg, /<path [^>]*d="M/, `${name}: every chart has drawn marks`);
    for (const t of titles) assert.ok(drawn.some((svg) => svg.includes(t)), `${name}: a chart with "${t}" is drawn`);
  }
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

test('Jupyter Notebook 6 with the hopscope kernel shows the committed charts of a notebook', { skip: SKIP }, async () => {
  const prefix = join(dir, 'prefix');
  assert.equal(installKernel(prefix).status, 0);
  const nbDir = join(dir, 'nb');
  mkdirSync(nbDir);
  copyFileSync(join(ROOT, 'notebooks', `${NOTEBOOK}.ipynb`), join(nbDir, `${NOTEBOOK}.ipynb`));
  trust(join(nbDir, `${NOTEBOOK}.ipynb`));
  const port = await freePort();
  const token = 'hopscope-browser-test';
  const server: ChildProcess = spawn(JUPYTER!, ['notebook', '--no-browser', '--allow-root', '--ip=127.0.0.1', `--port=${port}`, '--port-retries=0', `--notebook-dir=${nbDir}`, `--NotebookApp.token=${token}`], {
    env: { ...process.env, JUPYTER_PATH: join(prefix, 'share', 'jupyter'), JUPYTER_DATA_DIR: join(dir, 'data'), JUPYTER_RUNTIME_DIR: join(dir, 'runtime') },
    stdio: 'ignore',
  });
  try {
    let up = false;
    for (let i = 0; i < 60 && !up; i++) {
      up = await fetch(`http://127.0.0.1:${port}/api/kernelspecs?token=${token}`).then(
        async (r) => ((await r.json()) as { kernelspecs: Record<string, unknown> }).kernelspecs.hopscope !== undefined,
        () => false,
      );
      if (!up) await new Promise((r) => setTimeout(r, 500));
    }
    assert.ok(up, 'the notebook server came up with the hopscope kernel');
    const dom = browse(`http://127.0.0.1:${port}/notebooks/${NOTEBOOK}.ipynb?token=${token}`, join(ARTIFACTS, `${NOTEBOOK}-notebook6.png`));
    assert.match(dom, /TypeScript \(hopscope\)/, 'the page shows the hopscope kernel');
    const drawn = charts(dom);
    assert.ok(drawn.length >= 3, `${drawn.length} charts drawn in Notebook 6`);
  } finally {
    server.kill('SIGTERM');
  }
});
