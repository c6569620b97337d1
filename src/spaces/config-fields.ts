/**
 * Field readers shared by the architecture space configs (search-spaces/*.json). Each throws a
 * ValidationError naming the field and what is accepted; the loader adds the file.
 */
import { ValidationError } from '../core/errors.ts';
import { asArray, asChoice, asObject, asString, fieldPath, onlyKeys } from '../genome/check.ts';

export { asInt, asNumber } from '../genome/check.ts';

/** A config object, with only the `known` keys allowed. */
export function configObject(json: unknown, known: readonly string[]): Record<string, unknown> {
  const obj = asObject(json, '');
  onlyKeys(obj, known, '');
  return obj;
}

/** The `type` field, which must equal `expected`. */
export function checkType(obj: Record<string, unknown>, expected: string): void {
  asChoice(obj.type, 'type', [expected]);
}

/** The space's name: the `name` field, else `fallback` (the file's base name). */
export function spaceName(obj: Record<string, unknown>, fallback: string): string {
  return obj.name === undefined ? fallback : asString(obj.name, 'name');
}

/** An optional free-text description. */
export function optionalDescription(obj: Record<string, unknown>): string | undefined {
  return obj.description === undefined ? undefined : asString(obj.description, 'description');
}

/** A non-empty list of distinct ops, each one of `known`. */
export function opList<T extends string>(value: unknown, field: string, known: readonly T[]): T[] {
  const raw = asArray(value, field);
  if (raw.length === 0) throw new ValidationError('the op list is empty', { field }, `a non-empty list of ${known.join(', ')}`);
  const ops = raw.map((op, i) => asChoice(op, fieldPath(field, i), known));
  ops.forEach((op, i) => {
    if (ops.indexOf(op) !== i) throw new ValidationError(`op '${op}' is listed twice`, { field: fieldPath(field, i) }, 'each op at most once');
  });
  return ops;
}
