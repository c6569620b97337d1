/**
 * The cost of a long run: an aging evolution (population 100, tournament 25) on the synthetic Branin
 * objective, run through the same path as `nas search` (run directory, lock, journal, snapshots every
 * 25 outcomes, the progress bar's bookkeeping; evaluations in-process, journal lines not fsynced so the
 * disk does not set the pace), and then resumed from its journal. Prints children per second over each
 * stretch (to 1k, 10k and 100k children), the JS heap (after a collection) and RSS at each, the ratio of
 * the last stretch's rate to the first, and the time and memory a resume of the whole run takes. Every
 * Branin child is a distinct point, so the one record kept per distinct evaluation (what deduplicates
 * later children) grows with the run; nothing else should.
 *
 *   nice node --expose-gc --import tsx bench/long-run.ts [--children 100000] [--seed 1]
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ProgressBar } from '../src/cli/progress.ts';
import type { RunConfig } from '../src/run/config.ts';
import { resumeRun, startRun } from '../src/run/session.ts';
import { numberArg } from './args.ts';

const children = numberArg('children', 100_000);
const seed = numberArg('seed', 1);
const marks = [1_000, 10_000, 100_000].filter((m) => m <= children);
if (!marks.includes(children)) marks.push(children);

const gc = (globalThis as { gc?: () => void }).gc;
const mib = (bytes: number): string => (bytes / 2 ** 20).toFixed(1);

function memory(): { heap: number; rss: number } {
  gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss };
}

const dir = mkdtempSync(join(tmpdir(), 'nas-long-run-'));
const runDir = join(dir, 'run');
const config: RunConfig = {
  format: 1, command: 'search', space: 'branin', strategy: 'aging', strategyOptions: { population: 100, sample: 25 },
  budget: children, seed, evaluator: 'branin', workers: 1, evaluatorOptions: {}, baseDir: process.cwd(),
};
const quiet = { isTTY: false, write: () => true } as unknown as NodeJS.WriteStream;
const bar = new ProgressBar({ budget: children, stream: quiet });
const start = memory();
const rates: number[] = [];
let last = { at: performance.now(), children: 0 };

console.log(`aging evolution (P 100, S 25) on branin, ${children} children, seed ${seed}${gc ? '' : ' (run with --expose-gc for heap figures after a collection)'}`);
console.log(`start: heap ${mib(start.heap)} MiB, RSS ${mib(start.rss)} MiB`);
console.log('\n| children | children/s over the stretch before | JS heap MiB | RSS MiB | heap bytes per child since start |');
console.log('| --- | --- | --- | --- | --- |');
await startRun(config, runDir, {
  executor: 'inline', fsync: false, log: () => undefined,
  onEvent: (event, book) => {
    bar.update(event, book);
    if (event.e !== 'finished' || !marks.includes(book.children) || book.children === last.children) return;
    const now = performance.now();
    const rate = (book.children - last.children) / ((now - last.at) / 1000);
    rates.push(rate);
    const m = memory();
    console.log(`| ${book.children.toLocaleString('en-US')} | ${Math.round(rate).toLocaleString('en-US')} | ${mib(m.heap)} | ${mib(m.rss)} | ${((m.heap - start.heap) / book.children).toFixed(0)} |`);
    last = { at: performance.now(), children: book.children };
  },
});
if (rates.length > 1) console.log(`\nrate over the last stretch / over the first: ${(rates[rates.length - 1] / rates[0]).toFixed(2)}`);
console.log(`journal: ${mib(statSync(join(runDir, 'journal.jsonl')).size)} MiB`);

const before = memory();
const t0 = performance.now();
const summary = await resumeRun(runDir, {}, { executor: 'inline', fsync: false, log: () => undefined });
const seconds = (performance.now() - t0) / 1000;
const after = process.memoryUsage();
console.log(`resume of the finished run (${summary.children} children read back from the journal): ${seconds.toFixed(1)} s, heap ${mib(before.heap)} -> ${mib(after.heapUsed)} MiB before collection, RSS ${mib(after.rss)} MiB`);
rmSync(dir, { recursive: true, force: true });
