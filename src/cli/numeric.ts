/**
 * Numeric command-line options: read as the text typed and checked once against the range table of
 * src/core/numbers.ts, so `--budget abc`, `--workers 1e12` or `--seed 2.5` are refused with what was
 * given and what is accepted, before anything runs.
 */
import type { Options } from 'yargs';
import { checkNumber, describeRange, NUMERIC_OPTIONS } from '../core/numbers.ts';

/** A yargs option declaration for the numeric option `name` (its range is added to the help text). */
export function numeric(name: string, describe: string, extra: Pick<Options, 'default' | 'demandOption'> = {}): Options & { coerce: (v: unknown) => number } {
  const spec = NUMERIC_OPTIONS[name];
  if (!spec) throw new Error(`no range is defined for the numeric option '${name}'`);
  return { type: 'string', describe: `${describe} (${describeRange(spec)})`, coerce: (v: unknown) => checkNumber(name, v), ...extra };
}
