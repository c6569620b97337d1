/**
 * Architectures: the best children's cells drawn as `nas export` draws them, the population at the end
 * in the compact notation, and which operations and connections the search favoured over time.
 */
import { genomeDiagrams } from '../genome/diagram.ts';
import { validateGenome } from '../genome/genome.ts';
import { validateLargeScaleGenome } from '../genome/large-scale.ts';
import { topChildren } from './analysis.ts';
import { choiceShares, genomePart, type ShareRow } from './choices.ts';
import { esc, figure, num, table } from './html.ts';
import { configLines } from './notation.ts';
import type { ChildRow, RunData } from './run-data.ts';
import { CHART, inlineSvg, renderChart, type ChartSpec } from './vega.ts';

/** A configuration in the compact notation, one line per cell, as HTML. */
export function notationHtml(config: unknown): string {
  const lines = configLines(config);
  if (lines.length === 1) return `<span class="mono">${esc(lines[0][1])}</span>`;
  return lines.map(([name, text]) => `<span class="mono">${esc(name)}: ${esc(text)}</span>`).join('<br>');
}

/** The diagrams of one child (empty when its configuration holds no genome we draw). */
async function diagramsOf(c: ChildRow, key: string): Promise<string[]> {
  const g = genomePart(c.config);
  if (g.kind !== 'nasnet' && g.kind !== 'nb201' && g.kind !== 'large-scale') return [];
  const genome = g.kind === 'large-scale' ? validateLargeScaleGenome(g) : validateGenome(g);
  const files = await genomeDiagrams(genome);
  return Object.entries(files).map(([file, svg], i) => inlineSvg(svg, `${key}-c${c.id}-${i}`, `child ${c.id} ${file}`));
}

/** The cells of the `n` best children, each with its id, score and notation. */
export async function topCells(run: RunData, key: string, n = 3): Promise<string | undefined> {
  const top = topChildren(run, n);
  const blocks: string[] = [];
  for (const [rank, c] of top.entries()) {
    const svgs = await diagramsOf(c, key);
    if (svgs.length === 0) return undefined;
    const caption = `${rank === 0 ? 'Best' : `#${rank + 1}`}: child #${c.id}, ${run.config.metric ?? 'score'} ${num(c.score)}${c.report !== undefined ? `, report ${num(c.report)}` : ''}<br>${notationHtml(c.config)}`;
    blocks.push(figure(`<div class="figures">${svgs.join('')}</div>`, caption, 'cell'));
  }
  return `<div class="figures cells">${blocks.join('')}</div>`;
}

/** The strategy's population at the end, best first, in the compact notation. */
export function populationTable(run: RunData): string {
  if (run.population.length === 0) return '';
  const rows = [...run.population].sort((a, b) => b.score - a.score || a.id - b.id).map((p) => [`#${p.id}`, num(p.score), notationHtml(run.children[p.id]?.config)]);
  return `<h3>Population at the end (${run.population.length}, best first)</h3><div class="scroll">${table(['child', run.config.metric ?? 'score', 'architecture'], rows, 'population')}</div>`;
}

/** A share-over-time chart of one group: stacked areas when the shares sum to one, else lines. */
async function shareChart(rows: ShareRow[], title: string, stacked: boolean, key: string): Promise<string> {
  const spec: ChartSpec = {
    width: CHART.width, height: 180, title, data: { values: rows },
    mark: stacked ? { type: 'area', opacity: 0.9 } : { type: 'line', strokeWidth: 1.8 },
    encoding: {
      x: { field: 'evaluation', type: 'quantitative', title: 'evaluations', axis: { tickMinStep: 1, format: ',d' } },
      y: { field: 'value', type: 'quantitative', title: stacked ? 'share' : 'value', ...(stacked ? { stack: 'normalize' as const, axis: { format: '%' } } : {}) },
      color: { field: 'key', type: 'nominal', title: null, scale: { scheme: 'tableau10' } },
    },
  };
  return inlineSvg(await renderChart(spec), key, title);
}

/** Operations and connections favoured over time, one chart per cell kind. */
export async function choicesOverTime(run: RunData, key: string): Promise<string | undefined> {
  const shares = choiceShares(run);
  if (!shares) return undefined;
  const groups = [...new Set(shares.ops.map((r) => r.group))];
  const charts: string[] = [];
  for (const g of groups) {
    charts.push(await shareChart(shares.ops.filter((r) => r.group === g), `Operations (${g})`, true, `${key}-ops-${g}`));
    const links = shares.connections.filter((r) => r.group === g);
    if (links.length) charts.push(await shareChart(links, `Connections (${g})`, g !== 'cell' && g !== 'network', `${key}-links-${g}`));
  }
  const caption = `In stretches of ${shares.stretch} evaluated children, in the order they were evaluated. Operations: share of each among the choices made. Connections: ${esc(shares.connectionMeaning)}.`;
  return figure(`<div class="figures">${charts.join('')}</div>`, caption);
}
