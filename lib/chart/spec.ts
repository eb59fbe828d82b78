/**
 * Vega-Lite 5 specs as plain JSON objects. The builders in this folder are pure functions
 * from records / analysis results to specs; nothing here loads vega or vega-lite.
 */
export const VEGA_LITE_SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

/**
 * A Vega-Lite 5 top-level spec with its data inlined (`data.values` or per-layer values).
 * Kept as a plain JSON type so importing hopscope does not pull vega-lite's types into every
 * notebook cell; the unit tests compile every builder's output with vega-lite and fail on
 * any warning.
 */
export interface VegaLiteSpec {
  $schema: string;
  title?: string | { text: string | string[]; subtitle?: string | string[]; [key: string]: unknown };
  description?: string;
  [key: string]: unknown;
}

/** Is this a Vega-Lite 5 spec (as built here, or by hand with the v5 `$schema`)? */
export function isVegaLiteSpec(x: unknown): x is VegaLiteSpec {
  return typeof x === 'object' && x !== null && typeof (x as { $schema?: unknown }).$schema === 'string' && /vega-lite\/v5/.test((x as { $schema: string }).$schema);
}

/** Sizes shared by the builders (pixels of the plot area). */
export interface ChartSize {
  width?: number;
  height?: number;
}

export interface ChartOptions extends ChartSize {
  /** Replaces the default title. */
  title?: string;
  /** Replaces the default subtitle (the lines that say how to read the chart). */
  subtitle?: string | string[];
}

/** Fonts pinned to families every renderer here has (DejaVu on Debian), generic last. */
export const CHART_FONT = 'DejaVu Sans, Verdana, Arial, sans-serif';

const CONFIG = {
  font: CHART_FONT,
  background: 'white',
  padding: 8,
  title: { fontSize: 15, subtitleFontSize: 11, subtitleColor: '#555', anchor: 'start', offset: 10 },
  axis: { titleFontSize: 12, labelFontSize: 11, titleFontWeight: 'normal', titleColor: '#222', gridColor: '#e6e6e6' },
  legend: { titleFontSize: 12, labelFontSize: 11, titleFontWeight: 'normal', labelLimit: 260 },
  view: { stroke: '#cccccc' },
} as const;

/** Wraps a chart body into a top-level spec with title, subtitle, size and the shared look. */
export function topLevel(
  body: Record<string, unknown>,
  defaults: { title: string; subtitle: string | string[]; description: string; width: number | null; height: number | null },
  options: ChartOptions = {},
): VegaLiteSpec {
  return {
    $schema: VEGA_LITE_SCHEMA,
    title: { text: options.title ?? defaults.title, subtitle: options.subtitle ?? defaults.subtitle },
    description: defaults.description,
    ...(defaults.width === null ? {} : { width: options.width ?? defaults.width }),
    ...(defaults.height === null ? {} : { height: options.height ?? defaults.height }),
    config: CONFIG,
    ...body,
  };
}

/** The chart's title text (first line), for text/plain stand-ins. */
export function specTitle(spec: VegaLiteSpec): string {
  const t = spec.title;
  if (t === undefined) return spec.description ?? 'chart';
  if (typeof t === 'string') return t;
  return Array.isArray(t.text) ? t.text.join(' ') : t.text;
}

/** A copy of the spec with `line` added under its subtitle (progress lines of live displays). */
export function withSubtitleLine(spec: VegaLiteSpec, line: string): VegaLiteSpec {
  const t = spec.title;
  const title = typeof t === 'object' && t !== null ? t : { text: t ?? '' };
  const sub = title.subtitle === undefined ? [] : Array.isArray(title.subtitle) ? title.subtitle : [title.subtitle];
  return { ...spec, title: { ...title, subtitle: [...sub, line] } };
}

/** Number of data rows a spec carries inline (top-level and layers). */
export function specRowCount(spec: VegaLiteSpec): number {
  let n = 0;
  const visit = (node: unknown) => {
    if (typeof node !== 'object' || node === null) return;
    const data = (node as { data?: { values?: unknown } }).data;
    if (data && Array.isArray(data.values)) n += data.values.length;
    for (const key of ['layer', 'hconcat', 'vconcat', 'concat']) {
      const kids = (node as Record<string, unknown>)[key];
      if (Array.isArray(kids)) kids.forEach(visit);
    }
  };
  visit(spec);
  return n;
}

/** Formats an RTT in ms with a resolution that suits its size. */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '';
  if (ms < 10) return ms.toFixed(3);
  if (ms < 100) return ms.toFixed(2);
  return ms.toFixed(1);
}

/** Tooltip entries from [field, title, d3 format?] triples. */
export function tooltipFields(entries: readonly (readonly [field: string, title: string, format?: string])[]): { field: string; title: string; format?: string }[] {
  return entries.map(([field, title, format]) => (format === undefined ? { field, title } : { field, title, format }));
}

/** Integer ticks for TTL / hop axes. */
export const TTL_AXIS = { title: 'hop (probe TTL)', tickMinStep: 1, format: 'd' } as const;
