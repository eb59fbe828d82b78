/**
 * SVG rendering of Vega-Lite specs with vega 5 in Node, no canvas. vega and vega-lite are
 * loaded on first use only.
 */
import { createHash } from 'node:crypto';
import type { VegaLiteSpec } from './spec';

type VegaModule = typeof import('vega');
type VegaLiteModule = typeof import('vega-lite');

let mods: { vega: VegaModule; vl: VegaLiteModule } | null = null;

function load(): { vega: VegaModule; vl: VegaLiteModule } {
  if (!mods) mods = { vega: require('vega') as VegaModule, vl: require('vega-lite') as VegaLiteModule };
  return mods;
}

/** Warnings of vega-lite / vega about a spec, collected instead of printed. */
export interface RenderWarnings {
  warnings: string[];
}

interface QuietLogger {
  level(l?: number): number | QuietLogger;
  error(...args: readonly unknown[]): never;
  warn(...args: readonly unknown[]): QuietLogger;
  info(): QuietLogger;
  debug(): QuietLogger;
}

function quietLogger(sink: string[]): QuietLogger {
  let level = 0;
  const logger: QuietLogger = {
    level(l?: number) {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    error(...args: readonly unknown[]) {
      throw new Error(args.map(String).join(' '));
    },
    warn(...args: readonly unknown[]) {
      sink.push(args.map(String).join(' '));
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  };
  return logger;
}

/** Compiles a Vega-Lite spec to a Vega spec. */
export function compileSpec(spec: VegaLiteSpec, warnings: string[] = []): object {
  const { vl } = load();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return vl.compile(spec as any, { logger: quietLogger(warnings) as any }).spec;
}

function newView(spec: VegaLiteSpec, warnings: string[]) {
  const { vega } = load();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const runtime = vega.parse(compileSpec(spec, warnings) as any);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return new vega.View(runtime, { renderer: 'none', logger: quietLogger(warnings) as any });
}

/**
 * Makes the ids of an SVG document (vega's clip paths and gradients) unique to it, so that
 * several charts inlined in one page (Notebook 6, nbconvert HTML) never share one. With a
 * `prefix`, every id becomes `prefix-id`. Without, the ids are numbered in document order
 * (vega's own numbers come from process-wide counters) and prefixed with a hash of the
 * content: the same chart renders to the same SVG whatever was drawn before it (a replayed
 * notebook shows exactly the recorded outputs), and identical charts that share ids share
 * identical definitions.
 */
export function uniquifySvgIds(svg: string, prefix?: string): string {
  const ids = [...new Set([...svg.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]))];
  if (ids.length === 0) return svg;
  const index = new Map(ids.map((id, i) => [id, i]));
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const alt = ids.map(esc).join('|');
  const rename = (name: (id: string, i: number) => string) => {
    const to = (id: string) => name(id, index.get(id)!);
    return svg
      .replace(new RegExp(`(\\sid=")(${alt})"`, 'g'), (_, a: string, id: string) => `${a}${to(id)}"`)
      .replace(new RegExp(`url\\(#(${alt})\\)`, 'g'), (_, id: string) => `url(#${to(id)})`)
      .replace(new RegExp(`(href=")#(${alt})"`, 'g'), (_, a: string, id: string) => `${a}#${to(id)}"`);
  };
  if (prefix !== undefined) return rename((id) => `${prefix}-${id}`);
  const kind = (id: string) => id.replace(/[_-]?\d+$/, '') || 'id';
  const canonical = rename((id, i) => `${kind(id)}${i}`);
  const hash = 'hs' + createHash('sha1').update(canonical).digest('hex').slice(0, 8);
  return rename((id, i) => `${hash}-${kind(id)}${i}`);
}

/** Renders a Vega-Lite spec to an SVG document (vega's own asynchronous path). */
export async function toSvg(spec: VegaLiteSpec, sink: RenderWarnings = { warnings: [] }): Promise<string> {
  const view = newView(spec, sink.warnings);
  try {
    return uniquifySvgIds(await view.toSVG());
  } finally {
    view.finalize();
  }
}

/**
 * Renders a Vega-Lite spec to SVG synchronously: the dataflow of a spec with inline data
 * runs to completion inside `run()`, and the scenegraph is then drawn with vega's
 * SVGStringRenderer exactly as `toSVG()` does (tests check both give the same document).
 * This is what lets `show()` display without being awaited. Throws if the spec needs
 * asynchronous loading (data from a URL): use `toSvg` for those.
 */
export function toSvgSync(spec: VegaLiteSpec, sink: RenderWarnings = { warnings: [] }): string {
  const { vega } = load();
  const view = newView(spec, sink.warnings);
  try {
    view.run();
    // Internal state of vega 5's View (pinned): a pulse still set means the dataflow awaits something.
    const v = view as unknown as { _pulse: unknown; _pending: unknown; _viewWidth: number; _viewHeight: number; _origin: [number, number] };
    if (v._pulse || v._pending) throw new Error('this spec loads data asynchronously; render it with `await toSvg(spec)`');
    const pad = view.padding() as { left: number; right: number; top: number; bottom: number };
    const SvgStringRenderer = (vega as unknown as { SVGStringRenderer: new (loader: unknown) => unknown }).SVGStringRenderer;
    const renderer = new SvgStringRenderer(view.loader()) as {
      initialize(el: null, width: number, height: number, origin: [number, number], scale: number): { background(c: unknown): unknown };
      render(scene: unknown): unknown;
      svg(): string | null;
    };
    renderer
      .initialize(null, Math.max(0, v._viewWidth + pad.left + pad.right), Math.max(0, v._viewHeight + pad.top + pad.bottom), [pad.left + v._origin[0], pad.top + v._origin[1]], 1)
      .background(view.background());
    renderer.render((view.scenegraph() as unknown as { root: unknown }).root);
    const svg = renderer.svg();
    if (svg === null) throw new Error('vega produced no SVG');
    return uniquifySvgIds(svg);
  } finally {
    view.finalize();
  }
}
