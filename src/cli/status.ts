/**
 * `nas status <run-dir>`: progress, the best so far, the top children and the population of a run,
 * also while it is running (reads never lock the writer).
 */
import type { Argv, CommandModule } from 'yargs';
import type { AnyCommand } from './commands.ts';
import { runStatus, type ChildView, type RunStatus } from '../run/status.ts';
import { numeric } from './numeric.ts';

interface StatusArgs {
  'run-dir': string;
  top: number;
  json: boolean;
}

/** One short line for a configuration: the architecture string when it has one, else compact JSON. */
function brief(config: unknown): string {
  const arch = (config as { arch?: unknown } | null)?.arch;
  if (typeof arch === 'string') return arch;
  const text = JSON.stringify(config);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

function child(c: ChildView): string {
  const score = c.score !== undefined ? c.score.toFixed(3) : '-';
  const report = c.report !== undefined ? `  report ${c.report.toFixed(3)}` : '';
  return `#${String(c.id).padEnd(5)} ${score}${report}  ${brief(c.config)}`;
}

/** The readable report. */
export function formatStatus(s: RunStatus): string {
  const c = s.config;
  const lines = [
    `run ${s.runDir}: ${c.strategy} on ${c.space}, seed ${c.seed}, evaluator ${c.evaluator}, ${c.workers} worker(s)`,
    `progress: ${s.evaluated}/${c.budget} evaluations done, ${s.inFlight.length} in flight${s.inFlight.length ? ` (${s.inFlight.join(', ')})` : ''}; ${s.children} children, ${s.duplicates} duplicates, ${s.failed} failed, ${s.rejected} rejected; resumed ${s.resumes} time(s)`,
    s.lastEventAt !== undefined ? `last event: ${new Date(s.lastEventAt).toISOString()}` : 'no events yet',
    s.best ? `best: ${child(s.best)}` : 'best: none yet',
  ];
  if (s.top.length) lines.push(`top ${s.top.length}:`, ...s.top.map((t) => `  ${child(t)}`));
  if (s.population.length) lines.push(`population (${s.population.length}, oldest first):`, ...s.population.map((p) => `  ${child(p)}`));
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
