/**
 * Errors a user can act on: each says what was wrong, where (file, field) and what is accepted.
 */

/** Base class of every error the project throws on purpose. */
export class NasError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Where a bad value was found: a file, a field path inside it (`normal.blocks[2].ops[0]`), a line. */
export interface ErrorLocation {
  /** File the value came from, if any. */
  file?: string;
  /** Dotted path of the field inside the value, e.g. `hyperparameters.lr.low`. */
  field?: string;
  /** 1-based line number, for line-oriented files such as journals. */
  line?: number;
}

function describeLocation(loc: ErrorLocation): string {
  const parts: string[] = [];
  if (loc.file !== undefined) parts.push(loc.line !== undefined ? `${loc.file}:${loc.line}` : loc.file);
  if (loc.field !== undefined) parts.push(`field '${loc.field}'`);
  return parts.join(', ');
}

/** A value (genome, space file, option) that does not have the accepted shape. */
export class ValidationError extends NasError {
  readonly location: ErrorLocation;
  readonly problem: string;
  readonly accepted?: string;

  constructor(problem: string, location: ErrorLocation = {}, accepted?: string) {
    const where = describeLocation(location);
    const tail = accepted !== undefined ? `; accepted: ${accepted}` : '';
    super(`${where ? `${where}: ` : ''}${problem}${tail}`);
    this.location = location;
    this.problem = problem;
    this.accepted = accepted;
  }

  /** The same error, located inside `file` (keeps the field path). */
  inFile(file: string): ValidationError {
    return new ValidationError(this.problem, { ...this.location, file }, this.accepted);
  }
}

/** A file on disk that is missing, truncated or corrupt. */
export class FileFormatError extends NasError {
  readonly file: string;
  constructor(file: string, problem: string, line?: number) {
    super(`${line !== undefined ? `${file}:${line}` : file}: ${problem}`);
    this.file = file;
  }
}

/** A strategy or store used in a way its contract forbids (a second tell, an unknown trial id, ...). */
export class UsageError extends NasError {}

/** A command line that cannot be run as given: an option out of range, repeated, or contradicting another. */
export class OptionError extends NasError {}

/** The run directory is held by another process (its lock); nothing was changed. */
export class RunBusyError extends NasError {}

/**
 * A run that stopped before its budget because going on cannot help: the space has fewer distinct
 * children than the budget, the strategy proposes only children already evaluated, or the evaluator
 * scores nothing. What the run computed stays in its directory.
 */
export class RunStoppedError extends NasError {}

/** What each errno a file operation can fail with means, in words. */
const ERRNO_WORDS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exhausted',
  EROFS: 'the file system is read-only',
  EEXIST: 'a file or directory of that name already exists',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a part of the path is a file, not a directory',
  EISDIR: 'it is a directory, not a file',
  ENOENT: 'no such file or directory',
  ELOOP: 'it is a symbolic link (refused) or a loop of them',
  EMFILE: 'too many open files',
  EIO: 'an input/output error of the device',
  ENAMETOOLONG: 'the name is too long',
};

/** The errno code of a Node.js system error (`ENOSPC`, ...), or undefined. */
export function errnoOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z0-9]+$/.test(code) ? code : undefined;
}

/** A file operation the operating system refused (disk full, read-only, exists, permission, ...). */
export class StorageError extends NasError {
  /** The errno code, e.g. `ENOSPC`. */
  readonly errno: string;
  /** The file or directory concerned. */
  readonly path: string;

  constructor(errno: string, action: string, path: string) {
    const words = ERRNO_WORDS[errno] ?? `system error ${errno}`;
    super(`cannot ${action} ${path}: ${words} (${errno})`);
    this.errno = errno;
    this.path = path;
  }
}

/**
 * Runs `fn`; a system error it throws becomes a StorageError saying what could not be done to which
 * path and why. Any other error passes through unchanged.
 */
export function withStorage<T>(action: string, path: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const errno = errnoOf(err);
    if (errno === undefined || err instanceof NasError) throw err;
    throw new StorageError(errno, action, path);
  }
}

/** Throws a ValidationError unless `cond` holds. */
export function check(cond: boolean, problem: string, location: ErrorLocation = {}, accepted?: string): asserts cond {
  if (!cond) throw new ValidationError(problem, location, accepted);
}

/** An optional option that must be a positive integer: `fallback` when absent, else a ValidationError naming `field`. */
export function positiveInt(value: unknown, fallback: number, field: string): number {
  const v = value === undefined ? fallback : value;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new ValidationError(`must be a positive integer, got ${String(v)}`, { field }, 'an integer >= 1');
  }
  return v;
}
