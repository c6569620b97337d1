/**
 * Small helpers for validating untyped values (parsed JSON) field by field. Every failure is a
 * ValidationError that names the field path (`normal.blocks[2].inputs[1]`) and what is accepted.
 */
import { ValidationError } from '../core/errors.ts';

/** Joins a parent path and a key: `''` + `normal` -> `normal`, `normal` + `[2]` -> `normal[2]`. */
export function fieldPath(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  return parent === '' ? key : `${parent}.${key}`;
}

/** A short, readable rendering of a bad value for error messages. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing (the field is missing)';
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Fails with "<field>: got X; accepted: <accepted>". */
export function reject(field: string, value: unknown, accepted: string): never {
  throw new ValidationError(`got ${show(value)}`, field === '' ? {} : { field }, accepted);
}

/** A plain object (not null, not an array). */
export function asObject(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) reject(field, value, 'an object');
  return value as Record<string, unknown>;
}

/** Rejects keys other than `known` (catches typos such as `block` for `blocks`). */
export function onlyKeys(obj: Record<string, unknown>, known: readonly string[], field: string): void {
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) {
      throw new ValidationError(`unknown field '${key}'`, { field: fieldPath(field, key) }, `the fields ${known.join(', ')}`);
    }
  }
}

/** An array, optionally of an exact length. */
export function asArray(value: unknown, field: string, length?: number): unknown[] {
  const accepted = length === undefined ? 'an array' : `an array of exactly ${length} entries`;
  if (!Array.isArray(value)) reject(field, value, accepted);
  if (length !== undefined && value.length !== length) {
    throw new ValidationError(`got an array of ${value.length} entries`, { field }, accepted);
  }
  return value;
}

/** An integer in [low, high] (high may be Infinity). */
export function asInt(value: unknown, field: string, low: number, high: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < low || value > high) {
    reject(field, value, high === Infinity ? `an integer >= ${low}` : `an integer in [${low}, ${high}]`);
  }
  return value;
}

/** A finite number in [low, high]. */
export function asNumber(value: unknown, field: string, low: number, high: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < low || value > high) {
    reject(field, value, high === Infinity ? `a number >= ${low}` : `a number in [${low}, ${high}]`);
  }
  return value;
}

/** A non-empty string. */
export function asString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') reject(field, value, 'a non-empty string');
  return value;
}

/** One of a fixed list of strings. */
export function asChoice<T extends string>(value: unknown, field: string, choices: readonly T[]): T {
  if (typeof value !== 'string' || !(choices as readonly string[]).includes(value)) {
    reject(field, value, `one of ${choices.join(', ')}`);
  }
  return value as T;
}
