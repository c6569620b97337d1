/**
 * Checking an exported model (`nas verify`): loads `model.json` + `weights.bin` with
 * `tf.loadLayersModel` through the file IOHandler, predicts on the probe images `probe.json` holds and
 * compares the outputs with the ones recorded at export. On the backend that made the recording the
 * outputs must be identical; on another backend they may differ by rounding, up to 1e-5.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { FileFormatError, NasError } from '../core/errors.ts';
import { PROBE_FILE, predictRows, type ProbeFile } from './export.ts';
import { loadModel, MODEL_FILE, WEIGHTS_FILE } from './file-io.ts';

/** Largest absolute difference accepted when the backend differs from the exporting one. */
export const CROSS_BACKEND_TOLERANCE = 1e-5;

/** Options of `verifyExport`. */
export interface VerifyOptions {
  /** Largest accepted absolute difference. Default 0 on the exporting backend, else 1e-5. */
  tolerance?: number;
}

/** What `verifyExport` found. */
export interface VerifyResult {
  dir: string;
  /** Whether every output is within `tolerance` of the recorded one. */
  ok: boolean;
  /** Largest absolute difference between the reloaded model's outputs and the recorded ones. */
  maxAbsDiff: number;
  tolerance: number;
  /** Parameters of the reloaded model. */
  params: number;
  /** Probe images compared. */
  images: number;
  /** Backend of this check, and the one that recorded the outputs. */
  backend: string;
  recordedBackend: string;
}

/** A reloaded model that does not reproduce the recorded outputs. */
export class VerifyMismatchError extends NasError {
  readonly result: VerifyResult;

  constructor(result: VerifyResult) {
    super(
      `${join(result.dir, MODEL_FILE)} with ${WEIGHTS_FILE} does not reproduce the outputs recorded in ${PROBE_FILE}: ` +
        `max abs difference ${result.maxAbsDiff.toExponential(3)} > tolerance ${result.tolerance} ` +
        `(${result.images} images, ${result.params} parameters, backend ${result.backend}, recorded on ${result.recordedBackend}); ` +
        `the weights were changed or belong to another model — export again`,
    );
    this.result = result;
  }
}

const isNumberArray = (v: unknown): v is number[] => Array.isArray(v) && v.every((n) => typeof n === 'number');

/** Reads and checks `probe.json` in `dir`. */
export async function readProbe(dir: string): Promise<ProbeFile> {
  const file = join(dir, PROBE_FILE);
  let probe: Partial<ProbeFile>;
  try {
    probe = JSON.parse(await readFile(file, 'utf8')) as Partial<ProbeFile>;
  } catch (err) {
    throw new FileFormatError(file, `cannot read the probe (${(err as Error).message.split('\n')[0]}); export the model again with nas export`);
  }
  const shape = probe.shape;
  if (!isNumberArray(shape) || shape.length !== 4 || !isNumberArray(probe.inputs) || !Array.isArray(probe.outputs) || !probe.outputs.every(isNumberArray)) {
    throw new FileFormatError(file, 'needs shape [n, height, width, channels], inputs (numbers) and outputs (rows of numbers)');
  }
  if (shape.reduce((a, b) => a * b, 1) !== probe.inputs.length || probe.outputs.length !== shape[0]) {
    throw new FileFormatError(file, `inputs hold ${probe.inputs.length} numbers and outputs ${probe.outputs.length} rows, shape [${shape.join(', ')}] needs ${shape.reduce((a, b) => a * b, 1)} and ${shape[0]}`);
  }
  return { format: 1, backend: typeof probe.backend === 'string' ? probe.backend : 'unknown', shape: shape as ProbeFile['shape'], inputs: probe.inputs, outputs: probe.outputs };
}

/** Largest absolute difference between two tables of numbers (Infinity when their shapes differ or a value is NaN). */
export function maxAbsDifference(a: number[][], b: number[][]): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i].length !== b[i].length) return Number.POSITIVE_INFINITY;
    for (let j = 0; j < a[i].length; j++) {
      const d = Math.abs(a[i][j] - b[i][j]);
      if (!(d <= max)) max = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
    }
  }
  return max;
}

/** Reloads the model exported in `dir` and compares its outputs on the probe images with the recorded ones. */
export async function verifyExport(dir: string, options: VerifyOptions = {}): Promise<VerifyResult> {
  const probe = await readProbe(dir);
  const model = await loadModel(dir);
  const x = tf.tensor4d(probe.inputs, probe.shape);
  try {
    const outputs = await predictRows(model, x);
    const backend = tf.getBackend();
    const tolerance = options.tolerance ?? (backend === probe.backend ? 0 : CROSS_BACKEND_TOLERANCE);
    const maxAbsDiff = maxAbsDifference(outputs, probe.outputs);
    return {
      dir, ok: maxAbsDiff <= tolerance, maxAbsDiff, tolerance, params: model.countParams(), images: probe.shape[0], backend, recordedBackend: probe.backend,
    };
  } finally {
    x.dispose();
    model.dispose();
  }
}
