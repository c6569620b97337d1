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
