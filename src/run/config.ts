/**
 * A run's configuration (what config.json holds) and the check that refuses a resume with other
 * options, naming each difference.
 */
import { FileFormatError, NasError, OptionError, ValidationError } from '../core/errors.ts';
import { checkNumber } from '../core/numbers.ts';
import type { MedianStopOptions } from './median-stop.ts';

/** Everything that decides a run's results. Stored in config.json; a resume must not change it. */
export interface RunConfig {
  /** Format of this object; 1. */
  format: 1;
  /** The command that made the run (`evolve`, `search`). */
  command: string;
  /** Space name or file. */
  space: string;
  /** Strategy registry name, e.g. `aging`. */
  strategy: string;
  /** Strategy options (population, sample, ...). */
  strategyOptions: Record<string, unknown>;
  /** Children to evaluate (duplicates and children rejected before training do not count). */
  budget: number;
  /** The run seed (never 0 here: a 0 given by the user is replaced by a drawn seed). */
  seed: number;
  /** Evaluator spec: `table:<csv>`, `train`, ... */
  evaluator: string;
  /** Search metric of the evaluator (its default when absent). */
  metric?: string;
  /** Reported metric of the evaluator (its default when absent). */
  report?: string;
  /** Children with more parameters are rejected before training. */
  maxParams?: number;
  /** Children with more multiply-adds are rejected before training. */
  maxMadds?: number;
  /** Worker count K (with K > 1 results depend on completion order). */
  workers: number;
  /** Evaluator-specific options (epochs, dataset, experiment file, ...). */
  evaluatorOptions: Record<string, unknown>;
  /** The median stopping rule (`--median-stop`); absent: off. */
  medianStop?: MedianStopOptions;
  /** Directory relative paths (space file, table, dataset) are resolved from: the working directory at creation. */
  baseDir: string;
  /**
   * Tell results in the order children were sent out, not the order they finish, so that the run is a
   * function of its seed and `workers` alone, whatever executes it. Absent: false.
   */
  ordered?: boolean;
  /** The run's identity on a shared queue: its job ids start with it. Drawn at creation (bookkeeping; never compared). */
  runId?: string;
}

/** Keys a resume compares (everything except bookkeeping). */
const COMPARED: ReadonlyArray<keyof RunConfig> = [
  'command', 'space', 'strategy', 'strategyOptions', 'budget', 'seed', 'evaluator', 'metric', 'report',
  'maxParams', 'maxMadds', 'workers', 'evaluatorOptions', 'medianStop', 'ordered',
];

/** Stable JSON (sorted keys) for comparing option values. */
function canonical(value: unknown): string {
  if (value === undefined) return 'unset';
  if (typeof value !== 'object' || value === null) return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
}

/**
 * Differences between the stored configuration and the options given on a resume. Only options the
 * user actually gave are compared; nested objects compare key by key (`strategyOptions.population`).
 */
export function configDifferences(stored: RunConfig, given: Partial<RunConfig>): string[] {
  const out: string[] = [];
  for (const key of COMPARED) {
    const g = given[key];
    if (g === undefined) continue;
    const s = stored[key];
    if (typeof g === 'object' && g !== null && !Array.isArray(g)) {
      for (const [k, v] of Object.entries(g)) {
        if (v === undefined) continue;
        const sv = (s as Record<string, unknown> | undefined)?.[k];
        if (canonical(sv) !== canonical(v)) out.push(`${key}.${k}: the run has ${canonical(sv)}, given ${canonical(v)}`);
      }
    } else if (canonical(s) !== canonical(g)) {
      out.push(`${key}: the run has ${canonical(s)}, given ${canonical(g)}`);
    }
  }
  return out;
}

/** Throws when a resume gives options that differ from the stored ones. */
export function checkResumeOptions(runDir: string, stored: RunConfig, given: Partial<RunConfig>): void {
  const diffs = configDifferences(stored, given);
  if (diffs.length > 0) {
    throw new NasError(`refusing to resume ${runDir} with other options:\n  ${diffs.join('\n  ')}\nResume with the run's own options (or none), or start a new run.`);
  }
}

/** Every key config.json may hold. */
const KNOWN_KEYS: ReadonlyArray<keyof RunConfig> = ['format', 'baseDir', 'runId', ...COMPARED];

/** Numeric fields of config.json and the command-line option whose range they share. */
const NUMERIC_FIELDS: ReadonlyArray<[keyof RunConfig, string]> = [['budget', 'budget'], ['seed', 'seed'], ['workers', 'workers'], ['maxParams', 'max-params'], ['maxMadds', 'max-madds']];

/** Checks the stored object has the shape of a RunConfig (a config.json from this format). */
export function parseRunConfig(value: Record<string, unknown>, file: string): RunConfig {
  const need = (key: string, type: string): void => {
    if (typeof value[key] !== type || value[key] === null) throw new ValidationError(`missing or not a ${type}`, { file, field: key });
  };
  if (value.format !== 1) throw new ValidationError(`unknown format ${String(value.format)}`, { file, field: 'format' }, '1');
  const unknown = Object.keys(value).filter((k) => !(KNOWN_KEYS as readonly string[]).includes(k));
  if (unknown.length) throw new ValidationError(`unknown key${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k}'`).join(', ')}`, { file }, KNOWN_KEYS.join(', '));
  for (const key of ['command', 'space', 'strategy', 'evaluator', 'baseDir']) need(key, 'string');
  for (const key of ['budget', 'seed', 'workers']) need(key, 'number');
  for (const key of ['strategyOptions', 'evaluatorOptions']) need(key, 'object');
  if (value.ordered !== undefined) need('ordered', 'boolean');
  if (value.runId !== undefined && (typeof value.runId !== 'string' || !/^[0-9a-z]{1,64}$/.test(value.runId))) {
    throw new ValidationError(`got ${JSON.stringify(value.runId)}`, { file, field: 'runId' }, 'lowercase letters and digits (the run\'s id on a queue)');
  }
  const median = value.medianStop as { minCount?: unknown } | undefined;
  if (median !== undefined && (typeof median !== 'object' || median === null)) throw new ValidationError('not an object', { file, field: 'medianStop' }, '{ "minCount": <integer> }');
  const fields: Array<[string, unknown, string]> = NUMERIC_FIELDS.map(([key, option]) => [key, value[key], option]);
  if (median !== undefined) fields.push(['medianStop.minCount', median.minCount, 'median-stop-min']);
  for (const [key, v, option] of fields) {
    if (v === undefined) continue;
    try {
      checkNumber(option, v, `field '${key}'`);
    } catch (err) {
      if (err instanceof OptionError) throw new FileFormatError(file, err.message);
      throw err;
    }
  }
  return value as unknown as RunConfig;
}
