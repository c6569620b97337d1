/**
 * `nas report`: one self-contained HTML file about one or more runs (inline SVG drawings and style, no
 * script, nothing loaded from anywhere), built from the run directories alone and never writing to them.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import { NasError } from '../core/errors.ts';
import { writeFileAtomic } from '../store/atomic.ts';
import { compareRuns } from './charts-compare.ts';
import { esc, page, sectionsHtml } from './html.ts';
import { loadRunData, type RunData } from './run-data.ts';
import { runSections } from './sections.ts';

/** Labels that tell runs apart: base names, or paths relative to the working directory where two share one. */
export function runLabels(runs: readonly RunData[]): string[] {
  const names = runs.map((r) => r.label);
  return runs.map((r, i) => (names.indexOf(names[i]) !== names.lastIndexOf(names[i]) ? relative(process.cwd(), r.dir) || r.label : r.label));
}

/** The page body for runs already read; `script` and `csp` come from the dashboard. */
export async function reportBody(runs: readonly RunData[]): Promise<{ title: string; subtitle: string; body: string }> {
  if (runs.length === 1) {
    const r = runs[0];
    const { nav, body } = sectionsHtml(await runSections(r));
    return { title: `nas report: ${r.label}`, subtitle: `${esc(r.config.strategy)} on ${esc(r.config.space)}, seed ${r.config.seed}`, body: `${nav}\n${body}` };
  }
  const labels = runLabels(runs);
  const articles: string[] = [];
  for (const [i, r] of runs.entries()) {
    const { nav, body } = sectionsHtml(await runSections(r, `r${i + 1}-`));
    articles.push(`<article id="r${i + 1}"><details open><summary>${esc(labels[i])}: ${esc(r.config.strategy)} on ${esc(r.config.space)}, seed ${r.config.seed}</summary>${nav}\n${body}</details></article>`);
  }
  const compare = `<section id="compare"><h2>All runs</h2>\n${await compareRuns(runs, labels)}\n</section>`;
  return { title: `nas report: ${runs.length} runs`, subtitle: labels.map(esc).join(', '), body: `${compare}\n${articles.join('\n')}` };
}

/** Options of {@link writeReport}. */
export interface ReportOptions {
  /** Run directories, in the order to show them. At least one. */
  runDirs: readonly string[];
  /** The HTML file to write (atomically). */
  out: string;
}

/** What {@link writeReport} wrote. */
export interface ReportSummary {
  out: string;
  bytes: number;
  runs: number;
  /** Milliseconds to read the runs and build the page. */
  buildMs: number;
}

/** The report of `runDirs` as one HTML document. */
export async function buildReport(runDirs: readonly string[]): Promise<string> {
  if (runDirs.length === 0) throw new NasError('name at least one run directory to report on');
  const runs = runDirs.map((d) => loadRunData(d));
  const { title, subtitle, body } = await reportBody(runs);
  return page({ title, subtitle, body });
}

/** Builds the report of `o.runDirs` and writes it to `o.out`. */
export async function writeReport(o: ReportOptions): Promise<ReportSummary> {
  const started = performance.now();
  const html = await buildReport(o.runDirs);
  const out = resolve(o.out);
  const inside = o.runDirs.find((d) => {
    const rel = relative(resolve(d), out);
    return !rel.startsWith('..') && !isAbsolute(rel);
  });
  if (inside !== undefined) throw new NasError(`refusing to write the report inside the run directory ${inside} (a report never writes to a run); choose another --out`);
  writeFileAtomic(out, html);
  return { out, bytes: Buffer.byteLength(html), runs: o.runDirs.length, buildMs: performance.now() - started };
}
