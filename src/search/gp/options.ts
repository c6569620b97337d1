/**
 * Reading strategy options (already parsed from the CLI or a file) with errors that name the option and
 * say what is accepted. Shared by the model-based and multi-fidelity strategies.
 */
import { ValidationError } from '../../core/errors.ts';

/** Constraints on a numeric option. */
export interface NumberRule {
  /** Smallest accepted value (inclusive). */
  min?: number;
  /** Largest accepted value (inclusive). */
  max?: number;
  /** Whether the value must be an integer. */
  integer?: boolean;
  /** Whether `min` itself is excluded. */
  exclusiveMin?: boolean;
}

function describeRule(rule: NumberRule): string {
  const parts = [rule.integer ? 'an integer' : 'a number'];
  if (rule.min !== undefined) parts.push(`${rule.exclusiveMin ? '>' : '>='} ${rule.min}`);
  if (rule.max !== undefined) parts.push(`<= ${rule.max}`);
  return parts.join(' ');
}

/** `options[key]` as a number (numeric strings accepted), or `fallback` when absent. */
export function numberOption(
  options: Readonly<Record<string, unknown>>,
  key: string,
  fallback: number,
  rule: NumberRule = {},
): number {
  const raw = options[key];
  if (raw === undefined) return fallback;
  const v = typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : raw;
  const ok =
    typeof v === 'number' &&
    !Number.isNaN(v) &&
    (!rule.integer || Number.isInteger(v)) &&
    (rule.min === undefined || (rule.exclusiveMin ? v > rule.min : v >= rule.min)) &&
    (rule.max === undefined || v <= rule.max);
  if (!ok) throw new ValidationError(`bad value ${JSON.stringify(raw)}`, { field: `options.${key}` }, describeRule(rule));
  return v as number;
}

/** `options[key]` as one of `accepted` (strings), or `fallback` when absent. */
export function choiceOption<T extends string>(
  options: Readonly<Record<string, unknown>>,
  key: string,
  fallback: T,
  accepted: readonly T[],
): T {
  const raw = options[key];
  if (raw === undefined) return fallback;
  if (typeof raw !== 'string' || !(accepted as readonly string[]).includes(raw)) {
    throw new ValidationError(`bad value ${JSON.stringify(raw)}`, { field: `options.${key}` }, accepted.map((a) => `'${a}'`).join(', '));
  }
  return raw as T;
}

/** `options[key]` as a boolean (`true`/`false`, also as strings), or `fallback` when absent. */
export function booleanOption(options: Readonly<Record<string, unknown>>, key: string, fallback: boolean): boolean {
  const raw = options[key];
  if (raw === undefined) return fallback;
  if (raw === true || raw === 'true') return true;
  if (raw === false || raw === 'false') return false;
  throw new ValidationError(`bad value ${JSON.stringify(raw)}`, { field: `options.${key}` }, 'true or false');
}
