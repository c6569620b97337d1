/**
 * `nas evolve`: aging evolution (Real et al. 2019) over a space, with a run directory that can be
 * stopped and resumed at any moment (`--resume <run-dir>`).
 */
import type { Argv, CommandModule } from 'yargs';
import type { AnyCommand } from './commands.ts';
import { executeRun, type RunSummary } from '../run/session.ts';
import { ProgressBar } from './progress.ts';
import { givenConfig, namingFlags, runtimeOf, withRunOptions, type RunArgs } from './run-options.ts';
import { numeric } from './numeric.ts';

interface EvolveArgs extends RunArgs {
  strategy?: string;
  population?: number;
  sample?: number;
}

/** Prints a run's summary: readable lines, or with --json one JSON object as the last stdout line. */
export function printSummary(summary: RunSummary, json: boolean): void {
  if (json) {
    const { best, ...rest } = summary;
    process.stdout.write(`${JSON.stringify({ ...rest, best: best ? { id: best.id, hash: best.hash, score: best.score, report: best.report ?? null, config: best.config } : null })}\n`);
    return;
  }
  const b = summary.best;
  const epochs = summary.epochs > 0 ? `, ${summary.epochs} epochs trained` : '';
  const stopped = summary.stoppedEarly > 0 ? `, ${summary.stoppedEarly} stopped early` : '';
  process.stdout.write(`run ${summary.runDir} (seed ${summary.seed}): ${summary.evaluations} evaluations, ${summary.children} children, ${summary.duplicates} duplicates, ${summary.failed} failed${stopped}${epochs}\n`);
  process.stdout.write(b ? `best: child ${b.id} (${b.hash}) score ${b.score}${b.report !== undefined ? `, report ${b.report}` : ''}\n  ${JSON.stringify(b.config)}\n` : 'best: none (no child finished)\n');
}

/**
 * The strategy options a new `nas evolve` run starts from: aging evolution's population P and tournament
 * size S, or for large-scale evolution its population alone (its tournaments are pairs, Real et al. 2017).
 */
export function evolveDefaults(strategy: string | undefined): Record<string, unknown> {
  return strategy === 'large-scale' ? { population: 100 } : { population: 100, sample: 25 };
}

const evolve: CommandModule<object, EvolveArgs> = {
  command: 'evolve',
  describe: 'Search a space with aging evolution; stop and --resume at will',
  builder: (y: Argv) =>
    withRunOptions(y)
      .option('strategy', { type: 'string', choices: ['aging', 'large-scale'], describe: 'aging (Real et al. 2019) or large-scale (Real et al. 2017, with --space large-scale) [default: aging]' })
      .option('population', numeric('population', 'population size P [default: 100]'))
      .option('sample', numeric('sample', 'tournament size S of aging evolution [default: 25]')),
  handler: async (argv) => {
    let bar: ProgressBar | undefined;
    const runtime = {
      ...runtimeOf(argv),
      onStart: (config: { budget: number }) => {
        bar = new ProgressBar({ budget: config.budget });
      },
      onEvent: (...a: Parameters<ProgressBar['update']>) => bar?.update(...a),
    };
    const strategyOptions = { population: argv.population, sample: argv.sample };
    const given = await givenConfig(argv, 'evolve', argv.strategy, strategyOptions);
    const summary = await namingFlags(argv, () => executeRun({
      given, defaults: { space: 'nasnet-cell', strategy: 'aging', strategyOptions: evolveDefaults(argv.strategy) },
      resume: argv.resume, runDir: argv['run-dir'], runtime,
    }));
    bar?.finish();
    printSummary(summary, argv.json);
  },
};

/** `nas evolve`. */
export const evolveCommand: AnyCommand = evolve;
