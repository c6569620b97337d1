/**
 * `nas search`: any registered strategy (grid, random, bo, tpe, hyperband, sh, bohb, asha, pbt,
 * bananas, local-search, aging, large-scale) over a space and an objective, on the run directory,
 * journal and resume machinery of
 * `nas evolve` (src/run/session.ts). Synthetic objectives report their regret.
 */
import type { Argv, CommandModule } from 'yargs';
import { OptionError, ValidationError } from '../core/errors.ts';
import type { RunConfig } from '../run/config.ts';
import { isSynthetic, regretOf } from '../run/regret.ts';
import { defaultRunDir, executeRun, type RuntimeOptions } from '../run/session.ts';
import '../search/all.ts';
import { strategyNames } from '../search/registry.ts';
import { evaluatorSchemes } from '../evaluators/all.ts';
import { evaluatorForms, innerSpec, parseEvaluatorSpec } from '../evaluators/registry.ts';
import type { AnyCommand } from './commands.ts';
import { printSummary } from './evolve.ts';
import { ProgressBar } from './progress.ts';
import { givenConfig, namingFlags, runtimeOf, withRunOptions, type RunArgs } from './run-options.ts';
import { numeric } from './numeric.ts';

interface SearchArgs extends RunArgs {
  strategy?: string;
  objective?: string;
  population?: number;
  sample?: number;
  eta?: number;
  'min-fidelity'?: number;
  'max-fidelity'?: number;
  options?: string;
  'stop-after'?: number;
}

/** Interrupts a run after a number of journal events (`--stop-after`); the run stays resumable. */
class StopRequested extends Error {}

/** The objective (evaluator spec) given, checked against the registered evaluators. */
export function checkObjective(spec: string | undefined, flag = '--objective'): string | undefined {
  if (spec === undefined) return undefined;
  const [scheme, argument] = parseEvaluatorSpec(innerSpec(spec));
  const accepted = evaluatorForms();
  if (!evaluatorSchemes().includes(scheme)) throw new ValidationError(`unknown objective '${spec}'`, { field: flag }, accepted);
  if (scheme === 'table' && argument === '') throw new ValidationError('the table objective needs a file', { field: flag }, 'table:<csv file>');
  return spec;
}

/** The strategy given, checked against the registry. */
export function checkStrategy(name: string | undefined): string | undefined {
  if (name !== undefined && !strategyNames().includes(name)) {
    throw new ValidationError(`unknown strategy '${name}'`, { field: '--strategy' }, strategyNames().join(', '));
  }
  return name;
}

/** Strategy options from the flags and --options (a JSON object; the flags win). */
export function strategyOptionsOf(args: SearchArgs): Record<string, unknown> {
  let fromJson: Record<string, unknown> = {};
  if (args.options !== undefined) {
    try {
      fromJson = JSON.parse(args.options) as Record<string, unknown>;
    } catch (err) {
      throw new ValidationError(`not valid JSON: ${(err as Error).message}`, { field: '--options' }, 'a JSON object such as {"nStartupTrials":10}');
    }
    if (typeof fromJson !== 'object' || fromJson === null || Array.isArray(fromJson)) {
      throw new ValidationError('not a JSON object', { field: '--options' }, 'a JSON object such as {"nStartupTrials":10}');
    }
  }
  const flags = { population: args.population, sample: args.sample, eta: args.eta, minBudget: args['min-fidelity'], maxBudget: args['max-fidelity'] };
  const out: Record<string, unknown> = { ...fromJson };
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) out[k] = v;
  return out;
}

/** The space a new run searches when --space is not given: the objective's own for synthetic ones. */
export function defaultSpaceFor(objective: string | undefined): string {
  if (objective === undefined) return 'nasnet-cell';
  const inner = innerSpec(objective);
  const scheme = parseEvaluatorSpec(inner)[0];
  if (isSynthetic(inner) || scheme === 'curves') return scheme;
  return inner.startsWith('table:') ? 'nas-bench-201' : 'nasnet-cell';
}

