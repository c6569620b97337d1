/**
 * The hyperparameter space's definition: parameter kinds, conditions, and the checks a space file
 * must pass (`"type": "hparams"`). Pure data; the space itself is in hparams.ts.
 *
 * File format:
 * ```json
 * { "type": "hparams", "name": "example",
 *   "parameters": {
 *     "lr":        { "kind": "float", "low": 1e-4, "high": 1, "log": true },
 *     "optimizer": { "kind": "categorical", "choices": ["sgd", "adam"] },
 *     "momentum":  { "kind": "float", "low": 0.5, "high": 0.99, "when": { "optimizer": ["sgd"] } },
 *     "batch_size": { "kind": "int", "low": 16, "high": 256, "log": true, "points": 5 } } }
 * ```
 */
import { ValidationError } from '../core/errors.ts';

/** A categorical choice: a string, a number or a boolean. */
export type ChoiceValue = string | number | boolean;

/** `when`: parent parameter name -> the parent values for which this parameter is active (all must hold). */
export type Condition = Readonly<Record<string, readonly ChoiceValue[]>>;

interface ParamCommon {
  /** Active only when every named parent is active and takes one of the listed values. Default: always. */
  when?: Condition;
  /** Grid points for this parameter when the grid discretises it (floats, wide ints). Default: the grid's. */
  points?: number;
}

/** A real number in [low, high], sampled uniformly (in log space when `log`). */
export interface FloatParam extends ParamCommon {
  kind: 'float';
  low: number;
  high: number;
  /** Log scale (needs low > 0). Default false. */
  log?: boolean;
}

/** An integer in [low, high], both ends included (log scale needs low > 0). */
export interface IntParam extends ParamCommon {
  kind: 'int';
  low: number;
  high: number;
  /** Log scale (needs low > 0). Default false. */
  log?: boolean;
}

/** One of a list of unordered choices. */
export interface CategoricalParam extends ParamCommon {
  kind: 'categorical';
  choices: readonly ChoiceValue[];
}

export type ParamSpec = FloatParam | IntParam | CategoricalParam;

/** A hyperparameter space definition (the parsed form of a `"type": "hparams"` file). */
export interface HparamsSpec {
  /** Space name. */
  name: string;
  /** Parameters by name, in declaration order. */
  parameters: Readonly<Record<string, ParamSpec>>;
  /** Std-dev of a numeric mutation in normalised [0, 1] units. Default 0.1. */
  mutationScale?: number;
}

/** A value of the space: parameter name -> value; inactive parameters are absent. */
export type HparamAssignment = Record<string, ChoiceValue>;

const KINDS = ['float', 'int', 'categorical'];
const PARAM_KEYS: Record<string, string[]> = {
  float: ['kind', 'low', 'high', 'log', 'when', 'points'],
  int: ['kind', 'low', 'high', 'log', 'when', 'points'],
  categorical: ['kind', 'choices', 'when', 'points'],
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isChoice(v: unknown): v is ChoiceValue {
  return typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v));
}

function parseNumber(p: Record<string, unknown>, key: string, field: string, integer: boolean): number {
  const v = p[key];
  const accepted = integer ? 'an integer' : 'a finite number';
  if (v === undefined) throw new ValidationError(`missing '${key}'`, { field: `${field}.${key}` }, accepted);
  if (typeof v !== 'number' || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
    throw new ValidationError(`'${key}' is ${JSON.stringify(v)}`, { field: `${field}.${key}` }, accepted);
  }
  return v;
}

function parseNumeric(kind: 'float' | 'int', p: Record<string, unknown>, field: string): FloatParam | IntParam {
  const integer = kind === 'int';
  const low = parseNumber(p, 'low', field, integer);
  const high = parseNumber(p, 'high', field, integer);
  if (low >= high) throw new ValidationError(`low (${low}) must be below high (${high})`, { field: `${field}.low` }, 'low < high');
  if (p.log !== undefined && typeof p.log !== 'boolean') {
    throw new ValidationError(`'log' is ${JSON.stringify(p.log)}`, { field: `${field}.log` }, 'true or false');
  }
  const log = p.log === true;
  if (log && low <= 0) {
    throw new ValidationError(`a log-scale parameter needs low > 0, got ${low}`, { field: `${field}.low` }, 'low > 0 with "log": true');
  }
  return { kind, low, high, log };
}

