/**
 * The data a run scores children on, as a fingerprint (src/data/fingerprint.ts), and the check an
 * evaluator makes when the run gave it one: a `nas worker` on another machine resolves the run's table or
 * dataset on its own disk and must refuse to score children on anything else.
 *
 * No tfjs here: the run process computes the fingerprint once before it sends any child out.
 */
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { EvaluatorOptions } from '../core/evaluator.ts';
import { NasError } from '../core/errors.ts';
import { requireDirectory } from '../data/files.ts';
import { bytesFingerprint, datasetFingerprint } from '../data/fingerprint.ts';
import { loadDataset, type LoadedDataset } from '../data/load.ts';
import { DEFAULT_DATASET, parseDatasetSpec } from '../data/spec.ts';
import { innerSpec, parseEvaluatorSpec } from './registry.ts';

/** Throws when the run gave a fingerprint and the one of the data loaded as `what` (computed only then) differs. */
export function checkFingerprint(options: EvaluatorOptions, fingerprintOf: () => string, what: string): void {
  if (options.fingerprint === undefined) return;
  const actual = fingerprintOf();
  if (options.fingerprint === actual) return;
  throw new NasError(
    `${what} is not the run's data (fingerprint ${actual} here, ${options.fingerprint} in the run); ` +
      'give this worker the same files, at the same path or under its --data-root',
  );
}

/** The file a `table:<csv>` spec reads, resolved from the options' base directory. */
export function tableFile(argument: string, options: EvaluatorOptions): string {
  return resolve(options.baseDir ?? process.cwd(), argument);
}

/** The fingerprint of a table file; an unreadable file is an error naming it. */
export async function tableFingerprint(file: string): Promise<string> {
  try {
    return bytesFingerprint(await readFile(file));
  } catch (err) {
    throw new NasError(`cannot read the benchmark table ${file}: ${(err as Error).message}`);
  }
}

/** The dataset spec of a training evaluator's options, with a directory resolved from the base directory. */
export function datasetOf(options: EvaluatorOptions): { text: string; load: () => Promise<LoadedDataset> } {
  const extra = options.extra ?? {};
  const text = typeof extra.dataset === 'string' ? extra.dataset : DEFAULT_DATASET;
  const spec = parseDatasetSpec(text);
  const resolved = spec.dir !== undefined ? { ...spec, dir: resolve(options.baseDir ?? process.cwd(), spec.dir) } : spec;
  const limit = typeof extra.limit === 'number' ? extra.limit : undefined;
  const valFraction = typeof extra.valFraction === 'number' ? extra.valFraction : 0.1;
  return { text, load: () => loadDataset(resolved, { limit, valFraction, includeTest: false }) };
}

/**
 * Fails, naming the directory, when a training evaluator's dataset lives in a directory that is not
 * there: a run checks this before it creates its directory, so a mistyped path costs nothing (its
 * worker processes would each fail to start). Reads no data.
 */
export async function checkDatasetDirectory(options: EvaluatorOptions): Promise<void> {
  const text = typeof options.extra?.dataset === 'string' ? options.extra.dataset : DEFAULT_DATASET;
  const spec = parseDatasetSpec(text);
  if (spec.dir !== undefined) await requireDirectory(resolve(options.baseDir ?? process.cwd(), spec.dir), `${spec.kind} dataset directory`);
}

/**
 * The fingerprint of the data the evaluator `spec` scores children on: a table's bytes, a training
 * dataset's images and labels (as split for validation); undefined for synthetic functions.
 */
export async function evaluatorFingerprint(spec: string, options: EvaluatorOptions): Promise<string | undefined> {
  const [scheme, argument] = parseEvaluatorSpec(innerSpec(spec));
  if (scheme === 'table') return tableFingerprint(tableFile(argument, options));
  if (scheme === 'train') return datasetFingerprint(await datasetOf(options).load());
  return undefined;
}
