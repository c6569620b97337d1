/**
 * Hyperband, successive halving and BOHB: the rungs (fidelities) and the promotions between them.
 */
import { fidelityOf, rungs } from './analysis.ts';
import { count, figure, num, table } from './html.ts';
import type { RunData } from './run-data.ts';
import { CHART, COLOURS, inlineSvg, renderChart, type ChartSpec } from './vega.ts';

/** Score against fidelity with each promotion drawn from its rung to the next, and a table of rungs; undefined without fidelities. */
export async function rungViews(run: RunData, key: string): Promise<string | undefined> {
  const table1 = rungs(run);
  if (table1.length === 0) return undefined;
  const points = run.children.flatMap((c) => (c.score !== undefined && fidelityOf(c) !== undefined ? [{ fidelity: fidelityOf(c) as number, score: c.score, promoted: c.parentId !== undefined ? 'promoted' : 'new' }] : []));
  const promotions = run.children.flatMap((c) => {
    const p = c.parentId !== undefined ? run.children[c.parentId] : undefined;
    const [fc, fp] = [fidelityOf(c), p ? fidelityOf(p) : undefined];
    return p && c.score !== undefined && p.score !== undefined && fc !== undefined && fp !== undefined ? [{ x: fp, y: p.score, x2: fc, y2: c.score }] : [];
  });
  const x = { field: 'fidelity', type: 'quantitative', title: 'fidelity (rung)', scale: { type: 'log' as const, base: 3, nice: false } } as const;
  const y = { field: 'score', type: 'quantitative', title: run.config.metric ?? 'score', scale: { zero: false } } as const;
  const spec: ChartSpec = {
    ...CHART, title: 'Rungs and promotions',
    layer: [
      { data: { values: promotions }, mark: { type: 'rule', color: COLOURS.best, opacity: 0.5 }, encoding: { x: { field: 'x', type: 'quantitative', scale: { type: 'log' as const, base: 3, nice: false } }, y: { field: 'y', type: 'quantitative' }, x2: { field: 'x2' }, y2: { field: 'y2' } } },
      { data: { values: points }, mark: { type: 'circle', size: 24, opacity: 0.7 }, encoding: { x, y, color: { field: 'promoted', type: 'nominal', title: null, scale: { domain: ['new', 'promoted'], range: [COLOURS.muted, COLOURS.best] } } } },
    ],
  };
  const proposed = run.children.some((c) => c.fidelity === undefined && c.proposedFidelity !== undefined);
  const caption = `Each child at the fidelity it ran at; lines join a configuration to its promotion into the next rung.${proposed ? ` This run's evaluator ignores fidelity, so the fidelities are those the strategy proposed (replayed from the journal) and a promotion is a free repeat of the first result.` : ''}`;
  const rows = table1.map((r) => [num(r.fidelity), count(r.children), count(r.promoted), num(r.best)]);
  return `<div class="figures">${figure(inlineSvg(await renderChart(spec), `${key}-rungs`, 'rungs'), caption)}${table(['fidelity', 'children', 'promoted into it', 'best score'], rows, 'rungs')}</div>`;
}
