/**
 * The one place that turns an error into what the user reads and the exit code a script checks.
 * Every code is documented in README.md (Commands); a bug (code 70) is the only case that prints a
 * stack trace.
 */
import { FileFormatError, NasError, OptionError, RunBusyError, RunStoppedError, StorageError, ValidationError, errnoOf } from '../core/errors.ts';

/** The exit codes of `nas`, each with what it means. */
export const EXIT_CODES = {
  /** Done as asked. */
  ok: 0,
  /** The input was wrong (a file, genome, space, table, dataset or run directory, named with line or field), or the work failed (a child failed in `nas train`, `nas verify` found a difference). */
  failed: 1,
  /** The command line was wrong: an unknown, repeated or contradictory option, or a value out of range. */
  usage: 2,
  /** The run directory is in use by another process (its pid and host are named). */
  busy: 3,
  /** The run stopped before its budget: the space has fewer distinct children than the budget, the strategy proposes only children already evaluated, or the evaluator scores nothing. What it computed is kept. */
  stopped: 4,
  /** The operating system refused a file operation: disk full, read-only file system, a path that exists or is not a directory, permission. */
  storage: 5,
  /** A bug in nas: please report it with the stack trace printed. */
  internal: 70,
} as const;

/** A command line that yargs refused (unknown option, missing argument). */
export class CliUsageError extends NasError {}

/** An error yargs raised for the command line (it wraps what an option's coerce function throws). */
function isYargsError(err: unknown): err is Error {
  return err instanceof Error && err.name === 'YError';
}

/** The exit code of an error. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CliUsageError || err instanceof OptionError || isYargsError(err)) return EXIT_CODES.usage;
  if (err instanceof RunBusyError) return EXIT_CODES.busy;
  if (err instanceof RunStoppedError) return EXIT_CODES.stopped;
  if (err instanceof StorageError) return EXIT_CODES.storage;
  if (err instanceof ValidationError && err.location.file === undefined && err.location.field?.startsWith('--')) return EXIT_CODES.usage;
  if (err instanceof NasError || err instanceof FileFormatError) return EXIT_CODES.failed;
  if (errnoOf(err) !== undefined) return EXIT_CODES.storage;
  return EXIT_CODES.internal;
}

/** What the user reads for an error (without the `nas: ` prefix). */
export function messageOf(err: unknown): string {
  const errno = errnoOf(err);
  if (!(err instanceof NasError) && errno !== undefined) {
    const e = err as { path?: string; syscall?: string };
    return new StorageError(errno, e.syscall ?? 'use', e.path ?? '(a file)').message;
  }
  if (err instanceof CliUsageError) return `${err.message}\nRun \`nas --help\` for usage.`;
  if (isYargsError(err)) return err.message;
  if (err instanceof NasError) return err.message;
  const e = err instanceof Error ? err : new Error(String(err));
  return `unexpected error (a bug in nas; please report it): ${e.stack ?? e.message}`;
}

/** Writes an error's message to stderr and returns its exit code. */
export function reportError(err: unknown, write: (text: string) => void = (t) => process.stderr.write(t)): number {
  write(`nas: ${messageOf(err)}\n`);
  return exitCodeOf(err);
}
