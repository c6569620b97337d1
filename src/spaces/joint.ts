/**
 * A joint space (Zela et al. 2018, "Towards Automated Deep Learning: Efficient Joint Neural
 * Architecture and Hyperparameter Search"): an architecture space paired with a hyperparameter space,
 * searched together by any strategy. Values are `{ arch, hparams }`; the encoding is the architecture's
 * followed by the hyperparameters'; a mutation changes one of the two parts.
 *
 * File format (`"type": "joint"`):
 * ```json
 * { "type": "joint", "name": "nb201-with-training",
 *   "architecture": "nas-bench-201",
 *   "hyperparameters": { "parameters": { "learning_rate": { "kind": "float", "low": 1e-3, "high": 0.3, "log": true } } },
 *   "arch_mutation_probability": 0.5 }
 * ```
 * `architecture` is a space name, a path (relative to the joint file) or an inline space object;
 * `hyperparameters` is an inline hparams object (`parameters`) or the name or path of an hparams file.
 */
import { createHash } from 'node:crypto';
import { ValidationError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import { type HparamAssignment, HparamsSpace, hparamsSpaceFromJSON } from './hparams.ts';
import { type EncodingDim, type GraphView, type SearchSpace, encodingFeatures } from './space.ts';

export const JOINT_SPACE_TYPE = 'joint';

/** A member of a joint space. */
export interface JointValue<A> {
  arch: A;
  hparams: HparamAssignment;
}

/** What a joint space is built from. */
export interface JointSpaceOptions<A> {
  /** Space name. */
  name: string;
  /** The architecture part. */
  arch: SearchSpace<A>;
  /** The hyperparameter part. */
  hparams: HparamsSpace;
  /** Probability that a mutation changes the architecture (else the hyperparameters). Default 0.5. */
  archMutationProbability?: number;
  /** Free text shown by `describe`. Optional. */
  description?: string;
}

/** A ValidationError from part `prefix` with its field moved under `prefix.`. */
function underField(err: unknown, prefix: string): unknown {
  if (!(err instanceof ValidationError)) return err;
  const field = err.location.field ? `${prefix}.${err.location.field}` : prefix;
  return new ValidationError(err.problem, { ...err.location, field }, err.accepted);
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

export class JointSpace<A> implements SearchSpace<JointValue<A>> {
  readonly type = JOINT_SPACE_TYPE;
  readonly name: string;
  readonly arch: SearchSpace<A>;
  readonly hparams: HparamsSpace;
  readonly archMutationProbability: number;
  readonly description?: string;
  private readonly archDims: number;

  constructor(options: JointSpaceOptions<A>) {
    const p = options.archMutationProbability ?? 0.5;
    if (typeof p !== 'number' || !(p >= 0 && p <= 1)) {
      throw new ValidationError(`arch mutation probability is ${JSON.stringify(p)}`, { field: 'arch_mutation_probability' }, 'a number in [0, 1]');
    }
    this.name = options.name;
    this.arch = options.arch;
    this.hparams = options.hparams;
    this.archMutationProbability = p;
    this.description = options.description;
    this.archDims = options.arch.dims().length;
  }

  sample(rng: Rng): JointValue<A> {
    return { arch: this.arch.sample(rng), hparams: this.hparams.sample(rng) };
  }

  mutate(value: JointValue<A>, rng: Rng): JointValue<A> {
    if (rng.next() < this.archMutationProbability) return { arch: this.arch.mutate(value.arch, rng), hparams: value.hparams };
    return { arch: value.arch, hparams: this.hparams.mutate(value.hparams, rng) };
  }

  validate(value: unknown): JointValue<A> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new ValidationError('a joint configuration must be an object', {}, '{ "arch": ..., "hparams": {...} }');
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (key !== 'arch' && key !== 'hparams') throw new ValidationError(`unknown field '${key}'`, { field: key }, 'arch, hparams');
    }
    for (const key of ['arch', 'hparams']) {
      if (!(key in record)) throw new ValidationError(`missing '${key}'`, { field: key }, key === 'arch' ? `a ${this.arch.type} architecture` : 'a hyperparameter assignment');
    }
    let arch: A;
    let hparams: HparamAssignment;
    try {
      arch = this.arch.validate(record.arch);
    } catch (err) {
      throw underField(err, 'arch');
    }
    try {
      hparams = this.hparams.validate(record.hparams);
    } catch (err) {
      throw underField(err, 'hparams');
    }
    return { arch, hparams };
  }

  hash(value: JointValue<A>): string {
    const text = `joint:${this.arch.hash(value.arch)}:${this.hparams.hash(value.hparams)}`;
    return createHash('sha256').update(text).digest('hex').slice(0, 16);
  }

  /**
   * The architecture's graphs and numbers (its encoding's features when it has no graphs), and the
   * hyperparameters' encoding features under `hparams.`.
   */
  graphView(value: JointValue<A>): GraphView {
    const arch = this.arch.graphView?.(value.arch) ?? { cells: [], numbers: encodingFeatures(this.arch.dims(), this.arch.encode(value.arch), 'arch.') };
    const numbers = { ...arch.numbers, ...encodingFeatures(this.hparams.dims(), this.hparams.encode(value.hparams), 'hparams.') };
    return { cells: arch.cells, numbers };
  }

  dims(): readonly EncodingDim[] {
    return [
      ...this.arch.dims().map((d) => ({ ...d, name: `arch.${d.name}` })),
      ...this.hparams.dims().map((d) => ({ ...d, name: `hparams.${d.name}` })),
    ];
  }

  encode(value: JointValue<A>): number[] {
    return [...this.arch.encode(value.arch), ...this.hparams.encode(value.hparams)];
  }

  decode(vector: readonly number[]): JointValue<A> {
    const expected = this.archDims + this.hparams.names.length;
    if (vector.length !== expected) throw new ValidationError(`vector has ${vector.length} entries`, { field: 'vector' }, `${expected} entries`);
    return { arch: this.arch.decode(vector.slice(0, this.archDims)), hparams: this.hparams.decode(vector.slice(this.archDims)) };
  }

  toJSON(value: JointValue<A>): unknown {
    return { arch: this.arch.toJSON(value.arch), hparams: this.hparams.toJSON(value.hparams) };
  }

  size(): number {
    return this.arch.size() * this.hparams.size();
  }

  distinctSize(): number {
    return (this.arch.distinctSize?.() ?? this.arch.size()) * this.hparams.size();
  }

  describe(): string {
    return [
      `joint space '${this.name}': architecture x hyperparameters, size ${this.size()}${this.description ? `\n  ${this.description}` : ''}`,
      `architecture (mutated with probability ${this.archMutationProbability}):`,
      indent(this.arch.describe()),
      'hyperparameters:',
      indent(this.hparams.describe()),
    ].join('\n');
  }
}

