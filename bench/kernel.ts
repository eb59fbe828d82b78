// Kernel cold start to first cell result: wall time of `jupyter nbconvert --to notebook
// --execute` on a one-cell notebook with the hopscope kernel (nbconvert's own start-up, the
// kernel process start, tslab's TypeScript compiler warming up, the cell, shutdown; nothing
// subtracted), for a trivial cell and for a cell that imports hopscope and shows a chart.
// For scale, the same run with Debian's python3 (ipykernel) kernel. Median of BENCH_REPEATS
// (default 3). Installs the kernel spec into a temporary prefix; needs Jupyter and `npm run build`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPEATS = Number(process.env.BENCH_REPEATS ?? 3);
const ROOT = join(__dirname, '..');
const JUPYTER = [process.env.HOPSCOPE_JUPYTER, '/usr/bin/jupyter', 'jupyter'].find((c) => c && spawnSync(c, ['nbconvert', '--version']).status === 0);
if (!JUPYTER) {
  console.log('skipped: Jupyter is not installed (Debian: jupyter-notebook jupyter-nbconvert python3-nbclient)');
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'hopscope-bench-kernel-'));
const env = { ...process.env, JUPYTER_PATH: join(dir, 'share', 'jupyter') };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function notebook(name: string, kernel: string, language: string, source: string): string {
  const file = join(dir, `${name}.ipynb`);
  const nb = {
    cells: [{ cell_type: 'code', execution_count: null, id: 'cell', metadata: {}, outputs: [], source }],
    metadata: { kernelspec: { name: kernel, display_name: kernel, language } },
    nbformat: 4,
    nbformat_minor: 5,
  };
  writeFileSync(file, JSON.stringify(nb));
  return file;
}

function run(file: string, kernel: string): number {
  const t0 = performance.now();
  const r = spawnSync(JUPYTER!, ['nbconvert', '--to', 'notebook', '--execute', `--ExecutePreprocessor.kernel_name=${kernel}`, file, '--output-dir', join(dir, 'out')], { env, encoding: 'utf8', timeout: 180_000 });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`nbconvert failed on ${file}:\n${r.stderr}`);
  return ms;
}

try {
  const install = spawnSync(process.execPath, [join(ROOT, 'kernel', 'install.js'), '--prefix', dir], { encoding: 'utf8' });
  if (install.status !== 0) throw new Error(install.stderr);
  const cases: [string, string, string][] = [
    ['hopscope kernel, cell `1 + 1`', 'hopscope', notebook('trivial', 'hopscope', 'typescript', '1 + 1')],
    [
      'hopscope kernel, cell importing hopscope and showing an RTT chart',
      'hopscope',
      notebook(
        'show',
        'hopscope',
        'typescript',
        'import { chart, makeRecord, probeFields, show } from "hopscope";\nshow(chart.rttPerHopSpec([1, 2, 3].map((ttl) => makeRecord(probeFields({ ttl, proto: "udp", ipVersion: 4, dst: "192.0.2.9" }), { addr: `192.0.2.${ttl}`, rttMs: ttl }))));',
      ),
    ],
  ];
  const hasPython = spawnSync(JUPYTER, ['kernelspec', 'list', '--json'], { env, encoding: 'utf8' }).stdout.includes('"python3"');
  if (hasPython) cases.push(['python3 kernel (for scale), cell `1 + 1`', 'python3', notebook('python', 'python3', 'python', '1 + 1')]);
  console.log(`nbconvert --execute of a one-cell notebook, wall time from process start to exit, median of ${REPEATS}:`);
  for (const [label, kernel, file] of cases) {
    const times = Array.from({ length: REPEATS }, () => run(file, kernel));
    console.log(`  ${label.padEnd(66)} ${median(times).toFixed(0).padStart(6)} ms   (runs: ${times.map((t) => t.toFixed(0)).join(', ')})`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
