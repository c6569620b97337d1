/**
 * The hyperparameter space: float (linear or log), int (linear or log), categorical and conditional
 * parameters (active only when parents take given values, e.g. `momentum` only when
 * `optimizer == sgd`). Values are plain assignments `{ name: value }` without the inactive parameters.
 *
 * Encoding (for TPE, GP, KDE): one dimension per parameter in declaration order; floats and ints
 * normalised to [0, 1] (in log space when `log`), categoricals as their choice index, inactive
 * parameters NaN.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import {
  type ChoiceValue,
  type HparamAssignment,
  type HparamsSpec,
  type ParamSpec,
  checkSpec,
  describeDomain,
  inDomain,
  parseHparamsSpec,
  topologicalOrder,
} from './hparams-spec.ts';
import type { EncodingDim, SearchSpace } from './space.ts';

export type { ChoiceValue, HparamAssignment, HparamsSpec, ParamSpec } from './hparams-spec.ts';

/** Default std-dev of a numeric mutation, in normalised [0, 1] units. */
export const DEFAULT_MUTATION_SCALE = 0.1;

/** Normalises a float or int value to [0, 1] (log-aware). */
export function normalise(spec: ParamSpec, value: number): number {
  if (spec.kind === 'categorical') throw new RangeError('normalise: categorical parameter');
  if (spec.log) return (Math.log(value) - Math.log(spec.low)) / (Math.log(spec.high) - Math.log(spec.low));
  return (value - spec.low) / (spec.high - spec.low);
}

/** The inverse of `normalise`, clamped to the range; ints are rounded. */
export function denormalise(spec: ParamSpec, u: number): number {
  if (spec.kind === 'categorical') throw new RangeError('denormalise: categorical parameter');
  const t = Math.min(1, Math.max(0, u));
  if (t === 0) return spec.low;
  if (t === 1) return spec.high;
  let v = spec.log
    ? Math.exp(Math.log(spec.low) + t * (Math.log(spec.high) - Math.log(spec.low)))
    : spec.low + t * (spec.high - spec.low);
  if (spec.kind === 'int') v = Math.round(v);
  return Math.min(spec.high, Math.max(spec.low, v));
}

/** Formats a value for the canonical hash: integers exactly, other numbers to 12 significant digits. */
export function formatValue(value: ChoiceValue): string {
  if (typeof value === 'number') {
    if (Object.is(value, -0) || value === 0) return '0';
    return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(12)));
  }
  return JSON.stringify(value);
}

export class HparamsSpace implements SearchSpace<HparamAssignment> {
  readonly type = 'hparams';
  readonly name: string;
  /** The definition (as parsed from the file). */
  readonly spec: HparamsSpec;
  /** Parameter names in declaration order (the encoding's order). */
  readonly names: readonly string[];
  /** Parameter names with parents before children. */
  readonly order: readonly string[];
  private readonly params: Readonly<Record<string, ParamSpec>>;
  private readonly mutationScale: number;

  /** Builds a space from a definition; an invalid definition is a ValidationError naming the field. */
  constructor(spec: HparamsSpec) {
    checkSpec(spec);
    this.spec = spec;
    this.name = spec.name;
    this.params = spec.parameters;
    this.names = Object.keys(spec.parameters);
    this.order = topologicalOrder(spec.parameters);
    this.mutationScale = spec.mutationScale ?? DEFAULT_MUTATION_SCALE;
  }

  /** The definition of parameter `name`. */
  param(name: string): ParamSpec {
    const p = this.params[name];
    if (!p) throw new ValidationError(`unknown parameter '${name}'`, { field: name }, this.names.join(', '));
    return p;
  }

  /** Whether `name` is active given the (parent) values in `value`. */
  isActive(name: string, value: Readonly<Record<string, unknown>>): boolean {
    const when = this.params[name].when;
    if (!when) return true;
    return Object.entries(when).every(
      ([parent, values]) => this.isActive(parent, value) && values.includes(value[parent] as ChoiceValue),
    );
  }