/** How a joint space file reaches other spaces. */
export interface JointLoadContext {
  /** Name for the space when the file gives none. Default 'joint'. */
  name?: string;
  /** Loads a space by name or path (paths relative to the joint file). */
  loadSpace(ref: string): SearchSpace<unknown>;
  /** Builds a space from an inline space object (dispatching on its `type`). */
  spaceFromJSON(json: unknown): SearchSpace<unknown>;
}

const JOINT_KEYS = ['type', 'name', 'description', 'architecture', 'hyperparameters', 'arch_mutation_probability'];

function architecturePart(ref: unknown, ctx: JointLoadContext): SearchSpace<unknown> {
  const accepted = 'an architecture space name, a path to its file, or an inline space object';
  if (ref === undefined) throw new ValidationError("missing 'architecture'", { field: 'architecture' }, accepted);
  let space: SearchSpace<unknown>;
  if (typeof ref === 'string') space = ctx.loadSpace(ref);
  else if (typeof ref === 'object' && ref !== null && !Array.isArray(ref)) {
    try {
      space = ctx.spaceFromJSON(ref);
    } catch (err) {
      throw underField(err, 'architecture');
    }
  } else throw new ValidationError(`architecture is ${JSON.stringify(ref)}`, { field: 'architecture' }, accepted);
  if (space.type === 'hparams' || space.type === JOINT_SPACE_TYPE) {
    throw new ValidationError(`the architecture part is a '${space.type}' space`, { field: 'architecture' }, 'an architecture space (nasnet-cell, nas-bench-201, ...)');
  }
  return space;
}

function hyperparameterPart(ref: unknown, ctx: JointLoadContext): HparamsSpace {
  const accepted = 'an inline { "parameters": {...} } object, or the name or path of an hparams space file';
  if (ref === undefined) throw new ValidationError("missing 'hyperparameters'", { field: 'hyperparameters' }, accepted);
  if (typeof ref === 'string') {
    const space = ctx.loadSpace(ref);
    if (!(space instanceof HparamsSpace)) throw new ValidationError(`'${ref}' is a '${space.type}' space`, { field: 'hyperparameters' }, accepted);
    return space;
  }
  try {
    return hparamsSpaceFromJSON(ref, { name: 'hyperparameters' });
  } catch (err) {
    throw underField(err, 'hyperparameters');
  }
}

/** Builds a joint space from a parsed `"type": "joint"` object; errors name the field (`architecture.ops`, ...). */
export function jointSpaceFromJSON(json: unknown, ctx: JointLoadContext): JointSpace<unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ValidationError('a joint space must be an object', {}, '{ "type": "joint", "architecture": ..., "hyperparameters": ... }');
  }
  const obj = json as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!JOINT_KEYS.includes(key)) throw new ValidationError(`unknown field '${key}'`, { field: key }, JOINT_KEYS.join(', '));
  }
  if (obj.type !== JOINT_SPACE_TYPE) throw new ValidationError(`type is ${JSON.stringify(obj.type)}`, { field: 'type' }, `"${JOINT_SPACE_TYPE}"`);
  if (obj.name !== undefined && typeof obj.name !== 'string') throw new ValidationError(`name is ${JSON.stringify(obj.name)}`, { field: 'name' }, 'a string');
  if (obj.description !== undefined && typeof obj.description !== 'string') {
    throw new ValidationError(`description is ${JSON.stringify(obj.description)}`, { field: 'description' }, 'a string');
  }
  return new JointSpace({
    name: (obj.name as string | undefined) ?? ctx.name ?? JOINT_SPACE_TYPE,
    arch: architecturePart(obj.architecture, ctx),
    hparams: hyperparameterPart(obj.hyperparameters, ctx),
    ...(obj.arch_mutation_probability !== undefined ? { archMutationProbability: obj.arch_mutation_probability as number } : {}),
    ...(obj.description !== undefined ? { description: obj.description as string } : {}),
  });
}
