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
 * executed notebook. `asUser` runs Jupyter (and so the kernel) as that uid via setpriv, with no
 * capabilities; `more.kernel` picks another kernel spec (e.g. hopscope-replay), `more.env` adds variables, `more.allowErrors` keeps going past cell errors.
 */
export function executeNotebook(prefix: string, notebook: string, outDir: string, asUser?: { uid: number; home: string }, timeoutS = 120, more: { kernel?: string; env?: Record<string, string>; allowErrors?: boolean } = {}): { cells: Cell[]; ms: number; stderr: string } {
  const t0 = performance.now();
  const args = ['nbconvert', '--to', 'notebook', '--execute', `--ExecutePreprocessor.kernel_name=${more.kernel ?? 'hopscope'}`, `--ExecutePreprocessor.timeout=${timeoutS}`, ...(more.allowErrors ? ['--allow-errors'] : []), notebook, '--output-dir', outDir];
  const env = { ...process.env, JUPYTER_PATH: join(prefix, 'share', 'jupyter'), ...(asUser ? { HOME: asUser.home, JUPYTER_RUNTIME_DIR: join(asUser.home, 'runtime') } : {}), ...more.env };
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

/**
 * What a notebook shows after its first code cell (which carries the kernel's privilege check
 * and the recorder's mode line): per code cell, each output's stream text, error, or
 * representations (text, SVG, HTML, Vega-Lite spec). Live and replayed runs compare equal.
 */
export function shownAfterSetup(cells: Cell[]): unknown[] {
  return cells
    .filter((c) => c.cell_type === 'code')
    .slice(1)
    .map((c) =>
      (c.outputs ?? []).map((o) =>
        o.output_type === 'stream'
          ? { stream: o.name, text: text(o.text) }
          : o.output_type === 'error'
            ? { error: o.ename, value: o.evalue }
            : {
                type: o.output_type,
                plain: text(o.data?.['text/plain'] as string | string[]),
                svg: text(o.data?.['image/svg+xml'] as string | string[]),
                html: text(o.data?.['text/html'] as string | string[]),
                vegaLite: o.data?.[VEGALITE] ?? null,
              },
      ),
    );
}
