/**
 * Weight inheritance (Real et al. 2017): a child starts from its parent's trained weights in every
 * layer that has the same name and the same weight shapes in both networks; every other layer keeps
 * its fresh, seeded initialisation. Layer names come from the genome's stable ids, so a layer keeps
 * its name through insertions and removals elsewhere, and a layer whose shape a mutation changed
 * (more channels, another kernel size, a changed input width) starts afresh.
 *
 * Trained weights are kept per trial in a WeightStore: a directory (`weights/<trialId>/` of a run,
 * model.json + weights.bin written atomically, loadable by `tf.loadLayersModel`) or memory.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadModel, MODEL_FILE, saveModel } from './file-io.ts';

/** Which layers a child took from its parent and which it initialised afresh. */
export interface InheritanceReport {
  /** Names of the layers with weights copied from the parent. */
  inherited: string[];
  /** Names of the layers with weights that kept their fresh initialisation. */
  fresh: string[];
}

/**
 * Copies into `child` the weights of every parent layer of the same name whose weights all have the
 * same shapes. The parent is left untouched (the caller disposes it).
 */
export function inheritWeights(child: tf.LayersModel, parent: tf.LayersModel): InheritanceReport {
  const parentLayers = new Map(parent.layers.map((l) => [l.name, l]));
  const report: InheritanceReport = { inherited: [], fresh: [] };
  for (const layer of child.layers) {
    if (layer.weights.length === 0) continue;
    const source = parentLayers.get(layer.name);
    const same =
      source !== undefined &&
      source.weights.length === layer.weights.length &&
      source.weights.every((w, i) => w.originalName.split('/').pop() === layer.weights[i].originalName.split('/').pop() && w.shape.join('x') === layer.weights[i].shape.join('x'));
    if (!same || source === undefined) {
      report.fresh.push(layer.name);
      continue;
    }
    layer.setWeights(source.getWeights());
    report.inherited.push(layer.name);
  }
  return report;
}

/** Where trained weights are kept between a parent's evaluation and its children's. */
export interface WeightStore {
  /** Keeps `model`'s weights (and architecture) as trial `trialId`'s. */
  save(trialId: number, model: tf.LayersModel): Promise<void>;
  /** The model kept for `trialId` (the caller disposes it), or undefined when none was kept. */
  load(trialId: number): Promise<tf.LayersModel | undefined>;
  /** Whether weights of `trialId` are kept. */
  has(trialId: number): boolean;
}

/** Weights in `dir/<trialId>/` (model.json + weights.bin, each written atomically). */
export class DirectoryWeightStore implements WeightStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** The directory of one trial's weights. */
  trialDir(trialId: number): string {
    return join(this.dir, String(trialId));
  }

  has(trialId: number): boolean {
    return existsSync(join(this.trialDir(trialId), MODEL_FILE));
  }

  async save(trialId: number, model: tf.LayersModel): Promise<void> {
    await saveModel(model, this.trialDir(trialId));
  }

  async load(trialId: number): Promise<tf.LayersModel | undefined> {
    return this.has(trialId) ? loadModel(this.trialDir(trialId)) : undefined;
  }
}

/** Weights kept in memory as serialised model artifacts (no tensors held between calls). */
export class MemoryWeightStore implements WeightStore {
  private readonly artifacts = new Map<number, tf.io.ModelArtifacts>();

  has(trialId: number): boolean {
    return this.artifacts.has(trialId);
  }

  async save(trialId: number, model: tf.LayersModel): Promise<void> {
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        this.artifacts.set(trialId, a);
        return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(a) };
      }),
    );
  }

  async load(trialId: number): Promise<tf.LayersModel | undefined> {
    const a = this.artifacts.get(trialId);
    return a === undefined ? undefined : tf.loadLayersModel(tf.io.fromMemory(a));
  }
}
