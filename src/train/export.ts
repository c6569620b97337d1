/**
 * Exporting one child as a standalone TensorFlow.js model: `model.json` + `weights.bin` (written
 * atomically through the file IOHandler, loadable with `tf.loadLayersModel` in Node or a browser with
 * no custom code), `genome.json` and SVG diagrams of its cells (src/genome/diagram.ts).
 *
 * The weights are the run's own when it kept them (large-scale evolution keeps every child's under
 * `weights/<id>/`); otherwise the child is retrained from scratch with its own seed on the run's
 * dataset for the given number of epochs. `export.json` says which, and records the predictions of
 * the model as saved on a few validation images; `probe.json` holds those images (normalised) with the
 * predictions and the backend that made them, so `nas verify` (verify.ts) can check a reload.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../core/errors.ts';
import { deriveSeed } from '../core/rng.ts';
import type { Batch, ImageSet } from '../data/types.ts';
import { batches } from '../data/batches.ts';
import { genomeDiagrams } from '../genome/diagram.ts';
import { validateGenome } from '../genome/genome.ts';
import { networkPlan } from '../genome/network/network.ts';
import type { NetworkPlan } from '../genome/network/plan.ts';
import type { LargeScaleGenome } from '../genome/large-scale.ts';
import { JointSpace } from '../spaces/joint.ts';
import type { SearchSpace } from '../spaces/space.ts';
import { networkFor, trainingHparams, trainSettings } from './evaluators/train.ts';
import { loadModel, MODEL_FILE, saveModel, WEIGHTS_FILE, writeFileAtomic } from './file-io.ts';
import { buildLargeScaleModel } from './large-scale-builder.ts';
import { largeScaleSettings, loadSettingsData, trainDataOf } from './large-scale-evaluator.ts';
import { buildModelFromPlan } from './builder.ts';
import { evaluateModel, trainModel } from './trainer.ts';
import type { TrainData, TrainOptions } from './trainer.ts';

/** Options of `exportChild`. */
export interface ExportChildOptions {
  /** The space the child belongs to. */
  space: SearchSpace<unknown>;
  /** The child's configuration in its JSON form (as the journal holds it). */
  config: unknown;
  /** The child's seed (initialisers, shuffles) for a retrain. */
  seed: number;
  /** Directory to write to (created if missing). */
  outDir: string;
  /** A directory holding the child's trained model (model.json + weights.bin); when set, no retraining. */
  keptWeights?: string;
  /** Epochs of a retrain. Default: the `epochs` of `evaluatorOptions`, else 1 (callers pass a child's fidelity). */
  retrainEpochs?: number;
  /** The run's evaluator options (dataset, limit, batchSize, ...): the data and settings of a retrain. */
  evaluatorOptions?: Record<string, unknown>;
  /** Directory relative dataset paths are resolved from. Default: the working directory. */
  baseDir?: string;
  /** Validation images whose predictions export.json records. Default 4. */
  probeImages?: number;
  /** Extra fields for export.json (run directory, child id, score, ...). */
  meta?: Record<string, unknown>;
}

/** What `exportChild` wrote. */
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

type Data = { train: TrainData; shape: [number, number, number]; numClasses: number };

/** The run's dataset under the evaluator options (one reader for both kinds of genome). */
async function loadData(extra: Record<string, unknown>, baseDir: string | undefined): Promise<Data> {
  const lse = largeScaleSettings({ ...extra, epochs: 1 });
  const loaded = await loadSettingsData(lse, baseDir);
  return { train: trainDataOf(loaded, lse), shape: loaded.info.shape, numClasses: loaded.info.numClasses };
}

