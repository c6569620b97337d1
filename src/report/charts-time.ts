/**
 * Where the time went: per-child evaluation time and the workers' utilisation over the run.
 */
import { utilisation } from './analysis.ts';
import { duration, figure } from './html.ts';
import type { RunData } from './run-data.ts';
import { CHART, COLOURS, DENSE_POINTS, inlineSvg, renderChart, type ChartSpec } from './vega.ts';

/** Seconds a child took: its training time when recorded, else from start to outcome in the journal. */
function secondsOf(c: RunData['children'][number]): number | undefined {
  if (c.metrics?.trainSeconds !== undefined) return c.metrics.trainSeconds;
  if (c.seconds !== undefined) return c.seconds;
  return c.startedAt !== undefined && c.endedAt !== undefined ? (c.endedAt - c.startedAt) / 1000 : undefined;
}

/** Per-child time against evaluation order. */
export async function childTimes(run: RunData, key: string): Promise<string | undefined> {
  const values = run.children.flatMap((c) => {
    const s = secondsOf(c);
    return s === undefined || c.duplicateOf !== undefined ? [] : [{ id: c.id, seconds: s, outcome: c.state === 'failed' ? 'failed' : 'finished' }];
  });
  if (values.length === 0) return undefined;
  if (values.every((v) => v.seconds < 0.001)) return `<p>Every child took under a millisecond (${values.length} children): an evaluator that looks results up rather than training.</p>`;
  const dense = values.length > DENSE_POINTS;
  const x = { field: 'id', type: 'quantitative', title: 'child', axis: { tickMinStep: 1, format: ',d' } } as const;
  const y = { field: 'seconds', type: 'quantitative', title: 'seconds' } as const;
  const spec: ChartSpec = {
    ...CHART, title: 'Time per child', data: { values },
    ...(dense
      ? { mark: { type: 'rect' }, encoding: { x: { ...x, bin: { maxbins: 80 } }, y: { ...y, bin: { maxbins: 40 } }, color: { aggregate: 'count', type: 'quantitative', title: 'children', scale: { scheme: 'greys' } } } }
      : { mark: { type: 'circle', size: 16, opacity: 0.7 }, encoding: { x, y, color: { field: 'outcome', type: 'nominal', title: null, scale: { domain: ['finished', 'failed'], range: [COLOURS.best, COLOURS.front] } } } }),
  };
  const total = values.reduce((s, v) => s + v.seconds, 0);
  const trained = run.children.some((c) => c.metrics?.trainSeconds !== undefined);
  const caption = `${trained ? 'Training time' : 'Time from start to outcome'} of each evaluated child; ${duration(total)} in all, ${duration(total / values.length)} on average.`;
  return figure(inlineSvg(await renderChart(spec), `${key}-times`, 'time per child'), caption);
}

/** Busy share of the worker slots over time, and (in runs of moderate size) each child's span on its worker. */
export async function workerUse(run: RunData, key: string): Promise<string | undefined> {
  const busy = utilisation(run);
  const t0 = run.firstEventAt;
  const t1 = run.lastEventAt ?? t0;
  if (busy.length === 0 || t0 === undefined || t1 === undefined) return undefined;
  const span = (t1 - t0) / 1000;
  const [unit, div] = span > 7200 ? ['hours', 3600] : span > 120 ? ['minutes', 60] : ['seconds', 1];
  const line: ChartSpec = {
    ...CHART, height: 150, title: 'Worker utilisation', data: { values: busy.map((b) => ({ t: b.seconds / div, busy: b.busy })) },
    mark: { type: 'area', color: COLOURS.band2, line: { color: COLOURS.best } },
    encoding: { x: { field: 't', type: 'quantitative', title: `${unit} since the run started` }, y: { field: 'busy', type: 'quantitative', title: 'busy', scale: { domain: [0, 1] }, axis: { format: '%' } } },
  };
  const parts = [inlineSvg(await renderChart(line), `${key}-busy`, 'worker utilisation')];
  const spans = run.children.filter((c) => c.startedAt !== undefined).map((c) => ({
    worker: `worker ${c.worker ?? 0}`, a: ((c.startedAt as number) - t0) / 1000 / div, b: ((c.endedAt ?? t1) - t0) / 1000 / div,
    outcome: c.state === 'failed' ? 'failed' : c.state === 'finished' ? 'finished' : 'running',
  }));
  if (spans.length <= 2000 && run.config.workers > 1) {
    const gantt: ChartSpec = {
      ...CHART, height: Math.max(60, 22 * run.config.workers), title: 'Children on each worker', data: { values: spans },
      mark: { type: 'bar', height: 14 },
      encoding: {
        y: { field: 'worker', type: 'nominal', title: null }, x: { field: 'a', type: 'quantitative', title: `${unit} since the run started` }, x2: { field: 'b' },
        color: { field: 'outcome', type: 'nominal', title: null, scale: { domain: ['finished', 'failed', 'running'], range: [COLOURS.best, COLOURS.front, COLOURS.muted] } },
      },
    };
    parts.push(inlineSvg(await renderChart(gantt), `${key}-gantt`, 'children on each worker'));
  }
  const mean = busy.reduce((s, b) => s + b.busy, 0) / busy.length;
  return figure(`<div class="figures">${parts.join('')}</div>`, `Share of the ${run.config.workers} worker slot(s) busy evaluating a child, in ${busy.length} stretches of the run's wall time; ${(100 * mean).toFixed(0)}% on average (time stopped between a kill and a resume counts as idle).`);
}
