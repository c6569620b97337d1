/**
 * A file-system IOHandler for tfjs models (tfjs without tfjs-node has no `file://`): writes the
 * standard `model.json` + `weights.bin` pair that `tf.loadLayersModel` reads in Node or a browser, and
 * loads it back. Each file is written to a temporary name, fsynced and renamed, then the directory is
 * fsynced: a crash leaves either the old model or the new one, never half a file. The weights go
 * first, so a `model.json` always has its complete `weights.bin` beside it.
 */
import { mkdir, open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { FileFormatError } from '../core/errors.ts';

export const MODEL_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';

/** Writes `data` to `file` atomically: temporary file, fsync, rename. */
export async function writeFileAtomic(file: string, data: Uint8Array | string): Promise<void> {
  const temp = `${file}.tmp-${process.pid}`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(temp, { force: true });
    throw err;
  }
  await handle.close();
  await rename(temp, file);
}

/** Fsyncs a directory so that the renames inside it are durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

const BYTES_PER: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, complex64: 8 };

function expectedBytes(specs: tf.io.WeightsManifestEntry[], file: string): number {
  let total = 0;
  for (const spec of specs) {
    const bytes = spec.quantization ? BYTES_PER[spec.quantization.dtype] : BYTES_PER[spec.dtype];
    if (bytes === undefined) throw new FileFormatError(file, `weight '${spec.name}' has unsupported dtype ${spec.dtype}`);
    total += bytes * spec.shape.reduce((a, b) => a * b, 1);
  }
  return total;
}

async function saveArtifacts(dir: string, artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
  if (artifacts.modelTopology instanceof ArrayBuffer) {
    throw new Error('file IO saves layers models (JSON topology), not binary graph models');
  }
  await mkdir(dir, { recursive: true });
  const weights = new Uint8Array(artifacts.weightData ? tf.io.concatenateArrayBuffers(artifacts.weightData) : new ArrayBuffer(0));
  const modelJSON: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology as object,
    format: artifacts.format ?? 'layers-model',
    generatedBy: artifacts.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
  };
  if (artifacts.trainingConfig) modelJSON.trainingConfig = artifacts.trainingConfig;
  if (artifacts.userDefinedMetadata) modelJSON.userDefinedMetadata = artifacts.userDefinedMetadata;
  await writeFileAtomic(join(dir, WEIGHTS_FILE), weights);
  await writeFileAtomic(join(dir, MODEL_FILE), JSON.stringify(modelJSON));
  await syncDirectory(dir);
  return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
}

async function loadArtifacts(dir: string): Promise<tf.io.ModelArtifacts> {
  const modelFile = join(dir, MODEL_FILE);
  let text: string;
  try {
    text = await readFile(modelFile, 'utf8');
  } catch (err) {
    throw new FileFormatError(modelFile, `cannot read the model (${(err as Error).message.split('\n')[0]})`);
  }
  let modelJSON: tf.io.ModelJSON;
  try {
    modelJSON = JSON.parse(text) as tf.io.ModelJSON;
  } catch (err) {
    throw new FileFormatError(modelFile, `not valid JSON (${(err as Error).message})`);
  }
  if (typeof modelJSON !== 'object' || modelJSON === null || !modelJSON.modelTopology || !Array.isArray(modelJSON.weightsManifest)) {
    throw new FileFormatError(modelFile, 'not a tfjs layers model: needs modelTopology and weightsManifest');
  }
  return tf.io.getModelArtifactsForJSON(modelJSON, async (manifest) => {
    const specs: tf.io.WeightsManifestEntry[] = [];
    const buffers: ArrayBuffer[] = [];
    for (const group of manifest) {
      for (const path of group.paths) {
        const file = join(dir, path);
        const bytes = await readFile(file).catch((err: Error) => {
          throw new FileFormatError(file, `cannot read weights (${err.message.split('\n')[0]})`);
        });
        buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
      }
      specs.push(...group.weights);
    }
    const data = tf.io.concatenateArrayBuffers(buffers);
    const expected = expectedBytes(specs, modelFile);
    if (data.byteLength !== expected) {
      throw new FileFormatError(join(dir, WEIGHTS_FILE), `holds ${data.byteLength} bytes, the manifest in ${MODEL_FILE} needs ${expected} (truncated or from another model)`);
    }
    return [specs, data];
  });
}

/** An IOHandler that saves to and loads from the directory `dir` (model.json + weights.bin). */
export function fileHandler(dir: string): tf.io.IOHandler {
  return {
    save: (artifacts) => saveArtifacts(dir, artifacts),
    load: () => loadArtifacts(dir),
  };
}

/** Saves `model` to `dir` (created if missing) atomically. */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<tf.io.SaveResult> {
  return model.save(fileHandler(dir));
}

/** Loads the layers model saved in `dir`. */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(fileHandler(dir));
}
