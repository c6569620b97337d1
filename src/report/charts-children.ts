/**
 * Every child at once: score against parameters and against multiply-adds with the Pareto front
 * marked, and the children that failed or were rejected, by reason.
 */
import { failuresByReason, paretoFront } from './analysis.ts';
import { count, esc, figure, table } from './html.ts';
import type { RunData } from './run-data.ts';
import { CHART, COLOURS, DENSE_POINTS, inlineSvg, renderChart, type ChartSpec } from './vega.ts';

const TITLES = { params: 'parameters', madds: 'multiply-adds per image' } as const;

/** Score against a cost (parameters or multiply-adds), the Pareto front (highest score for its cost) in red. */
export async function scoreAgainstCost(run: RunData, cost: 'params' | 'madds', key: string): Promise<string | undefined> {
  const children = run.evaluated.filter((c) => c[cost] !== undefined);
  if (children.length === 0) return undefined;
  const front = paretoFront(run.evaluated, cost);
  const costs = children.map((c) => c[cost] as number);
  const log = Math.min(...costs) > 0 && Math.max(...costs) / Math.min(...costs) > 50;
  const dense = children.length > DENSE_POINTS;
  // Density bins are linear, so a dense plot on a log axis bins log10 of the cost instead.
  const binLog = dense && log;
  const at = (c: (typeof children)[number]): { at: number; score: number } => ({ at: binLog ? Math.log10(c[cost] as number) : (c[cost] as number), score: c.score as number });
  const x = {
    field: 'at', type: 'quantitative', title: binLog ? `log10 ${TITLES[cost]}` : TITLES[cost],
    scale: log && !binLog ? { type: 'log' as const } : { zero: false }, axis: { format: binLog ? '.1f' : '~s' },
  } as const;
  const y = { field: 'score', type: 'quantitative', title: run.config.metric ?? 'score', scale: { zero: false } } as const;
  const points = children.map(at);
  const line = front.map(at);
  const spec: ChartSpec = {
    ...CHART, title: `Score against ${TITLES[cost]}`,
    layer: [
      dense
        ? {
          data: { values: points }, mark: { type: 'rect' },
          encoding: { x: { ...x, bin: { maxbins: 60 } }, y: { ...y, bin: { maxbins: 40 } }, color: { aggregate: 'count', type: 'quantitative', title: 'children', scale: { scheme: 'greys' } } },
        }
        : { data: { values: points }, mark: { type: 'circle', size: 14, color: COLOURS.muted, opacity: 0.6 }, encoding: { x, y } },
      { data: { values: line }, mark: { type: 'line', interpolate: 'step-after', color: COLOURS.front, strokeWidth: 1.5 }, encoding: { x, y } },
      { data: { values: line }, mark: { type: 'circle', size: 36, color: COLOURS.front }, encoding: { x, y } },
    ],
  };
  const ids = front.slice(-5).map((f) => `#${f.id}`).join(', ');
  const how = run.costNote ? ` ${esc(run.costNote[0].toUpperCase() + run.costNote.slice(1))}.` : '';
  const caption = `${children.length} children${dense ? ' (shown as density)' : ''}; red: the ${front.length} on the Pareto front (no other child scores higher with fewer ${TITLES[cost]}), the largest ${ids}${front.length > 5 ? ' and smaller ones' : ''}.${how}`;
  return figure(inlineSvg(await renderChart(spec), `${key}-${cost}`, `score against ${TITLES[cost]}`), caption);
}

/** Failures and rejections by reason: a bar chart and a table with an example message each. */
export async function failures(run: RunData, key: string): Promise<string> {
  const rows = failuresByReason(run);
  if (rows.length === 0) return '<p>No child failed or was rejected.</p>';
  const spec: ChartSpec = {
    width: 300, height: Math.max(40, 24 * rows.length), title: 'Failures and rejections by reason', data: { values: rows },
    mark: { type: 'bar', color: COLOURS.front },
    encoding: { y: { field: 'reason', type: 'nominal', sort: '-x', title: null }, x: { field: 'count', type: 'quantitative', title: 'children' } },
  };
  const t = table(['reason', 'children', 'example'], rows.map((r) => [esc(r.reason), count(r.count), esc((r.example ?? '').slice(0, 200))]), 'failures');
  return `<div class="figures">${figure(inlineSvg(await renderChart(spec), `${key}-fail`, 'failures by reason'), 'A rejected child was refused before training (too many parameters or multiply-adds); a failed one crashed, ran out of memory or time, or gave NaN.')}${t}</div>`;
}