  sample(rng: Rng): HparamAssignment {
    const out: HparamAssignment = {};
    for (const name of this.order) if (this.isActive(name, out)) out[name] = sampleParam(this.params[name], rng);
    return this.ordered(out);
  }

  mutate(value: HparamAssignment, rng: Rng): HparamAssignment {
    const active = this.names.filter((n) => n in value);
    const name = rng.choice(active);
    const spec = this.params[name];
    const out: HparamAssignment = { ...value };
    if (spec.kind === 'categorical') {
      const others = spec.choices.filter((c) => c !== value[name]);
      if (others.length > 0) out[name] = rng.choice(others);
    } else {
      const before = value[name] as number;
      let after = denormalise(spec, normalise(spec, before) + rng.normal(0, this.mutationScale));
      if (spec.kind === 'int' && after === before) after = before + (before >= spec.high || (before > spec.low && rng.next() < 0.5) ? -1 : 1);
      out[name] = after;
    }
    // Conditional activity: drop what became inactive, sample what became active.
    for (const n of this.order) {
      if (!this.isActive(n, out)) delete out[n];
      else if (!(n in out)) out[n] = sampleParam(this.params[n], rng);
    }
    return this.ordered(out);
  }

  validate(value: unknown): HparamAssignment {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ValidationError('a hyperparameter assignment must be an object', {}, `an object with ${this.names.join(', ')}`);
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!(key in this.params)) throw new ValidationError(`unknown parameter '${key}'`, { field: key }, this.names.join(', '));
    }
    for (const name of this.order) {
      const spec = this.params[name];
      const active = this.isActive(name, record);
      if (!active && name in record) {
        throw new ValidationError(`'${name}' is present but inactive`, { field: name }, `absent unless ${this.describeCondition(name)}`);
      }
      if (!active) continue;
      if (!(name in record)) throw new ValidationError(`missing '${name}'`, { field: name }, describeDomain(spec));
      if (!inDomain(spec, record[name])) {
        throw new ValidationError(`'${name}' is ${JSON.stringify(record[name])}`, { field: name }, describeDomain(spec));
      }
    }
    return this.ordered(record as HparamAssignment);
  }

  /** The canonical text behind `hash`: sorted keys, inactive parameters dropped, stable number format. */
  canonical(value: HparamAssignment): string {
    return Object.keys(value)
      .filter((k) => k in this.params && this.isActive(k, value))
      .sort()
      .map((k) => `${k}=${formatValue(value[k])}`)
      .join(';');
  }

  hash(value: HparamAssignment): string {
    return createHash('sha256').update(`hparams:${this.canonical(value)}`).digest('hex').slice(0, 16);
  }

  dims(): readonly EncodingDim[] {
    return this.names.map((name): EncodingDim => {
      const p = this.params[name];
      if (p.kind === 'categorical') return { kind: 'categorical', name, choices: p.choices.map(String) };
      return { kind: p.kind, name, low: p.low, high: p.high, log: p.log === true };
    });
  }

  encode(value: HparamAssignment): number[] {
    return this.names.map((name) => {
      if (!(name in value)) return Number.NaN;
      const p = this.params[name];
      if (p.kind === 'categorical') return p.choices.indexOf(value[name]);
      return normalise(p, value[name] as number);
    });
  }

  decode(vector: readonly number[]): HparamAssignment {
    if (vector.length !== this.names.length) {
      throw new ValidationError(`vector has ${vector.length} entries`, { field: 'vector' }, `${this.names.length} entries`);
    }
    const out: HparamAssignment = {};
    for (const name of this.order) {
      if (!this.isActive(name, out)) continue;
      const p = this.params[name];
      const raw = vector[this.names.indexOf(name)];
      const x = Number.isFinite(raw) ? raw : p.kind === 'categorical' ? 0 : 0.5;
      if (p.kind === 'categorical') out[name] = p.choices[Math.min(p.choices.length - 1, Math.max(0, Math.round(x)))];
      else out[name] = denormalise(p, x);
    }
    return this.ordered(out);
  }

  toJSON(value: HparamAssignment): unknown {
    return this.ordered(value);
  }

  size(): number {
    return this.countFrom(0, {});
  }

  describe(): string {
    const lines = [`hparams space '${this.name}': ${this.names.length} parameters, size ${this.size()}`];
    for (const name of this.names) {
      const cond = this.params[name].when ? `  (when ${this.describeCondition(name)})` : '';
      lines.push(`  ${name}: ${this.params[name].kind}, ${describeDomain(this.params[name])}${cond}`);
    }
    return lines.join('\n');
  }

  /** `optimizer in ["sgd"] and ...`, for messages. */
  describeCondition(name: string): string {
    const when = this.params[name].when ?? {};
    return Object.entries(when)
      .map(([parent, values]) => `${parent} is ${values.length === 1 ? JSON.stringify(values[0]) : `one of ${values.map((v) => JSON.stringify(v)).join(', ')}`}`)
      .join(' and ');
  }

  /** Names of parameters that some other parameter's condition refers to. */
  parents(): Set<string> {
    const out = new Set<string>();
    for (const p of Object.values(this.params)) for (const parent of Object.keys(p.when ?? {})) out.add(parent);
    return out;
  }

  /** A copy of `value` with keys in declaration order. */
  private ordered(value: Readonly<Record<string, unknown>>): HparamAssignment {
    const out: HparamAssignment = {};
    for (const name of this.names) if (name in value) out[name] = value[name] as ChoiceValue;
    return out;
  }

  /** Distinct assignments of parameters order[i..] given the parents fixed in `fixed`. */
  private countFrom(i: number, fixed: Record<string, ChoiceValue>): number {
    if (i >= this.order.length) return 1;
    const name = this.order[i];
    if (!this.isActive(name, fixed)) return this.countFrom(i + 1, fixed);
    const p = this.params[name];
    if (!this.parents().has(name)) return paramCount(p) * this.countFrom(i + 1, fixed);
    let total = 0;
    for (const [value, multiplicity] of this.valueClasses(name)) {
      total += multiplicity * this.countFrom(i + 1, { ...fixed, [name]: value });
    }
    return total;
  }

  /** The values of a parent grouped by how conditions see them: [representative, how many]. */
  private valueClasses(name: string): Array<[ChoiceValue, number]> {
    const p = this.params[name];
    if (p.kind === 'categorical') return p.choices.map((c) => [c, 1]);
    if (p.kind === 'float') throw new RangeError(`float parameter '${name}' cannot be a parent`);
    const mentioned = new Set<number>();
    for (const q of Object.values(this.params)) for (const v of q.when?.[name] ?? []) mentioned.add(v as number);
    const out: Array<[ChoiceValue, number]> = [...mentioned].map((v) => [v, 1]);
    const rest = p.high - p.low + 1 - mentioned.size;
    if (rest > 0) {
      let rep = p.low;
      while (mentioned.has(rep)) rep++;
      out.push([rep, rest]);
    }
    return out;
  }
}

/** Number of distinct values of one parameter. */
function paramCount(p: ParamSpec): number {
  if (p.kind === 'categorical') return p.choices.length;
  if (p.kind === 'int') return p.high - p.low + 1;
  return Number.POSITIVE_INFINITY;
}

/** A uniform draw (log-uniform for log parameters; optuna's rounding for log ints). */
export function sampleParam(p: ParamSpec, rng: Rng): ChoiceValue {
  if (p.kind === 'categorical') return rng.choice(p.choices);
  if (p.kind === 'float') {
    if (!p.log) return rng.uniform(p.low, p.high);
    return Math.min(p.high, Math.max(p.low, Math.exp(rng.uniform(Math.log(p.low), Math.log(p.high)))));
  }
  if (!p.log) return rng.intBetween(p.low, p.high);
  const v = Math.round(Math.exp(rng.uniform(Math.log(p.low - 0.5), Math.log(p.high + 0.5))));
  return Math.min(p.high, Math.max(p.low, v));
}

/** Builds a space from a parsed `"type": "hparams"` object; errors name `file` and the field. */
export function hparamsSpaceFromJSON(json: unknown, options: { file?: string; name?: string } = {}): HparamsSpace {
  return new HparamsSpace(parseHparamsSpec(json, options));
}
