import { setMaxListeners } from 'node:events';

/**
 * Every measurement in progress in this process, so that one interrupt stops them all.
 *
 * A notebook kernel (tslab) answers Jupyter's interrupt by abandoning the cell's promise:
 * the cell returns, but whatever it started keeps running. The hopscope kernel therefore
 * also calls `interruptAll()` on SIGINT, and every probing method registers here while it
 * runs, so an interrupted cell leaves no probe in flight. The registry lives on globalThis
 * so that the kernel launcher reaches it without loading hopscope itself, and two copies of
 * the module (a notebook importing both dist/ and lib/) still share one.
 */
interface InterruptRegistry {
  active: Set<AbortController>;
  interrupts: number;
  /** The same as the exported `interruptAll`, for the kernel launcher. */
  interruptAll: () => number;
}

const KEY = Symbol.for('hopscope.interrupts');

function registry(): InterruptRegistry {
  const g = globalThis as unknown as Record<symbol, InterruptRegistry | undefined>;
  let r = g[KEY];
  if (!r) {
    r = { active: new Set(), interrupts: 0, interruptAll: () => interruptAll() };
    Object.defineProperty(g, KEY, { value: r, enumerable: false });
  }
  return r;
}

export class InterruptedError extends Error {
  constructor() {
    super('interrupted');
    this.name = 'InterruptedError';
  }
}

/**
 * Registers `controller` until `release` is called: `interruptAll()` aborts it with an
 * InterruptedError in the meantime.
 */
export function registerInterruptible(controller: AbortController): () => void {
  const r = registry();
  r.active.add(controller);
  return () => r.active.delete(controller);
}

/** Aborts every registered measurement; returns how many were running. */
export function interruptAll(): number {
  const r = registry();
  const running = [...r.active];
  r.active.clear();
  r.interrupts++;
  for (const c of running) c.abort(new InterruptedError());
  return running.length;
}

/** How many times `interruptAll()` ran in this process. */
export function interruptCount(): number {
  return registry().interrupts;
}

/** How many measurements are running now (for a notebook's "is anything still probing?"). */
export function activeMeasurements(): number {
  return registry().active.size;
}

/**
 * Runs `body` with a signal that `outer` and `interruptAll()` both abort; registered for the
 * time it runs.
 */
export async function interruptible<T>(outer: AbortSignal | undefined, body: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal); // one listener per probe in flight
  const onAbort = () => controller.abort(outer!.reason);
  if (outer?.aborted) controller.abort(outer.reason);
  else outer?.addEventListener('abort', onAbort, { once: true });
  const release = registerInterruptible(controller);
  try {
    return await body(controller.signal);
  } finally {
    release();
    outer?.removeEventListener('abort', onAbort);
  }
}
