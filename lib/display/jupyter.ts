/**
 * The channel to the Jupyter front end when running inside tslab.
 *
 * tslab's public `display.*` sends one MIME type per message. Underneath, its `jupyter`
 * module keeps `lastWriteDisplayData(content, update)` — the function that publishes a
 * `display_data` (or, with `update`, an `update_display_data`) on IOPub for the cell being
 * executed; `content` is the whole message content: `{data, metadata, transient}`, so one
 * call can carry a full MIME bundle and a `display_id`. The hopscope kernel launcher hands
 * us the module of the tslab it started (a global hook); under a plain tslab kernel we find
 * the loaded module in require's cache.
 */

export interface DisplayContent {
  data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  transient: { display_id?: string };
}

type WriteDisplayData = (content: DisplayContent, update: boolean) => void;

interface TslabJupyterModule {
  lastWriteDisplayData: WriteDisplayData | null;
}

/** Set by kernel/launch.js: `{ jupyter: <tslab's dist/jupyter.js module>, root, statusText }`. */
export const KERNEL_HOOK = Symbol.for('hopscope.kernel');

let cached: TslabJupyterModule | null = null;

function isTslabJupyter(m: unknown): m is TslabJupyterModule {
  return typeof m === 'object' && m !== null && 'lastWriteDisplayData' in m;
}

function findTslabJupyter(): TslabJupyterModule | null {
  const hook = (globalThis as Record<symbol, unknown>)[KERNEL_HOOK] as { jupyter?: unknown } | undefined;
  if (hook && isTslabJupyter(hook.jupyter)) return hook.jupyter;
  if (cached) return cached;
  for (const [file, mod] of Object.entries(require.cache)) {
    if (/[\\/]tslab[\\/]dist[\\/]jupyter\.js$/.test(file) && mod && isTslabJupyter(mod.exports) && mod.exports.lastWriteDisplayData) {
      cached = mod.exports;
      return cached;
    }
  }
  return null;
}

/** The IOPub display writer of the cell being executed, or null outside a Jupyter kernel. */
export function displayWriter(): WriteDisplayData | null {
  return findTslabJupyter()?.lastWriteDisplayData ?? null;
}

/** Are we running inside a (tslab) Jupyter kernel, in a cell? */
export function inKernel(): boolean {
  return displayWriter() !== null;
}