function parseCategorical(p: Record<string, unknown>, field: string): CategoricalParam {
  const choices = p.choices;
  const accepted = 'a non-empty array of distinct strings, numbers or booleans';
  if (choices === undefined) throw new ValidationError("missing 'choices'", { field: `${field}.choices` }, accepted);
  if (!Array.isArray(choices) || choices.length === 0) {
    throw new ValidationError(`'choices' is ${JSON.stringify(choices)} (size ${Array.isArray(choices) ? 0 : 'none'})`, { field: `${field}.choices` }, accepted);
  }
  choices.forEach((c, i) => {
    if (!isChoice(c)) throw new ValidationError(`choice ${JSON.stringify(c)} is not a scalar`, { field: `${field}.choices[${i}]` }, accepted);
    if (choices.indexOf(c) !== i) throw new ValidationError(`choice ${JSON.stringify(c)} is repeated`, { field: `${field}.choices[${i}]` }, accepted);
  });
  return { kind: 'categorical', choices: choices as ChoiceValue[] };
}

function parseParam(raw: unknown, field: string): ParamSpec {
  if (!isRecord(raw)) throw new ValidationError('a parameter must be an object', { field }, '{ "kind": ..., ... }');
  const kind = raw.kind;
  if (kind === undefined) throw new ValidationError("missing 'kind'", { field: `${field}.kind` }, KINDS.join(', '));
  if (typeof kind !== 'string' || !KINDS.includes(kind)) {
    throw new ValidationError(`unknown kind ${JSON.stringify(kind)}`, { field: `${field}.kind` }, KINDS.join(', '));
  }
  for (const key of Object.keys(raw)) {
    if (!PARAM_KEYS[kind].includes(key)) {
      throw new ValidationError(`unknown field '${key}' for a ${kind} parameter`, { field: `${field}.${key}` }, PARAM_KEYS[kind].join(', '));
    }
  }
  const spec: ParamSpec = kind === 'categorical' ? parseCategorical(raw, field) : parseNumeric(kind as 'float' | 'int', raw, field);
  if (raw.points !== undefined) {
    const pts = raw.points;
    if (typeof pts !== 'number' || !Number.isInteger(pts) || pts < 1) {
      throw new ValidationError(`'points' is ${JSON.stringify(pts)}; a grid size cannot be zero or negative`, { field: `${field}.points` }, 'an integer >= 1');
    }
    spec.points = pts;
  }
  if (raw.when !== undefined) {
    if (!isRecord(raw.when) || Object.keys(raw.when).length === 0) {
      throw new ValidationError("'when' must name at least one parent", { field: `${field}.when` }, '{ "<parent>": [values...] }');
    }
    spec.when = raw.when as Condition;
  }
  return spec;
}

/** Whether `value` is a legal value of `spec` (type and range). */
export function inDomain(spec: ParamSpec, value: unknown): boolean {
  if (spec.kind === 'categorical') return spec.choices.includes(value as ChoiceValue);
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (spec.kind === 'int' && !Number.isInteger(value)) return false;
  return value >= spec.low && value <= spec.high;
}

/** What `spec` accepts, for error messages. */
export function describeDomain(spec: ParamSpec): string {
  if (spec.kind === 'categorical') return `one of ${spec.choices.map((c) => JSON.stringify(c)).join(', ')}`;
  const what = spec.kind === 'int' ? 'an integer' : 'a number';
  return `${what} in [${spec.low}, ${spec.high}]${spec.log ? ' (log scale)' : ''}`;
}

function checkConditions(params: Record<string, ParamSpec>): void {
  for (const [name, spec] of Object.entries(params)) {
    for (const [parent, values] of Object.entries(spec.when ?? {})) {
      const field = `parameters.${name}.when.${parent}`;
      const p = params[parent];
      if (!p) throw new ValidationError(`unknown parent parameter '${parent}'`, { field }, Object.keys(params).join(', '));
      if (parent === name) throw new ValidationError('a parameter cannot depend on itself', { field }, 'another parameter');
      if (p.kind === 'float') throw new ValidationError(`parent '${parent}' is a float`, { field }, 'a categorical or int parent');
      if (!Array.isArray(values) || values.length === 0) {
        throw new ValidationError('the parent values must be a non-empty array', { field }, describeDomain(p));
      }
      for (const v of values) {
        if (!inDomain(p, v)) throw new ValidationError(`${JSON.stringify(v)} is not a value of '${parent}'`, { field }, describeDomain(p));
      }
    }
  }
}

