/**
 * Several runs side by side: best-so-far curves overlaid, and runs that differ only by seed grouped as
 * mean and spread (as the NAS-Bench-201 benchmark compares strategies).
 */
import { bestSoFar, seedGroups } from './analysis.ts';
import { esc, figure, num, table } from './html.ts';
import { runCounts } from './sections.ts';
import type { RunData } from './run-data.ts';
import { CHART, inlineSvg, renderChart, type ChartSpec } from './vega.ts';

/** What a run is, without its seed: `aging on nas-bench-201 {"population":10,"sample":3}`. */
export function groupLabel(run: RunData): string {
  const c = run.config;
  return `${c.strategy} on ${c.space} ${JSON.stringify(c.strategyOptions)}`;
}

/**
 * The comparison section's HTML: overlay, seed groups (when some group has two runs or more), and a
 * table of runs whose names link to `hrefs` (default: the run's article in the same page).
 */
export async function compareRuns(runs: readonly RunData[], labels: readonly string[], hrefs?: readonly string[]): Promise<string> {
  // One overlay per objective: scores of different objectives do not share an axis.
  const objective = (r: RunData): string => `${r.config.evaluator}${r.config.metric ? ` ${r.config.metric}` : ''}`;
  const objectives = [...new Set(runs.map(objective))];
  const parts: string[] = [];
  for (const [k, obj] of objectives.entries()) {
    const members = runs.map((r, i) => [r, labels[i]] as const).filter(([r]) => objective(r) === obj);
    const values = members.flatMap(([r, label]) => bestSoFar(r).map((p) => ({ run: label, evaluation: p.evaluation, best: p.best })));
    const overlay: ChartSpec = {
      width: CHART.width + 80, height: CHART.height + 40, title: `Best so far, every run${objectives.length > 1 ? ` on ${obj}` : ''}`, data: { values },
      mark: { type: 'line', interpolate: 'step-after', strokeWidth: 1.6 },
      encoding: {
        x: { field: 'evaluation', type: 'quantitative', title: 'evaluations', axis: { tickMinStep: 1, format: ',d' } }, y: { field: 'best', type: 'quantitative', title: members[0][0].config.metric ?? 'score', scale: { zero: false } },
        color: { field: 'run', type: 'nominal', title: 'run', scale: { scheme: 'tableau10' } },
      },
    };
    parts.push(figure(inlineSvg(await renderChart(overlay), `cmp-overlay-${k}`, 'best so far of every run'), `${members.length} run${members.length === 1 ? '' : 's'} on ${esc(obj)}.`));
  }
  const groups = seedGroups(runs, groupLabel).filter((g) => g.runs.length > 1);
  if (groups.length > 0) {
    const metric = [...new Set(groups.map((g) => g.runs[0].config.metric ?? 'score'))].join(' / ');
    const rows = groups.flatMap((g) => g.curve.map((p) => ({ group: `${g.label} (${g.runs.length} seeds)`, ...p, lo: p.mean - p.std, hi: p.mean + p.std })));
    const x = { field: 'evaluation', type: 'quantitative', title: 'evaluations', axis: { tickMinStep: 1, format: ',d' } } as const;
    const colour = { field: 'group', type: 'nominal', title: 'runs that differ only by seed', scale: { scheme: 'tableau10' }, legend: { orient: 'bottom', direction: 'vertical', labelLimit: 600, titleLimit: 600 } } as const;
    const spec: ChartSpec = {
      width: CHART.width + 80, height: CHART.height + 40, title: 'Mean and spread over seeds', data: { values: rows },
      layer: [
        { mark: { type: 'area', opacity: 0.12 }, encoding: { x, y: { field: 'min', type: 'quantitative', title: metric, scale: { zero: false } }, y2: { field: 'max' }, color: colour } },
        { mark: { type: 'area', opacity: 0.28 }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' }, color: colour } },
        { mark: { type: 'line', strokeWidth: 2 }, encoding: { x, y: { field: 'mean', type: 'quantitative' }, color: colour } },
      ],
    };
    parts.push(figure(inlineSvg(await renderChart(spec), 'cmp-groups', 'mean and spread over seeds'),
      'Runs that differ only by seed, grouped. Line: the mean over seeds of the best score after each evaluation (up to the shortest run of the group); dark band: mean plus and minus one standard deviation; light band: lowest to highest.'));
    const t = groups.map((g) => {
      const last = g.curve[g.curve.length - 1];
      return [esc(g.label), String(g.runs.length), String(g.curve.length), last ? `${num(last.mean)} ± ${num(last.std)}` : '-'];
    });
    parts.push(table(['runs', 'seeds', 'evaluations (shortest run)', `best ${metric} (mean ± std)`], t, 'groups'));
  }
  const rows = runs.map((r, i) => {
    const n = runCounts(r);
    return [`<a href="${esc(hrefs?.[i] ?? `#r${i + 1}`)}">${esc(labels[i])}</a>`, esc(r.config.strategy), esc(r.config.space), String(r.config.seed), `${n.evaluated} / ${r.config.budget}`, num(r.best?.score), num(r.best?.report)];
  });
  parts.push(table(['run', 'strategy', 'space', 'seed', 'evaluations', 'best', 'report of best'], rows, 'runs'));
  return `<div class="grid">${parts.join('\n')}</div>`;
}
