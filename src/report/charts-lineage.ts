/**
 * Evolution's lineage: every child linked to its parent, coloured by the mutation applied, the best
 * child's ancestry highlighted; and that ancestry as a table, one mutation per step.
 */
import { ancestry, topChildren } from './analysis.ts';
import { esc, figure, num, table } from './html.ts';
import type { ChildRow, RunData } from './run-data.ts';
import { CHART, COLOURS, DENSE_POINTS, inlineSvg, renderChart, type ChartSpec } from './vega.ts';

/**
 * The colour group of a child's mutation (its first change): for a NAS-Bench-201 edge or a NASNet op,
 * the op it brought in (`-> nor_conv_3x3`), so the chart shows which changes paid off; else the kind.
 */
function kindOf(c: ChildRow): string {
  const first = c.change?.[0];
  if (!first) return 'other';
  if (first.kind === 'edge' || first.kind === 'op') return `${first.kind} ${/-> (\S+)/.exec(first.text)?.[0] ?? ''}`.trim();
  return first.kind;
}

/** Parent-to-child links of the children drawn (all of them, or the top children's ancestries in a large run). */
function links(run: RunData): { rows: Array<{ x: number; y: number; x2: number; y2: number; mutation: string }>; all: boolean } {
  const scored = (c: ChildRow | undefined): c is ChildRow => c !== undefined && c.score !== undefined;
  const all = run.evaluated.length <= DENSE_POINTS;
  const chosen = all ? run.evaluated : [...new Map(topChildren(run, 20).flatMap((t) => ancestry(run, t.id)).map((c) => [c.id, c])).values()];
  const rows = chosen.flatMap((c) => {
    const p = c.parentId !== undefined ? run.children[c.parentId] : undefined;
    return scored(p) && scored(c) ? [{ x: p.id, y: p.score as number, x2: c.id, y2: c.score as number, mutation: kindOf(c) }] : [];
  });
  return { rows, all };
}

/** The lineage chart, or undefined when no child has a parent. */
export async function lineageChart(run: RunData, key: string): Promise<string | undefined> {
  if (!run.best || !run.children.some((c) => c.parentId !== undefined)) return undefined;
  const { rows, all } = links(run);
  const line = ancestry(run, run.best.id).filter((c) => c.score !== undefined).map((c) => ({ id: c.id, score: c.score as number }));
  const points = run.evaluated.map((c) => ({ id: c.id, score: c.score as number }));
  const x = { field: 'id', type: 'quantitative', title: 'child (in the order asked)', axis: { tickMinStep: 1, format: ',d' } } as const;
  const y = { field: 'score', type: 'quantitative', title: run.config.metric ?? 'score', scale: { zero: false } } as const;
  const dense = points.length > DENSE_POINTS;
  const spec: ChartSpec = {
    width: CHART.width + 120, height: CHART.height + 60, title: 'Lineage: parent to child',
    layer: [
      dense
        ? { data: { values: points }, mark: { type: 'rect' }, encoding: { x: { ...x, bin: { maxbins: 80 } }, y: { ...y, bin: { maxbins: 40 } }, color: { aggregate: 'count', type: 'quantitative', title: 'children', scale: { scheme: 'greys' }, legend: null } } }
        : { data: { values: points }, mark: { type: 'circle', size: 10, color: COLOURS.muted, opacity: 0.5 }, encoding: { x, y } },
      {
        data: { values: rows }, mark: { type: 'rule', strokeWidth: 0.8, opacity: 0.55 },
        encoding: { x: { field: 'x', type: 'quantitative' }, y: { field: 'y', type: 'quantitative' }, x2: { field: 'x2' }, y2: { field: 'y2' }, color: { field: 'mutation', type: 'nominal', title: 'mutation', scale: { scheme: 'tableau10' } } },
      },
      { data: { values: line }, mark: { type: 'line', color: COLOURS.front, strokeWidth: 2.2 }, encoding: { x, y } },
      { data: { values: line }, mark: { type: 'circle', size: 30, color: COLOURS.front }, encoding: { x, y } },
    ],
  };
  const caption = `Each line joins a parent to its child, coloured by what the mutation changed${all ? '' : ` (in this large run, only the ancestries of the 20 best children; every child is in the density behind)`}. Red: the ancestry of the best child, #${run.best.id}, ${line.length} generations.`;
  return figure(inlineSvg(await renderChart(spec), `${key}-lineage`, 'lineage'), caption);
}

/** The best child's ancestry, one row per generation with the mutation that made it. */
export function ancestryTable(run: RunData): string {
  if (!run.best) return '';
  const chain = ancestry(run, run.best.id);
  if (chain.length < 2) return '';
  const rows = chain.map((c) => [
    `#${c.id}`, c.parentId !== undefined ? `#${c.parentId}` : '-', num(c.score),
    esc(c.change ? c.change.map((ch) => ch.text).join('; ') : c.parentId === undefined ? 'random (first population)' : '-'),
  ]);
  return `<h3>Ancestry of the best child #${run.best.id}</h3><div class="scroll">${table(['child', 'parent', run.config.metric ?? 'score', 'mutation applied'], rows, 'ancestry')}</div>`;
}
