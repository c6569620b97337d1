/**
 * Progress views: the best score so far against evaluations (over the population's score
 * distribution) and against wall time, and the distribution of every child's score.
 */
import { bestSoFar, populationSpread } from './analysis.ts';
import { duration, figure } from './html.ts';
import type { RunData } from './run-data.ts';
import { CHART, COLOURS, inlineSvg, renderChart, type ChartSpec } from './vega.ts';

const score = (run: RunData): string => run.config.metric ?? 'score';

/** Best so far against evaluations, with the quantiles of the recent population behind it. */
export async function bestAgainstEvaluations(run: RunData, key: string): Promise<string> {
  const best = bestSoFar(run).map((p) => ({ evaluation: p.evaluation, best: p.best }));
  const { window, spread } = populationSpread(run);
  const x = { field: 'evaluation', type: 'quantitative', title: 'evaluations', axis: { tickMinStep: 1, format: ',d' } } as const;
  const y = { type: 'quantitative', title: score(run), scale: { zero: false } } as const;
  const spec: ChartSpec = {
    ...CHART, title: 'Best so far against evaluations',
    layer: [
      { data: { values: spread }, mark: { type: 'area', color: COLOURS.band, opacity: 0.8 }, encoding: { x, y: { ...y, field: 'q10' }, y2: { field: 'q90' } } },
      { data: { values: spread }, mark: { type: 'area', color: COLOURS.band2, opacity: 0.8 }, encoding: { x, y: { ...y, field: 'q25' }, y2: { field: 'q75' } } },
      { data: { values: spread }, mark: { type: 'line', color: COLOURS.muted, strokeWidth: 1.2 }, encoding: { x, y: { ...y, field: 'median' } } },
      { data: { values: best }, mark: { type: 'line', interpolate: 'step-after', color: COLOURS.best, strokeWidth: 2.2 }, encoding: { x, y: { ...y, field: 'best' } } },
    ],
  };
  const caption = `Blue: the best ${score(run)} after each evaluation. Behind it, the scores of the last ${window} evaluated children at each point (median; 25-75% and 10-90% bands): the population's distribution over the run.`;
  return figure(inlineSvg(await renderChart(spec), `${key}-best-evals`, 'best so far against evaluations'), caption);
}

/** Best so far against wall time since the run's first event. */
export async function bestAgainstTime(run: RunData, key: string): Promise<string> {
  const points = bestSoFar(run);
  const span = points.length ? points[points.length - 1].seconds : 0;
  const [unit, div] = span > 7200 ? ['hours', 3600] : span > 120 ? ['minutes', 60] : ['seconds', 1];
  const values = points.map((p) => ({ t: p.seconds / div, best: p.best }));
  const spec: ChartSpec = {
    ...CHART, title: 'Best so far against wall time', data: { values },
    mark: { type: 'line', interpolate: 'step-after', color: COLOURS.best, strokeWidth: 2.2, point: values.length <= 200 },
    encoding: { x: { field: 't', type: 'quantitative', title: `${unit} since the run started` }, y: { field: 'best', type: 'quantitative', title: score(run), scale: { zero: false } } },
  };
  const caption = `Wall time includes the time the run was stopped before each resume (${run.resumes} resume${run.resumes === 1 ? '' : 's'}); the run spans ${duration(span)}.`;
  return figure(inlineSvg(await renderChart(spec), `${key}-best-time`, 'best so far against wall time'), caption);
}

/** Histogram of every evaluated child's score, the population at the end in front. */
export async function scoreDistribution(run: RunData, key: string): Promise<string> {
  const inPopulation = new Set(run.population.map((p) => p.id));
  const values = run.evaluated.map((c) => ({ score: c.score as number, who: inPopulation.has(c.id) ? 'population at the end' : 'other children' }));
  const spec: ChartSpec = {
    ...CHART, title: 'Scores of all children', data: { values },
    mark: { type: 'bar', opacity: 0.9 },
    encoding: {
      x: { field: 'score', type: 'quantitative', bin: { maxbins: 40 }, title: score(run) },
      y: { aggregate: 'count', type: 'quantitative', title: 'children', stack: true },
      color: { field: 'who', type: 'nominal', title: null, scale: { domain: ['other children', 'population at the end'], range: [COLOURS.muted, COLOURS.best] } },
    },
  };
  const caption = `${values.length} evaluated children${inPopulation.size ? `; the ${inPopulation.size} of the strategy's final population in blue` : ''}.`;
  return figure(inlineSvg(await renderChart(spec), `${key}-scores`, 'score distribution'), caption);
}
