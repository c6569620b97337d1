/**
 * A training checkpoint as plain data: named weight arrays, the optimiser's named slot arrays, the
 * epoch and step counters, the seed every per-epoch and per-step random stream derives from, and the
 * scores measured so far. Any training path (the eager tfjs loop, a graph, another machine) can produce
 * and consume one; `encodeCheckpoint` / `decodeCheckpoint` turn it into one self-describing file.
 *
 * File layout (little-endian): the 8 bytes `NASCKPT1`, a uint32 header length, the header as UTF-8
 * JSON (every field but the arrays' values, plus their shapes), zero padding to a multiple of 4, then
 * the float32 values of each weight and each optimiser slot, in header order.
 */
import { endianness } from 'node:os';
import { FileFormatError } from './errors.ts';

/** One named float32 array. */
export interface NamedArray {
  /** The weight's name in its network (`cell0_b1_sep/depthwise_kernel`), or a slot's `<kind>:<weight>`. */
  name: string;
  shape: number[];
  values: Float32Array;
}

/** An optimiser's state beside the weights. */
export interface OptimizerState {
  /** `sgd` or `adam`. */
  name: string;
  /** Optimisation steps the optimiser has applied. */
  iterations: number;
  /** Slot arrays (momentum; Adam's first and second moments) in the optimiser's own order. */
  slots: NamedArray[];
  /** Scalars the optimiser keeps beside its slots (Adam's running powers of beta1 and beta2). */
  scalars: Record<string, number>;
}

/** Everything needed to continue training a child exactly where it stopped. */
export interface TrainCheckpoint {
  /** Format of this object; 1. */
  format: 1;
  /** Epochs trained. */
  epoch: number;
  /** Optimisation steps taken (the index of the next step's dropout draw). */
  step: number;
  /** Seed of the lineage: data order, augmentation and dropout of every later epoch derive from it. */
  seed: number;
  /** Epochs the learning-rate schedule spans (the run's largest fidelity). */
  horizon: number;
  /** Score after each epoch, when it was measured (the median rule measures it). */
  curve: number[];
  /** Every weight of the network, batch-norm statistics included, by name. */
  weights: NamedArray[];
  /** The optimiser's state; absent for evaluators without one. */
  optimizer?: OptimizerState;
  /** Plain-JSON state of an evaluator that is not a network (the learning-curve objective's value). */
  extra?: Record<string, unknown>;
}

/** Where a run's checkpoints are kept (a directory of the run, memory in tests, a shared store). */
export interface CheckpointStore {
  save(trialId: number, checkpoint: TrainCheckpoint): void;
  /** The checkpoint of `trialId`, or undefined when none is kept. */
  load(trialId: number): TrainCheckpoint | undefined;
  has(trialId: number): boolean;
  /** Forgets the checkpoint of `trialId` (nothing when there is none). */
  remove(trialId: number): void;
  /** Ids of the trials with a checkpoint. */
  list(): number[];
}

const MAGIC = 'NASCKPT1';

interface Header extends Omit<TrainCheckpoint, 'weights' | 'optimizer'> {
  weights: Array<{ name: string; shape: number[] }>;
  optimizer?: Omit<OptimizerState, 'slots'> & { slots: Array<{ name: string; shape: number[] }> };
}

const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function checkLittleEndian(): void {
  if (endianness() !== 'LE') throw new Error('checkpoint files are written on little-endian machines only');
}

/** The checkpoint as the bytes of one file. */
export function encodeCheckpoint(c: TrainCheckpoint): Uint8Array {
  checkLittleEndian();
  const arrays = [...c.weights, ...(c.optimizer?.slots ?? [])];
  for (const a of arrays) {
    if (a.values.length !== size(a.shape)) throw new Error(`checkpoint array '${a.name}' holds ${a.values.length} values for shape [${a.shape.join(', ')}]`);
  }
  const strip = (a: NamedArray): { name: string; shape: number[] } => ({ name: a.name, shape: a.shape });
  const header: Header = {
    ...c, weights: c.weights.map(strip),
    ...(c.optimizer ? { optimizer: { ...c.optimizer, slots: c.optimizer.slots.map(strip) } } : {}),
  };
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const start = Math.ceil((MAGIC.length + 4 + json.length) / 4) * 4;
  const out = new Uint8Array(start + 4 * arrays.reduce((n, a) => n + a.values.length, 0));
  out.set(Buffer.from(MAGIC, 'latin1'), 0);
  new DataView(out.buffer).setUint32(MAGIC.length, json.length, true);
  out.set(json, MAGIC.length + 4);
  let at = start;
  for (const a of arrays) {
    out.set(new Uint8Array(a.values.buffer, a.values.byteOffset, a.values.byteLength), at);
    at += a.values.byteLength;
  }
  return out;
}

/** Reads the bytes of a checkpoint file; anything malformed is a FileFormatError naming `file`. */
export function decodeCheckpoint(bytes: Uint8Array, file: string): TrainCheckpoint {
  checkLittleEndian();
  if (bytes.length < MAGIC.length + 4 || Buffer.from(bytes.subarray(0, MAGIC.length)).toString('latin1') !== MAGIC) {
    throw new FileFormatError(file, `not a checkpoint (no ${MAGIC} header)`);
  }
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(MAGIC.length, true);
  if (MAGIC.length + 4 + length > bytes.length) throw new FileFormatError(file, 'truncated checkpoint header');
  let header: Header;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(MAGIC.length + 4, MAGIC.length + 4 + length)).toString('utf8')) as Header;
  } catch (err) {
    throw new FileFormatError(file, `corrupt checkpoint header (${(err as Error).message})`);
  }
  if (header.format !== 1 || !Array.isArray(header.weights)) throw new FileFormatError(file, `unknown checkpoint format ${String(header.format)} (accepted: 1)`);
  const specs = [...header.weights, ...(header.optimizer?.slots ?? [])];
  let at = Math.ceil((MAGIC.length + 4 + length) / 4) * 4;
  const need = at + 4 * specs.reduce((n, s) => n + size(s.shape), 0);
  if (need !== bytes.length) throw new FileFormatError(file, `holds ${bytes.length} bytes, its header describes ${need} (truncated or damaged)`);
  const take = (s: { name: string; shape: number[] }): NamedArray => {
    const n = size(s.shape);
    const values = new Float32Array(n);
    new Uint8Array(values.buffer).set(bytes.subarray(at, at + 4 * n));
    at += 4 * n;
    return { name: s.name, shape: s.shape, values };
  };
  const weights = header.weights.map(take);
  const { optimizer: savedOptimizer, ...rest } = header;
  const optimizer: OptimizerState | undefined = savedOptimizer ? { ...savedOptimizer, slots: savedOptimizer.slots.map(take) } : undefined;
  return { ...rest, weights, ...(optimizer ? { optimizer } : {}) };
}

/** Checkpoints kept in memory (tests, benchmarks, runs without a directory). */
export class MemoryCheckpointStore implements CheckpointStore {
  private readonly kept = new Map<number, Uint8Array>();

  save(trialId: number, checkpoint: TrainCheckpoint): void {
    this.kept.set(trialId, encodeCheckpoint(checkpoint));
  }

  load(trialId: number): TrainCheckpoint | undefined {
    const bytes = this.kept.get(trialId);
    return bytes === undefined ? undefined : decodeCheckpoint(bytes, `checkpoint ${trialId}`);
  }

  has(trialId: number): boolean {
    return this.kept.has(trialId);
  }

  remove(trialId: number): void {
    this.kept.delete(trialId);
  }

  list(): number[] {
    return [...this.kept.keys()].sort((a, b) => a - b);
  }
}
