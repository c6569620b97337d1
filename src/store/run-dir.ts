/**
 * The run directory: `config.json` (the run's full configuration, seed included), `journal.jsonl`
 * (append-only events) and `snapshot.pb` (the latest checkpoint). Readers never lock: the journal is
 * read up to its last complete line and the snapshot is replaced atomically.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileFormatError, NasError } from '../core/errors.ts';
import { writeFileAtomic } from './atomic.ts';

/** Paths of the files inside a run directory. */
export interface RunPaths {
  dir: string;
  config: string;
  journal: string;
  snapshot: string;
}

export function runPaths(dir: string): RunPaths {
  return { dir, config: join(dir, 'config.json'), journal: join(dir, 'journal.jsonl'), snapshot: join(dir, 'snapshot.pb') };
}

/**
 * Creates a run directory and writes its configuration. Refuses a directory that already holds a run,
 * so a run is never overwritten by accident.
 */
export function createRunDir(dir: string, config: Record<string, unknown>): RunPaths {
  const paths = runPaths(dir);
  if (existsSync(paths.config) || existsSync(paths.journal)) {
    throw new NasError(`${dir} already holds a run; continue it with --resume ${dir} or choose another --run-dir`);
  }
  mkdirSync(dir, { recursive: true });
  writeFileAtomic(paths.config, `${JSON.stringify(config, null, 2)}\n`);
  return paths;
}

/** Reads a run's configuration; a missing or malformed file is an error naming it. */
export function readRunConfig(dir: string): Record<string, unknown> {
  const { config } = runPaths(dir);
  if (!existsSync(config)) throw new NasError(`${dir} is not a run directory (no config.json)`);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(config, 'utf8'));
  } catch (err) {
    throw new FileFormatError(config, `not valid JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FileFormatError(config, 'expected a JSON object');
  }
  return value as Record<string, unknown>;
}
