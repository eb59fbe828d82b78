/** Helpers of the chart tests that draw a spec and read what it drew. */
import assert from 'node:assert/strict';
import { compileSpec, toSvgSync, type VegaLiteSpec } from '../../../lib/chart';

export type Layer = { data?: { values: Record<string, unknown>[] }; layer?: Layer[]; mark?: { type: string; limit?: number } };

export const unescapeSvg = (svg: string) => svg.replace(/&amp;/g, '&').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)));

/** Compiles without a vega-lite warning and renders without a vega warning; the SVG, unescaped. */
export function drawClean(spec: VegaLiteSpec): string {
  const warnings: string[] = [];
  compileSpec(spec, warnings);
  const svg = toSvgSync(spec, { warnings });
  assert.deepEqual(warnings, [], `warnings for ${JSON.stringify(spec.title)}`);
  assert.match(svg, /^<svg /);
  return unescapeSvg(svg);
}

export const subtitleOf = (spec: VegaLiteSpec) => (spec.title as { subtitle: string[] }).subtitle.join('\n');

/** Every layer, nested ones included. */
export function allLayers(spec: VegaLiteSpec): Layer[] {
  const out: Layer[] = [];
  const visit = (ls: Layer[] | undefined): void => ls?.forEach((l) => (out.push(l), visit(l.layer)));
  visit(spec.layer as Layer[]);
  return out;
}
