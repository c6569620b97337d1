/**
 * The sections of one run's page, in order: summary and settings, progress, every child, lineage,
 * architectures, parameters, rungs, time and workers, the top children. A section whose data the run
 * does not have (no parents, no hyperparameters, no fidelities) is left out.
 */
import { isAbsolute, relative } from 'node:path';
import { topChildren } from './analysis.ts';
import { ancestryTable, lineageChart } from './charts-lineage.ts';
import { choicesOverTime, notationHtml, populationTable, topCells } from './charts-arch.ts';
import { failures, scoreAgainstCost } from './charts-children.ts';
import { rungViews } from './charts-fidelity.ts';
import { hparamViews } from './charts-hparams.ts';
import { bestAgainstEvaluations, bestAgainstTime, scoreDistribution } from './charts-progress.ts';
import { childTimes, workerUse } from './charts-time.ts';
import { count, esc, num, table, type Section } from './html.ts';
import type { RunData } from './run-data.ts';
import { isMultiFidelity } from '../run/fidelity.ts';


/** Counts of a run's children by what happened to them. */
export function runCounts(run: RunData): { evaluated: number; children: number; duplicates: number; failed: number; rejected: number; inFlight: number } {
  const originals = run.children.filter((c) => c.duplicateOf === undefined);
  return {
    evaluated: run.evaluated.length + originals.filter((c) => c.state === 'failed' && c.failure !== 'rejected').length,
    children: run.children.length, duplicates: run.children.length - originals.length,
    failed: originals.filter((c) => c.state === 'failed' && c.failure !== 'rejected').length,
    rejected: originals.filter((c) => c.failure === 'rejected').length,
    inFlight: run.children.filter((c) => c.state === 'asked' || c.state === 'running').length,
  };
}

/** A run's path as a person gave it: relative to the working directory when inside it, else absolute. */
function shownPath(dir: string): string {
  const rel = relative(process.cwd(), dir);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : dir;
}

const iso = (t: number | undefined): string => (t === undefined ? '-' : new Date(t).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'));

function summary(run: RunData): string {
  const c = run.config;
  const n = runCounts(run);
  const best = run.best;
  const rows: Array<[string, string]> = [
    ['run', `<span class="mono">${esc(shownPath(run.dir))}</span>`],
    ['strategy', `${esc(c.strategy)} ${esc(JSON.stringify(c.strategyOptions))}`],
    ['space', esc(c.space)], ['evaluator', `${esc(c.evaluator)}${c.metric ? `, metric ${esc(c.metric)}` : ''}${c.report ? `, report ${esc(c.report)}` : ''}`],
    ['seed', `<span class="seed">${c.seed}</span>`], ['workers', String(c.workers)],
    ['progress', `<span class="evaluations">${n.evaluated}</span> of ${c.budget} evaluations; ${count(n.children)} children, ${count(n.duplicates)} duplicates, ${n.failed} failed, ${n.rejected} rejected, ${n.inFlight} in flight; resumed ${run.resumes} time(s)`],
    ['events', `${iso(run.firstEventAt)} to ${iso(run.lastEventAt)}`],
    ['best', best ? `child #<span class="best-id">${best.id}</span>, ${esc(c.metric ?? 'score')} <span class="best-score">${num(best.score)}</span>${best.report !== undefined ? `, report <span class="best-report">${num(best.report)}</span>` : ''}<br>${notationHtml(best.config)}` : 'none yet'],
  ];
  const notes = run.notes.map((t) => `<p class="note">${esc(t)}</p>`).join('');
  const settings = `<details><summary>Settings (config.json)</summary><pre class="mono">${esc(JSON.stringify(c, null, 2))}</pre></details>`;
  return `${table(['', ''], rows.map(([k, v]) => [esc(k), v]), 'kv')}${notes}${settings}`;
}

function topTable(run: RunData, n = 10): string {
  const top = topChildren(run, n);
  if (top.length === 0) return '<p>No child has finished yet.</p>';
  const rows = top.map((c) => [
    `#${c.id}`, num(c.score), num(c.report), count(c.params), count(c.madds), c.metrics?.trainSeconds !== undefined ? num(c.metrics.trainSeconds, 1) : '-', notationHtml(c.config),
  ]);
  return table(['child', run.config.metric ?? 'score', 'report', 'params', 'madds', 'train s', 'architecture / configuration'], rows, 'top');
}

const join = (parts: Array<string | undefined>): string => parts.filter((p): p is string => p !== undefined && p !== '').join('\n');
const grid = (parts: Array<string | undefined>): string => `<div class="grid">${join(parts)}</div>`;

/** Every section of one run's page; `prefix` keeps anchors and drawing ids unique when a page shows several runs. */
export async function runSections(run: RunData, prefix = ''): Promise<Section[]> {
  const id = (name: string): string => `${prefix}${name}`;
  const k = prefix || 'r';
  const sections: Section[] = [{ id: id('summary'), title: 'Summary', html: summary(run) }];
  if (run.evaluated.length === 0) return [...sections, { id: id('top'), title: 'Top children', html: '<p>No child has finished yet.</p>' }];
  sections.push({ id: id('progress'), title: 'Progress', html: grid([await bestAgainstEvaluations(run, k), await bestAgainstTime(run, k), await scoreDistribution(run, k)]) });
  sections.push({ id: id('children'), title: 'Every child', html: grid([await scoreAgainstCost(run, 'params', k), await scoreAgainstCost(run, 'madds', k), await failures(run, k)]) });
  if (!isMultiFidelity(run.config.strategy)) {
    const lineage = await lineageChart(run, k);
    if (lineage) sections.push({ id: id('lineage'), title: 'Lineage', html: join([lineage, ancestryTable(run)]) });
  }
  const arch = join([await topCells(run, k), populationTable(run), await choicesOverTime(run, k)]);
  if (arch) sections.push({ id: id('architectures'), title: 'Architectures', html: arch });
  const hp = await hparamViews(run, k);
  if (hp) sections.push({ id: id('parameters'), title: 'Parameters', html: hp });
  const r = await rungViews(run, k);
  if (r) sections.push({ id: id('rungs'), title: 'Rungs and promotions', html: r });
  const time = grid([await childTimes(run, k), await workerUse(run, k)]);
  sections.push({ id: id('time'), title: 'Time and workers', html: time });
  sections.push({ id: id('top'), title: 'Top children', html: topTable(run) });
  return sections;
}
