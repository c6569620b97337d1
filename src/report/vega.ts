/**
 * Plots: Vega-Lite specifications compiled by vega-lite and rendered to SVG by vega in Node (no canvas,
 * no browser, no network: the data travels inline), so a report is one self-contained HTML file.
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** Above this many points a scatter plot shows density (binned counts) instead of one mark per child. */
export const DENSE_POINTS = 4000;

/** Width and height of a chart's plotting area, in pixels. */
export const CHART = { width: 520, height: 230 } as const;

/** Colours shared by every view: the best, the Pareto front, the highlighted ancestry, muted marks. */
export const COLOURS = { best: '#1f5fa8', front: '#c0392b', muted: '#9aa5b1', band: '#c9d9ee', band2: '#9dbbe0' } as const;

const CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  background: 'white',
  view: { stroke: '#dddddd' },
  axis: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', gridColor: '#eeeeee' },
  legend: { labelFontSize: 11, titleFontSize: 11, orient: 'right', labelLimit: 260 },
  title: { fontSize: 13, anchor: 'start', fontWeight: 'bold' },
} as const;

/** A Vega-Lite specification (the subset of shapes our views build). */
export type ChartSpec = TopLevelSpec;

/** Renders a Vega-Lite specification to an SVG document. */
export async function renderChart(spec: ChartSpec): Promise<string> {
  const compiled = compile({ ...spec, config: { ...CONFIG, ...(spec as { config?: object }).config } } as TopLevelSpec).spec;
  const view = new View(parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * An SVG ready to sit inside an HTML page next to others: without its XML prolog and comments, every
 * `id` (and each reference to it) prefixed with `key` (unique in the page) so that two drawings never
 * share one; `label` is what a screen reader says.
 */
export function inlineSvg(svg: string, key: string, label: string): string {
  const prefix = `${key}-`;
  const body = svg.replace(/<\?xml[^>]*>\s*/, '').replace(/<!DOCTYPE[^>]*>\s*/, '').replace(/<!--[\s\S]*?-->\s*/g, '');
  const prefixed = body
    .replace(/\bid="([^"]+)"/g, `id="${prefix}$1"`)
    .replace(/url\(#([^)]+)\)/g, `url(#${prefix}$1)`)
    .replace(/href="#([^"]+)"/g, `href="#${prefix}$1"`);
  return prefixed.replace(/^<svg\b/, `<svg role="img" aria-label="${label.replace(/[&"<>]/g, ' ')}"`);
}