/** The first `n` validation images as one normalised batch. */
function probeBatch(set: ImageSet, data: TrainData, n: number): tf.Tensor4D {
  const first = batches(set, { batchSize: Math.max(1, Math.min(n, set.count)), normalization: data.normalization }).next();
  const batch: Batch | undefined = first.done ? undefined : first.value;
  if (!batch) throw new ValidationError('the validation split is empty', { field: 'valFraction' }, 'a split with at least one image');
  return tf.tensor4d(batch.x, [batch.size, ...batch.shape]);
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

/** Trains the child from scratch and saves it; returns its validation accuracy. */
async function retrain(o: ExportChildOptions, data: Data, epochs: number): Promise<{ model: tf.LayersModel; valAccuracy: number }> {
  const extra = o.evaluatorOptions ?? {};
  if ((o.config as { kind?: unknown } | null)?.kind === 'large-scale') {
    const genome = o.space.validate(o.config) as LargeScaleGenome;
    const s = largeScaleSettings(extra);
    const built = buildLargeScaleModel(genome, { inputShape: data.shape, numClasses: data.numClasses }, { seed: deriveSeed(o.seed, 'init') });
    return trainKept(built.model, built.plan, data.train, { epochs, seed: o.seed, batchSize: s.batchSize, optimizer: s.optimizer, lr: genome.learningRate, schedule: s.schedule, weightDecay: s.weightDecay });
  }
  // The same steps as the train evaluator's trainChild, keeping the model. A joint space's
  // hyperparameters override the run's settings, as they did in the run.
  const json = o.space.toJSON(o.space.validate(o.config));
  const joint = o.space instanceof JointSpace ? (json as { arch: unknown; hparams: Record<string, unknown> }) : undefined;
  const genome = validateGenome(joint ? joint.arch : json);
  const s = { ...trainSettings(extra), ...(joint ? trainingHparams(joint.hparams) : {}) };
  const archSpace = o.space instanceof JointSpace ? (o.space.arch as SearchSpace<unknown>) : o.space;
  const plan = networkPlan(genome, networkFor(genome, archSpace, data.shape, data.numClasses));
  const model = buildModelFromPlan(plan, { seed: deriveSeed(o.seed, 'init') });
  return trainKept(model, plan, data.train, {
    epochs, seed: o.seed, batchSize: s.batchSize, optimizer: s.optimizer, schedule: s.schedule, weightDecay: s.weightDecay,
    ...(s.lr !== undefined ? { lr: s.lr } : {}),
  });
}

/** Trains `model` and measures its validation accuracy; disposes it if training fails. */
async function trainKept(model: tf.LayersModel, plan: NetworkPlan, data: TrainData, options: TrainOptions): Promise<{ model: tf.LayersModel; valAccuracy: number }> {
  try {
    await trainModel(model, plan, data, options);
    return { model, valAccuracy: (await evaluateModel(model, data.val, { normalization: data.normalization })).accuracy };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/** The diagrams of a configuration that is (or, in a joint space, holds) a genome; none otherwise. */
function diagramsOf(space: SearchSpace<unknown>, value: unknown): Record<string, string> {
  const genome = space instanceof JointSpace ? (value as { arch: unknown }).arch : value;
  const kind = (genome as { kind?: unknown } | null)?.kind;
  return kind === 'nasnet' || kind === 'nb201' || kind === 'large-scale' ? genomeDiagrams(genome as Parameters<typeof genomeDiagrams>[0]) : {};
}

/** Writes the child's model, genome and diagrams to `o.outDir`. */
export async function exportChild(o: ExportChildOptions): Promise<ExportResult> {
  const extra = o.evaluatorOptions ?? {};
  const data = await loadData(extra, o.baseDir);
  const epochs = o.retrainEpochs ?? (typeof extra.epochs === 'number' ? extra.epochs : 1);
  await mkdir(o.outDir, { recursive: true });
  let model: tf.LayersModel;
  let valAccuracy: number;
  if (o.keptWeights !== undefined) {
    model = await loadModel(o.keptWeights);
    valAccuracy = (await evaluateModel(model, data.train.val, { normalization: data.train.normalization })).accuracy;
  } else {
    ({ model, valAccuracy } = await retrain(o, data, epochs));
  }
  const x = probeBatch(data.train.val, data.train, o.probeImages ?? 4);
  try {
    await saveModel(model, o.outDir);
    const probe = await predictRows(model, x);
    await writeProbe(o.outDir, x, probe);
    const genome = o.space.toJSON(o.space.validate(o.config));
    const diagrams = diagramsOf(o.space, o.space.validate(o.config));
    await writeFileAtomic(join(o.outDir, 'genome.json'), `${JSON.stringify(genome, null, 2)}\n`);
    for (const [file, svg] of Object.entries(diagrams)) await writeFileAtomic(join(o.outDir, file), svg);
    const source = o.keptWeights !== undefined ? 'kept' : 'retrained';
    const result: ExportResult = {
      outDir: o.outDir, files: [MODEL_FILE, WEIGHTS_FILE, PROBE_FILE, 'genome.json', ...Object.keys(diagrams), 'export.json'], source,
      ...(source === 'retrained' ? { epochs } : {}), valAccuracy, params: model.countParams(), probe,
    };
    await writeFileAtomic(join(o.outDir, 'export.json'), `${JSON.stringify({ ...o.meta, ...result, outDir: undefined, seed: o.seed }, null, 2)}\n`);
    return result;
  } finally {
    x.dispose();
    model.dispose();
  }
}
