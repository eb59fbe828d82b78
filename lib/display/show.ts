import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ProbeRecord } from '../record';
import { mimeBundle, SVG_MIME, TEXT_MIME, type BundleOptions, type MimeBundle, type Showable } from './bundle';
import { displayWriter } from './jupyter';

export interface ShowOptions extends BundleOptions {
  /**
   * Also write the SVG to this file (in a kernel too). Outside a kernel, the environment
   * variable HOPSCOPE_SVG_DIR saves every shown SVG into that directory.
   */
  save?: string;
}

let saved = 0;

function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 48) || 'chart';
}

function saveSvg(bundle: MimeBundle, options: ShowOptions, inKernel: boolean): string | null {
  const svg = bundle.data[SVG_MIME];
  if (typeof svg !== 'string') return null;
  let file = options.save ?? null;
  const dir = process.env.HOPSCOPE_SVG_DIR;
  if (file === null && !inKernel && dir) {
    const title = (bundle.metadata.hopscope as { title?: string } | undefined)?.title ?? 'chart';
    file = path.join(dir, `${String(++saved).padStart(3, '0')}-${slug(title)}.svg`);
  }
  if (file === null) return null;
  mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  writeFileSync(file, svg);
  return file;
}

/** Prints the text form (outside a kernel), with where the SVG went. */
function printText(bundle: MimeBundle, file: string | null): void {
  const text = String(bundle.data[TEXT_MIME] ?? '');
  process.stdout.write(text + (file ? `\n(SVG: ${file})` : '') + '\n');
}

/**
 * Displays `x` as one MIME bundle (see `mimeBundle`): in a tslab / hopscope kernel as a single
 * display message — Vega-Lite spec + SVG + text (+ HTML for tables); elsewhere (CLI, REPL,
 * tests) as text on stdout, with the SVG written to `options.save` or HOPSCOPE_SVG_DIR.
 * Synchronous (SVG is rendered in-line), so it needs no `await`. Returns nothing, so a cell
 * ending in `show(x)` prints nothing more; use `mimeBundle(x)` to get the bundle itself.
 */
export function show(x: Showable, options: ShowOptions = {}): void {
  const bundle = mimeBundle(x, options);
  const write = displayWriter();
  const file = saveSvg(bundle, options, write !== null);
  if (write) write({ data: bundle.data, metadata: bundle.metadata, transient: {} }, false);
  else printText(bundle, file);
}

export interface LiveDisplayOptions extends ShowOptions {
  /** Least time between two redraws; updates in between are merged (the last one wins). Default 400 ms. */
  minIntervalMs?: number;
}

export interface FollowOptions {
  /** What to draw from the records so far (default: the records: hop table + RTT chart). */
  view?: (records: readonly ProbeRecord[]) => Showable;
  /** Word for the progress line (default 'probes'). */
  label?: string;
}

/** A display that is replaced in place (Jupyter `display_id` + `update_display_data`). */
export interface LiveDisplay {
  readonly displayId: string;
  /** Redraws with `x` and a progress line (throttled to `minIntervalMs`; the latest update always lands). */
  update(x: Showable, progress?: string): void;
  /** Final redraw, immediately: with `x`, or the last update with a new progress line. */
  done(x?: Showable, progress?: string): void;
  /** Consumes a stream of probe records (a running trace, a sampling loop), redrawing as they come; resolves to all of them. */
  follow(source: AsyncIterable<ProbeRecord> | Iterable<ProbeRecord>, options?: FollowOptions): Promise<ProbeRecord[]>;
}

/** Progress line of a record stream. */
export function recordsProgress(records: readonly ProbeRecord[], startedAt: number, label = 'probes', finished = false): string {
  let answered = 0;
  let maxTtl = 0;
  for (const r of records) {
    if (r.addr !== null) answered++;
    if (r.ttl > maxTtl) maxTtl = r.ttl;
  }
  const secs = ((Date.now() - startedAt) / 1000).toFixed(1);
  return `${finished ? 'done' : 'running'}: ${records.length} ${label}, ${answered} answered, up to TTL ${maxTtl} · ${secs} s`;
}

class Live implements LiveDisplay {
  readonly displayId = randomBytes(8).toString('hex');
  private shown = false;
  private lastAt = 0;
  private pending: { x: Showable; progress?: string } | null = null;
  private latest: { x: Showable; progress?: string } | null = null;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly options: LiveDisplayOptions) {}

  update(x: Showable, progress?: string): void {
    this.pending = { x, progress };
    const wait = (this.options.minIntervalMs ?? 400) - (Date.now() - this.lastAt);
    if (wait <= 0) this.flush(false);
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(false), wait);
      this.timer.unref();
    }
  }

  done(x?: Showable, progress?: string): void {
    if (x !== undefined) this.pending = { x, progress };
    else if (this.pending) this.pending = { ...this.pending, progress: progress ?? this.pending.progress };
    else if (this.latest) this.pending = { ...this.latest, progress: progress ?? this.latest.progress };
    this.flush(true);
  }

  async follow(source: AsyncIterable<ProbeRecord> | Iterable<ProbeRecord>, options: FollowOptions = {}): Promise<ProbeRecord[]> {
    const view = options.view ?? ((r: readonly ProbeRecord[]) => r);
    const records: ProbeRecord[] = [];
    const started = Date.now();
    for await (const r of source as AsyncIterable<ProbeRecord>) {
      records.push(r);
      this.update(view(records), recordsProgress(records, started, options.label));
    }
    this.done(view(records), recordsProgress(records, started, options.label, true));
    return records;
  }

  private flush(final: boolean): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const next = this.pending;
    this.pending = null;
    if (!next) return;
    this.latest = next;
    this.lastAt = Date.now();
    const write = displayWriter();
    if (!write && !final) {
      if (process.stderr.isTTY && next.progress) process.stderr.write(`\r${next.progress}\x1b[K`);
      return;
    }
    const bundle = mimeBundle(next.x, { ...this.options, progress: next.progress });
    if (write) {
      if (final) saveSvg(bundle, this.options, true);
      write({ data: bundle.data, metadata: bundle.metadata, transient: { display_id: this.displayId } }, this.shown);
      this.shown = true;
      return;
    }
    if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
    printText(bundle, saveSvg(bundle, this.options, false));
  }
}

/**
 * A live display: `const live = liveDisplay(); live.update(x, 'line')` draws once and then
 * replaces itself in place; `await live.follow(trace(target))` redraws the hop table and RTT
 * chart as records arrive. Outside a kernel only the final `done()` prints (progress goes to
 * a terminal's stderr line).
 */
export function liveDisplay(options: LiveDisplayOptions = {}): LiveDisplay {
  return new Live(options);
}
