/**
 * Command-line options of the benchmarks: `--name value` pairs and bare `--flag`s.
 */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The value after `--name`, or `fallback` when the option (or its value) is absent. */
export function stringArg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  const value = i >= 0 ? process.argv[i + 1] : undefined;
  return value !== undefined ? value : fallback;
}

/** The value after `--name` as a number, or `fallback` when the option (or its value) is absent. */
export function numberArg(name: string, fallback: number): number {
  return Number(stringArg(name, String(fallback)));
}

/** Whether the bare flag `--name` was given. */
export function flagArg(name: string): boolean {
  return process.argv.includes(`--${name}`);
}

/**
 * A path inside the shared data folder (the NAS-Bench-201 table, the CIFAR-10 files): the environment
 * variable NAS_SHARED_DIR, else `../shared` beside the repository, as the tests find it.
 */
export function sharedDataPath(relativePath: string): string {
  const dir = process.env.NAS_SHARED_DIR ? resolve(process.env.NAS_SHARED_DIR) : fileURLToPath(new URL('../../shared', import.meta.url));
  return join(dir, relativePath);
}
