/** Running notebooks headless with Debian's Jupyter and the hopscope kernel (shared by the notebook tests). */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(__dirname, '../..');
export const VEGALITE = 'application/vnd.vegalite.v5+json';

export interface Output {
  output_type: string;
  name?: string;
  text?: string | string[];
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  ename?: string;
  evalue?: string;
}
export interface Cell {
  cell_type: string;
  id: string;
  source: string | string[];
  outputs?: Output[];
}

export function findJupyter(): string | null {
  for (const c of [process.env.HOPSCOPE_JUPYTER, '/usr/bin/jupyter', 'jupyter']) {
    if (c && spawnSync(c, ['nbconvert', '--version']).status === 0) return c;
  }
  return null;
}

export const JUPYTER = findJupyter();
export const NO_JUPYTER = JUPYTER ? false : 'Jupyter is not installed (Debian: jupyter-notebook jupyter-nbconvert python3-nbclient; scripts/setup.sh installs them)';

export const text = (t: string | string[] | undefined) => (Array.isArray(t) ? t.join('') : (t ?? ''));

/**
 * Runs a notebook headless with the hopscope kernel installed under `prefix`; returns the
 * executed notebook. `asUser` runs Jupyter (and so the kernel) as that uid via setpriv.
 */
export function executeNotebook(prefix: string, notebook: string, outDir: string, asUser?: { uid: number; home: string }, timeoutS = 120): { cells: Cell[]; ms: number; stderr: string } {
  const t0 = performance.now();
  const args = ['nbconvert', '--to', 'notebook', '--execute', '--ExecutePreprocessor.kernel_name=hopscope', `--ExecutePreprocessor.timeout=${timeoutS}`, notebook, '--output-dir', outDir];
  const env = { ...process.env, JUPYTER_PATH: join(prefix, 'share', 'jupyter'), ...(asUser ? { HOME: asUser.home, JUPYTER_RUNTIME_DIR: join(asUser.home, 'runtime') } : {}) };
  const [cmd, argv] = asUser ? ['setpriv', [`--reuid=${asUser.uid}`, `--regid=${asUser.uid}`, '--clear-groups', '--inh-caps=-all', JUPYTER!, ...args]] : [JUPYTER!, args];
  const r = spawnSync(cmd, argv, { encoding: 'utf8', env, timeout: (timeoutS + 120) * 1000 });
  const ms = performance.now() - t0;
  assert.equal(r.status, 0, `nbconvert failed:\n${r.stderr}`);
  const out = join(outDir, notebook.split('/').pop()!);
  return { cells: JSON.parse(readFileSync(out, 'utf8')).cells as Cell[], ms, stderr: r.stderr };
}

/** Installs the kernel spec into `prefix` (a temporary one, so the user's own spec is left alone). */
export function installKernel(prefix: string): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(process.execPath, [join(ROOT, 'kernel', 'install.js'), '--prefix', prefix], { encoding: 'utf8' });
}
