/**
 * Writing one trained child as a standalone TensorFlow.js model: `model.json` + `weights.bin` (written
 * atomically through the file IOHandler, loadable with `tf.loadLayersModel` in Node or a browser with
 * no custom code), `genome.json`, SVG diagrams of its cells (src/genome/diagram.ts), `probe.json` (a few
 * normalised validation images with the predictions the saved model gave on them and the backend that
 * made them, so `nas verify` (verify.ts) can check a reload) and `export.json` (where the weights came
 * from, validation accuracy, parameters, the caller's metadata).
 *
 * Where the weights come from (a run's kept weights, or a retrain) is decided above this folder
 * (src/evaluators/export-child.ts).
 */
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { genomeDiagrams } from '../genome/diagram.ts';
import { JointSpace } from '../spaces/joint.ts';
import type { SearchSpace } from '../spaces/space.ts';
import { MODEL_FILE, saveModel, WEIGHTS_FILE, writeFileAtomic } from './file-io.ts';

/** What an export wrote. */
export interface ExportResult {
  outDir: string;
  /** File names written in `outDir`. */
  files: string[];
  /** `kept`: the run's trained weights; `retrained`: trained again for `epochs` epochs. */
  source: 'kept' | 'retrained';
  epochs?: number;
  /** Validation accuracy of the exported model on the run's validation split. */
  valAccuracy: number;
  params: number;
  /** Softmax outputs of the exported model on the first validation images (one row per image). */
  probe: number[][];
}

/** The file of the probe images and the outputs the exported model gave on them. */
export const PROBE_FILE = 'probe.json';

/** Contents of `probe.json`. */
export interface ProbeFile {
  format: 1;
  /** tfjs backend that computed `outputs`. */
  backend: string;
  /** Shape of `inputs`: [images, height, width, channels]. */
  shape: [number, number, number, number];
  /** The normalised images, flattened in row-major order. */
  inputs: number[];
  /** Softmax outputs of the saved model, one row per image. */
  outputs: number[][];
}

/** Writes `probe.json` in `dir`. */
async function writeProbe(dir: string, x: tf.Tensor4D, outputs: number[][]): Promise<void> {
  const probe: ProbeFile = { format: 1, backend: tf.getBackend(), shape: x.shape, inputs: Array.from(await x.data()), outputs };
  await writeFileAtomic(join(dir, PROBE_FILE), `${JSON.stringify(probe)}\n`);
}

/** Softmax outputs of `model` on `x`, as nested arrays. */
export async function predictRows(model: tf.LayersModel, x: tf.Tensor4D): Promise<number[][]> {
  const y = model.predict(x) as tf.Tensor2D;
  try {
    return (await y.array()) as number[][];
  } finally {
    y.dispose();
  }
}

/** The diagrams of a configuration that is (or, in a joint space, holds) a genome; none otherwise. */
async function diagramsOf(space: SearchSpace<unknown>, value: unknown): Promise<Record<string, string>> {
  const genome = space instanceof JointSpace ? (value as { arch: unknown }).arch : value;
  const kind = (genome as { kind?: unknown } | null)?.kind;
  return kind === 'nasnet' || kind === 'nb201' || kind === 'large-scale' ? await genomeDiagrams(genome as Parameters<typeof genomeDiagrams>[0]) : {};
}

/** Options of {@link writeExport}. */
export interface WriteExportOptions {
  /** The trained model (not disposed here). */
  model: tf.LayersModel;
  /** Directory to write to (must exist). */
  outDir: string;
  /** The space the child belongs to. */
  space: SearchSpace<unknown>;
  /** The child's configuration in its JSON form (as the journal holds it). */
  config: unknown;
  /** The child's seed, recorded in export.json. */
  seed: number;
  /** Normalised validation images whose predictions probe.json and export.json record (not disposed here). */
  probeImages: tf.Tensor4D;
  /** Where the weights came from. */
  source: ExportResult['source'];
  /** Epochs of a retrain (recorded when `source` is `retrained`). */
  epochs?: number;
  /** Validation accuracy of `model` on the run's validation split. */
  valAccuracy: number;
  /** Extra fields for export.json (run directory, child id, score, ...). */
  meta?: Record<string, unknown>;
}

/** Writes the child's model, probe, genome, diagrams and export.json to `o.outDir`. */
export async function writeExport(o: WriteExportOptions): Promise<ExportResult> {
  await saveModel(o.model, o.outDir);
  const probe = await predictRows(o.model, o.probeImages);
  await writeProbe(o.outDir, o.probeImages, probe);
  const value = o.space.validate(o.config);
  const diagrams = await diagramsOf(o.space, value);
  await writeFileAtomic(join(o.outDir, 'genome.json'), `${JSON.stringify(o.space.toJSON(value), null, 2)}\n`);
  for (const [file, svg] of Object.entries(diagrams)) await writeFileAtomic(join(o.outDir, file), svg);
  const result: ExportResult = {
    outDir: o.outDir, files: [MODEL_FILE, WEIGHTS_FILE, PROBE_FILE, 'genome.json', ...Object.keys(diagrams), 'export.json'], source: o.source,
    ...(o.source === 'retrained' ? { epochs: o.epochs } : {}), valAccuracy: o.valAccuracy, params: o.model.countParams(), probe,
  };
  await writeFileAtomic(join(o.outDir, 'export.json'), `${JSON.stringify({ ...o.meta, ...result, outDir: undefined, seed: o.seed }, null, 2)}\n`);
  return result;
}