/**
 * Parameter names with every parent before its children (declaration order otherwise).
 * A cycle of conditions is a ValidationError naming one parameter on it.
 */
export function topologicalOrder(params: Readonly<Record<string, ParamSpec>>): string[] {
  const order: string[] = [];
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string): void => {
    const s = state.get(name);
    if (s === 'done') return;
    if (s === 'visiting') {
      throw new ValidationError('conditions form a cycle', { field: `parameters.${name}.when` }, 'conditions without cycles');
    }
    state.set(name, 'visiting');
    for (const parent of Object.keys(params[name].when ?? {})) visit(parent);
    state.set(name, 'done');
    order.push(name);
  };
  for (const name of Object.keys(params)) visit(name);
  return order;
}

/** Checks a definition already in memory (conditions, cycles, ranges). Throws a ValidationError. */
export function checkSpec(spec: HparamsSpec): void {
  const params: Record<string, ParamSpec> = {};
  for (const [name, raw] of Object.entries(spec.parameters)) params[name] = parseParam(raw, `parameters.${name}`);
  if (Object.keys(params).length === 0) {
    throw new ValidationError('a space needs at least one parameter', { field: 'parameters' }, 'an object of parameters');
  }
  checkConditions(params);
  topologicalOrder(params);
  const m = spec.mutationScale;
  if (m !== undefined && (typeof m !== 'number' || !(m > 0) || !Number.isFinite(m))) {
    throw new ValidationError(`mutation scale is ${JSON.stringify(m)}`, { field: 'mutation_scale' }, 'a positive number');
  }
}

/**
 * Parses a `"type": "hparams"` object (from a file or inline in a joint space) into a definition.
 * Every problem is a ValidationError naming the field; `file` is added when given.
 */
export function parseHparamsSpec(json: unknown, options: { file?: string; name?: string } = {}): HparamsSpec {
  try {
    if (!isRecord(json)) throw new ValidationError('a space file must hold a JSON object', {}, '{ "type": "hparams", "parameters": {...} }');
    for (const key of Object.keys(json)) {
      if (!['type', 'name', 'description', 'parameters', 'mutation_scale'].includes(key)) {
        throw new ValidationError(`unknown field '${key}'`, { field: key }, 'type, name, description, parameters, mutation_scale');
      }
    }
    if (json.type !== undefined && json.type !== 'hparams') {
      throw new ValidationError(`type is ${JSON.stringify(json.type)}`, { field: 'type' }, '"hparams"');
    }
    if (json.name !== undefined && typeof json.name !== 'string') {
      throw new ValidationError(`name is ${JSON.stringify(json.name)}`, { field: 'name' }, 'a string');
    }
    if (json.parameters === undefined) throw new ValidationError("missing 'parameters'", { field: 'parameters' }, 'an object of parameters');
    if (!isRecord(json.parameters)) throw new ValidationError('parameters must be an object', { field: 'parameters' }, 'an object of parameters');
    const parameters: Record<string, ParamSpec> = {};
    for (const [name, raw] of Object.entries(json.parameters)) parameters[name] = parseParam(raw, `parameters.${name}`);
    const spec: HparamsSpec = {
      name: (json.name as string | undefined) ?? options.name ?? 'hparams',
      parameters,
      ...(json.mutation_scale !== undefined ? { mutationScale: json.mutation_scale as number } : {}),
    };
    checkSpec(spec);
    return spec;
  } catch (err) {
    if (err instanceof ValidationError && options.file !== undefined) throw err.inFile(options.file);
    throw err;
  }
}

/** The file form of a definition (what `parseHparamsSpec` reads back). */
export function specToJSON(spec: HparamsSpec): Record<string, unknown> {
  return {
    type: 'hparams',
    name: spec.name,
    ...(spec.mutationScale !== undefined ? { mutation_scale: spec.mutationScale } : {}),
    parameters: spec.parameters,
  };
}
