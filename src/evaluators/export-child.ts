/**
 * Exporting one child of a run: its model comes from the run's kept weights when there are any
 * (large-scale evolution keeps every child's under `weights/<id>/`; train runs keep their best), else it
 * is retrained from scratch with its own seed on the run's dataset, with the same settings its evaluator
 * used; src/model/export.ts then writes the model, probe, genome, diagrams and export.json.
 */
import { mkdir } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { ValidationError } from '../core/errors.ts';
import { deriveSeed } from '../core/rng.ts';
import type { Batch, ImageSet } from '../data/types.ts';
import { batches } from '../data/batches.ts';
import { validateGenome } from '../genome/genome.ts';
import { networkPlan } from '../genome/network/network.ts';
import type { NetworkPlan } from '../genome/network/plan.ts';
import type { LargeScaleGenome } from '../genome/large-scale.ts';
import { JointSpace } from '../spaces/joint.ts';
import type { SearchSpace } from '../spaces/space.ts';
import { buildModelFromPlan } from '../model/builder.ts';
import { writeExport, type ExportResult } from '../model/export.ts';
import { loadModel } from '../model/file-io.ts';
import { buildLargeScaleModel } from '../model/large-scale-builder.ts';
import { evaluateModel, trainModel } from '../train/trainer.ts';
import type { TrainData, TrainOptions } from '../train/trainer.ts';
import { largeScaleSettings, loadSettingsData, trainDataOf } from './large-scale.ts';
import { networkFor, trainingHparams, trainSettings } from './train.ts';

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

/** Trains the child from scratch and saves it; returns its validation accuracy. */
async function retrain(o: ExportChildOptions, data: Data, epochs: number): Promise<{ model: tf.LayersModel; valAccuracy: number }> {
  const extra = o.evaluatorOptions ?? {};
  if ((o.config as { kind?: unknown } | null)?.kind === 'large-scale') {
    const genome = o.space.validate(o.config) as LargeScaleGenome;
    const s = largeScaleSettings(extra);
    const built = buildLargeScaleModel(genome, { inputShape: data.shape, numClasses: data.numClasses }, { seed: deriveSeed(o.seed, 'init') });
    return trainKept(built.model, built.plan, data.train, { epochs, seed: o.seed, batchSize: s.batchSize, optimizer: s.optimizer, lr: genome.learningRate, schedule: s.schedule, weightDecay: s.weightDecay, trainPath: s.trainPath });
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
    epochs, seed: o.seed, batchSize: s.batchSize, optimizer: s.optimizer, schedule: s.schedule, weightDecay: s.weightDecay, trainPath: s.trainPath,
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

/** Writes the child's model, genome and diagrams to `o.outDir`, from its kept weights or a retrain. */
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
    return await writeExport({
      model, outDir: o.outDir, space: o.space, config: o.config, seed: o.seed, probeImages: x,
      source: o.keptWeights !== undefined ? 'kept' : 'retrained', epochs, valAccuracy, ...(o.meta ? { meta: o.meta } : {}),
    });
  } finally {
    x.dispose();
    model.dispose();
  }
}
