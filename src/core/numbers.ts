/**
 * Every numeric option of the command line and of a run's config.json, with its accepted range, in
 * one table; one function checks a value against it and says what it got and what is accepted.
 */
import { OptionError } from './errors.ts';

/** The accepted values of one numeric option. */
export interface NumberSpec {
  /** Only whole numbers. */
  integer: boolean;
  /** Smallest accepted value. */
  min: number;
  /** Largest accepted value. */
  max: number;
  /** `min` itself is not accepted (a positive real: min 0, exclusive). Default false. */
  minExclusive?: boolean;
  /** What a value means, when the range alone does not say it (`0 draws one`). */
  note?: string;
}

const int = (min: number, max: number, note?: string): NumberSpec => ({ integer: true, min, max, ...(note ? { note } : {}) });
const real = (min: number, max: number, minExclusive = false): NumberSpec => ({ integer: false, min, max, minExclusive });
const SAFE = Number.MAX_SAFE_INTEGER;

/** The numeric options, by their command-line name. */
export const NUMERIC_OPTIONS: Readonly<Record<string, NumberSpec>> = {
  budget: int(1, 1e9),
  seed: int(0, 2 ** 32 - 1, '0 draws a seed'),
  workers: int(1, 1024),
  population: int(1, 1e6),
  sample: int(1, 1e6),
  eta: real(1, 1e3, true),
  'min-fidelity': int(1, 1e6),
  'max-fidelity': int(1, 1e6),
  'stop-after': int(1, SAFE),
  'median-stop-min': int(1, 1e6),
  'snapshot-every': int(1, 1e9),
  'recycle-after': int(1, 1e9),
  timeout: real(0, 1e7, true),
  'worker-memory': int(64, 1 << 22),
  'max-params': int(1, SAFE),
  'max-madds': int(1, SAFE),
  epochs: int(1, 1e4),
  'retrain-epochs': int(1, 1e4),
  id: int(0, SAFE),
  top: int(1, 1e6),
  'batch-size': int(1, 1 << 16),
  lr: real(0, 100, true),
  'weight-decay': real(0, 1),
  limit: int(1, 1e9),
  'val-fraction': real(0, 0.9, true),
  tolerance: real(0, 1e6),
  'probe-steps': int(0, 1e4),
  'probe-batch': int(1, 1 << 16),
  concurrency: int(1, 1024),
  'lock-seconds': real(0, 1e6, true),
  'max-stalls': int(1, 1000),
  grace: real(0, 1e6),
};

/** The accepted range of a spec in words: `an integer from 1 to 1000000000`. */
export function describeRange(spec: NumberSpec): string {
  const what = spec.integer ? 'an integer' : 'a number';
  const low = spec.minExclusive ? `above ${spec.min}` : `from ${spec.min}`;
  const high = spec.max === SAFE ? `to ${SAFE} (2^53 - 1)` : `to ${spec.max}`;
  return `${what} ${low} ${high}${spec.note ? ` (${spec.note})` : ''}`;
}

const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;

/**
 * Checks option `name`'s value (the text the user typed, or a number) against its spec and returns it
 * as a number; anything else is an OptionError saying what was given and what is accepted. `where`
 * prefixes the message (`--budget`, `config.json, field 'budget'`).
 */
export function checkNumber(name: string, value: unknown, where = `--${name}`): number {
  const spec = NUMERIC_OPTIONS[name];
  if (!spec) throw new Error(`no range is defined for the numeric option '${name}'`);
  const accepted = describeRange(spec);
  if (Array.isArray(value)) throw new OptionError(`${where} was given ${value.length} times (${value.map(String).join(', ')}); give it once`);
  const text = typeof value === 'number' ? String(value) : String(value ?? '').trim();
  const n = typeof value === 'number' ? value : NUMBER_TEXT.test(text) ? Number(text) : Number.NaN;
  if (!Number.isFinite(n)) throw new OptionError(`${where}: got '${text}', not a number; accepted: ${accepted}`);
  if (spec.integer && !Number.isInteger(n)) throw new OptionError(`${where}: got ${text}, not a whole number; accepted: ${accepted}`);
  const tooLow = spec.minExclusive ? n <= spec.min : n < spec.min;
  if (tooLow || n > spec.max) throw new OptionError(`${where}: got ${text}, out of range; accepted: ${accepted}`);
  return n;
}
