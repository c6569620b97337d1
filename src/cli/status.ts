/**
 * `nas status <run-dir>`: progress, the best so far, the top children and the population of a run,
 * also while it is running (reads never lock the writer). Genomes show one line per cell.
 */
import type { Argv, CommandModule } from 'yargs';
import type { AnyCommand } from './commands.ts';
import type { WorkerIdentity } from '../core/trial.ts';
import { runStatus, type ChildView, type RunStatus } from '../run/status.ts';
import { numeric } from './numeric.ts';
import { configLines } from '../report/notation.ts';

interface StatusArgs {
  'run-dir': string;
  top: number;
  json: boolean;
}

/**
 * A child: id, score and report, then its configuration one line per cell (src/report/notation.ts),
 * later cells indented under the first.
 */
function child(c: ChildView, indent: string): string {
  const score = c.score !== undefined ? c.score.toFixed(4) : '-';
  const report = c.report !== undefined ? `  report ${c.report.toFixed(4)}` : '';
  const epochs = c.stoppedAt !== undefined ? `  stopped early at epoch ${c.stoppedAt}` : c.fidelity !== undefined ? `  at ${c.fidelity}` : '';
  const head = `#${String(c.id).padEnd(5)} ${score}${report}${epochs}  `;
  const lines = configLines(c.config);
  if (lines.length === 1) return `${head}${lines[0][1]}`;
  const width = Math.max(...lines.map(([name]) => name.length));
  const pad = ' '.repeat(indent.length + head.length);
  return lines.map(([name, text], i) => `${i === 0 ? head : pad}${name.padEnd(width)} ${text}`).join('\n');
}

/** `host pid N gpu G`. */
export function whereText(where: WorkerIdentity | undefined): string {
  if (!where) return 'waiting for a worker';
  return `on ${where.host} pid ${where.pid}${where.gpu !== undefined ? ` gpu ${where.gpu}` : ''}`;
}

/** The readable report. */
export function formatStatus(s: RunStatus): string {
  const c = s.config;
  const lines = [
    `run ${s.runDir}: ${c.strategy} on ${c.space}, seed ${c.seed}, evaluator ${c.evaluator}, ${c.workers} worker(s)`,
    `progress: ${s.evaluated}/${c.budget} evaluations done, ${s.inFlight.length} in flight${s.inFlight.length ? ` (${s.inFlight.join(', ')})` : ''}; ${s.children} children, ${s.duplicates} duplicates, ${s.failed} failed, ${s.rejected} rejected; resumed ${s.resumes} time(s)`,
    ...(s.epochs > 0 || s.stoppedEarly > 0 || s.checkpoints > 0 ? [`epochs trained: ${s.epochs}; ${s.stoppedEarly} stopped early by the median rule; ${s.checkpoints} checkpoint(s) kept`] : []),
    s.lastEventAt !== undefined ? `last event: ${new Date(s.lastEventAt).toISOString()}` : 'no events yet',
    s.best ? `best: ${child(s.best, 'best: ')}` : 'best: none yet',
  ];
  if (s.running.length) lines.push('in flight:', ...s.running.map((r) => `  #${String(r.id).padEnd(5)} ${whereText(r.where)}`));
  if (s.failures.length) {
    lines.push(`last ${s.failures.length} failure(s):`, ...s.failures.map((f) => `  #${String(f.id).padEnd(5)} ${f.failure}${f.where ? ` (${whereText(f.where)})` : ''}: ${(f.error ?? '').split('\n')[0]}`));
  }
  if (s.top.length) lines.push(`top ${s.top.length}:`, ...s.top.map((t) => `  ${child(t, '  ')}`));
  if (s.population.length) lines.push(`population (${s.population.length}, oldest first):`, ...s.population.map((p) => `  ${child(p, '  ')}`));
  if (s.populationNote) lines.push(`(${s.populationNote})`);
  return `${lines.join('\n')}\n`;
}

const status: CommandModule<object, StatusArgs> = {
  command: 'status <run-dir>',
  describe: 'Show a run\'s progress, best children and population (also while it runs)',
  builder: (y: Argv) =>
    y
      .positional('run-dir', { type: 'string', demandOption: true, describe: 'the run directory' })
      .option('top', numeric('top', 'how many of the best children to list', { default: 5 }))
      .option('json', { type: 'boolean', default: false, describe: 'print one JSON object' }) as unknown as Argv<StatusArgs>,
  handler: (argv) => {
    const s = runStatus(argv['run-dir'], argv.top);
    process.stdout.write(argv.json ? `${JSON.stringify(s)}\n` : formatStatus(s));
  },
};

/** `nas status`. */
export const statusCommand: AnyCommand = status;
