/**
 * Tiny SearchSpaces for the model-based strategy tests: a box [low, high]^d of floats, optionally with
 * an int and a categorical dimension. Values are plain number/string arrays.
 */
import { ValidationError } from '../src/core/errors.ts';
import type { Rng } from '../src/core/rng.ts';
import type { EncodingDim, SearchSpace } from '../src/spaces/space.ts';

export type BoxValue = Array<number | string>;

/** Options of `boxSpace`. */
export interface BoxSpaceOptions {
  /** Bounds of each float coordinate. */
  bounds: ReadonlyArray<readonly [number, number]>;
  /** Adds an int in [0, intHigh] after the floats. */
  intHigh?: number;
  /** Adds a categorical with these choices at the end. */
  choices?: readonly string[];
}

export function boxSpace(o: BoxSpaceOptions): SearchSpace<BoxValue> {
  const dims: EncodingDim[] = o.bounds.map(([low, high], i) => ({ kind: 'float', name: `x${i + 1}`, low, high }));
  if (o.intHigh !== undefined) dims.push({ kind: 'int', name: 'n', low: 0, high: o.intHigh });
  if (o.choices) dims.push({ kind: 'categorical', name: 'c', choices: o.choices });
  const decode = (v: readonly number[]): BoxValue =>
    dims.map((d, i) => {
      const u = Math.min(1, Math.max(0, v[i]));
      if (d.kind === 'categorical') return d.choices[Math.min(d.choices.length - 1, Math.max(0, Math.round(v[i])))];
      if (d.kind === 'int') return Math.round(d.low + u * (d.high - d.low));
      return d.low + u * (d.high - d.low);
    });
  const encode = (x: BoxValue): number[] =>
    dims.map((d, i) => {
      if (d.kind === 'categorical') return d.choices.indexOf(String(x[i]));
      return ((x[i] as number) - d.low) / (d.high - d.low);
    });
  const sample = (rng: Rng): BoxValue =>
    decode(dims.map((d) => (d.kind === 'categorical' ? rng.int(d.choices.length) : rng.next())));
  return {
    name: 'box',
    type: 'box',
    sample,
    mutate: (x, rng) => {
      const v = encode(x);
      const i = rng.int(v.length);
      const d = dims[i];
      v[i] = d.kind === 'categorical' ? rng.int(d.choices.length) : rng.next();
      return decode(v);
    },
    validate: (value) => {
      if (!Array.isArray(value) || value.length !== dims.length) {
        throw new ValidationError('not a box point', { field: 'config' }, `an array of ${dims.length} values`);
      }
      return value as BoxValue;
    },
    hash: (x) => JSON.stringify(x),
    dims: () => dims,
    encode,
    decode,
    toJSON: (x) => x,
    size: () => Infinity,
    describe: () => `box of ${dims.length} dimensions`,
  };
}

/** True when `x` is a member of the space: right length, floats inside their bounds, known choices. */
export function insideBox(space: SearchSpace<BoxValue>, x: BoxValue): boolean {
  const dims = space.dims();
  return (
    x.length === dims.length &&
    dims.every((d, i) => {
      const v = x[i];
      if (d.kind === 'categorical') return d.choices.includes(String(v));
      if (typeof v !== 'number' || v < d.low || v > d.high) return false;
      return d.kind !== 'int' || Number.isInteger(v);
    })
  );
}

const B = 5.1 / (4 * Math.PI * Math.PI);
/** Branin (minimum 0.397887). */
export function braninValue(x: readonly number[]): number {
  const q = x[1] - B * x[0] * x[0] + (5 / Math.PI) * x[0] - 6;
  return q * q + 10 * (1 - 1 / (8 * Math.PI)) * Math.cos(x[0]) + 10;
}