function runtimeWithProgress(argv: SearchArgs, seen: { config?: RunConfig }): { runtime: RuntimeOptions; bar: () => ProgressBar | undefined } {
  let bar: ProgressBar | undefined;
  let events = 0;
  const stopAfter = argv['stop-after'];
  const runtime: RuntimeOptions = {
    ...runtimeOf(argv),
    onStart: (config) => {
      seen.config = config;
      if (!argv.json) bar = new ProgressBar({ budget: config.budget });
    },
    onEvent: (...a: Parameters<ProgressBar['update']>) => {
      bar?.update(...a);
      if (stopAfter !== undefined && ++events >= stopAfter) throw new StopRequested(`stopped after ${events} events`);
    },
  };
  return { runtime, bar: () => bar };
}

const search: CommandModule<object, SearchArgs> = {
  command: 'search',
  describe: 'Search a space with any strategy (grid, random, bo, tpe, hyperband, sh, bohb, asha, pbt, bananas, local-search, aging, large-scale); stop and --resume at will',
  builder: (y: Argv) =>
    withRunOptions(y)
      .option('space', { type: 'string', describe: 'search space: a name from search-spaces/ or a .json file [default: the objective\'s own for branin, hartmann6 and curves, nas-bench-201 for a table, else nasnet-cell]' })
      .option('strategy', { type: 'string', describe: 'grid, random, bo, tpe, hyperband, sh, bohb, asha, pbt, bananas, local-search, aging or large-scale [default: tpe]' })
      .option('objective', { type: 'string', describe: 'train, table:<csv>, branin, hartmann6 or curves, or any of them under delay:<seconds>: (same as --evaluator) [default: train]' })
      .option('population', numeric('population', 'population size (aging, large-scale, pbt)'))
      .option('sample', numeric('sample', 'tournament size (aging)'))
      .option('eta', numeric('eta', 'halving rate (hyperband, sh, bohb, asha) [default: 3]'))
      .option('min-fidelity', numeric('min-fidelity', 'smallest fidelity, e.g. epochs (hyperband, sh, bohb, asha) [default: 1]'))
      .option('max-fidelity', numeric('max-fidelity', 'largest fidelity (hyperband, sh, bohb, asha, pbt) [default: 27]'))
      .option('options', { type: 'string', describe: 'further strategy options as a JSON object, e.g. \'{"nStartupTrials":10}\'' })
      .option('stop-after', numeric('stop-after', 'stop after this many journal events, leaving the run to --resume')),
  handler: async (argv) => {
    const strategy = checkStrategy(argv.strategy);
    const objective = checkObjective(argv.objective ?? argv.evaluator, argv.objective !== undefined ? '--objective' : '--evaluator');
    if (argv.objective !== undefined && argv.evaluator !== undefined && argv.objective !== argv.evaluator) {
      throw new OptionError(`--objective ${argv.objective} and --evaluator ${argv.evaluator} name two objectives (they are one option); give one`);
    }
    const given = await givenConfig({ ...argv, evaluator: objective }, 'search', strategy, strategyOptionsOf(argv));
    const seen: { config?: RunConfig } = {};
    const { runtime, bar } = runtimeWithProgress(argv, seen);
    try {
      const summary = await namingFlags(argv, () => executeRun({
        given, defaults: { space: defaultSpaceFor(objective), strategy: 'tpe', strategyOptions: {} },
        resume: argv.resume, runDir: argv['run-dir'], runtime,
      }));
      bar()?.finish();
      const regret = seen.config ? regretOf(seen.config.evaluator, summary.best?.score) : undefined;
      const extra = { strategy: seen.config?.strategy, objective: seen.config?.evaluator, ...(regret !== undefined ? { regret } : {}) };
      printSummary({ ...summary, ...extra }, argv.json);
      if (!argv.json && regret !== undefined) process.stdout.write(`regret: ${regret}\n`);
    } catch (err) {
      if (!(err instanceof StopRequested)) throw err;
      bar()?.finish();
      const dir = argv.resume ?? argv['run-dir'] ?? (seen.config ? defaultRunDir(seen.config) : '<run-dir>');
      process.stderr.write(`nas: ${err.message}; continue with \`nas search --resume ${dir}\`\n`);
    }
  },
};

/** `nas search`. */
export const searchCommand: AnyCommand = search;
