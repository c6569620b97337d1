/**
 * Hyperparameter and joint spaces: each parameter against the score, and a parameter importance.
 */
import { importance, parameters, type Parameter } from './choices.ts';
import { esc, figure } from './html.ts';
import type { RunData } from './run-data.ts';
import { COLOURS, DENSE_POINTS, inlineSvg, renderChart, type ChartSpec } from './vega.ts';

/** At most this many parameters get a chart of their own (the most important ones). */
const MAX_PARAMETER_CHARTS = 12;

async function parameterChart(run: RunData, p: Parameter, key: string): Promise<string> {
  const values = run.evaluated.flatMap((c, i) => (p.values[i] === undefined ? [] : [{ v: p.values[i], score: c.score as number }]));
  const y = { field: 'score', type: 'quantitative', title: run.config.metric ?? 'score', scale: { zero: false } } as const;
  const spec: ChartSpec = p.kind === 'numeric' && values.length > DENSE_POINTS
    ? {
      width: 250, height: 170, title: p.name, data: { values: values.map((v) => ({ v: p.log ? Math.log10(v.v as number) : v.v, score: v.score })) },
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'v', type: 'quantitative', title: p.log ? `log10 ${p.name}` : p.name, bin: { maxbins: 40 } }, y: { ...y, bin: { maxbins: 30 } },
        color: { aggregate: 'count', type: 'quantitative', title: 'children', scale: { scheme: 'blues' }, legend: null },
      },
    }
    : p.kind === 'numeric'
    ? {
      width: 250, height: 170, title: p.name, data: { values },
      mark: { type: 'circle', size: 16, color: COLOURS.best, opacity: 0.55 },
      encoding: { x: { field: 'v', type: 'quantitative', title: p.name, scale: p.log ? { type: 'log' as const } : { zero: false } }, y },
    }
    : {
      width: 250, height: 170, title: p.name, data: { values },
      mark: { type: 'boxplot', extent: 'min-max', color: COLOURS.best, size: 14 },
      encoding: { x: { field: 'v', type: 'nominal', title: p.name, axis: { labelAngle: -30 } }, y },
    };
  return inlineSvg(await renderChart(spec), key, `${p.name} against the score`);
}

/** Parameter charts and the importance bar chart, or undefined when the run searched no parameters. */
export async function hparamViews(run: RunData, key: string): Promise<string | undefined> {
  const params = parameters(run);
  if (params.length === 0 || run.evaluated.length < 2) return undefined;
  const ranked = importance(run, params);
  const spec: ChartSpec = {
    width: 300, height: Math.max(40, 20 * ranked.length), title: 'Parameter importance', data: { values: ranked },
    mark: { type: 'bar', color: COLOURS.best },
    encoding: { y: { field: 'name', type: 'nominal', sort: '-x', title: null }, x: { field: 'importance', type: 'quantitative', title: 'share of score variance explained (omega squared)', axis: { format: '%' } } },
  };
  const charts: string[] = [];
  for (const [i, r] of ranked.slice(0, MAX_PARAMETER_CHARTS).entries()) {
    charts.push(await parameterChart(run, params.find((p) => p.name === r.name) as Parameter, `${key}-hp${i}`));
  }
  const more = ranked.length > MAX_PARAMETER_CHARTS ? ` (the ${MAX_PARAMETER_CHARTS} most important of ${ranked.length})` : '';
  return [
    figure(inlineSvg(await renderChart(spec), `${key}-importance`, 'parameter importance'),
      'How much of the variance of the score each parameter explains on its own: omega squared, the between-group share of the sum of squares less what chance gives that many groups, with numeric values in 10 quantile bins and an inactive conditional parameter as a group of its own. Main effects only.'),
    figure(`<div class="figures">${charts.join('')}</div>`, `Each parameter against the score${esc(more)}; categorical parameters as box plots (min to max); above ${DENSE_POINTS} children, numeric ones as density.`),
  ].join('');
}
