/**
 * Training one genome end to end, as `nas train` does: load the space, take the genome (a file's value
 * or a random member), load the dataset, select the backend, build, train, evaluate and optionally
 * save the model.
 */
import { ValidationError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import { loadDataset } from '../data/load.ts';
import type { DatasetInfo } from '../data/load.ts';
import { DEFAULT_DATASET } from '../data/spec.ts';
import { networkCost } from '../genome/cost.ts';
import type { NetworkCost } from '../genome/cost.ts';
import { genomeToJSON, hashGenome, validateGenome } from '../genome/genome.ts';
import type { NetworkConfig } from '../genome/network/network.ts';
import type { CellGenome } from '../genome/types.ts';
import { loadSpace } from '../spaces/load.ts';
import type { SearchSpace } from '../spaces/space.ts';
import { selectBackend } from '../backends/backend.ts';
import { chooseTrainPath } from '../backends/native/graph/path.ts';
import type { TrainPathChoice } from '../backends/native/graph/path.ts';
import type { BackendName, BackendSelection } from '../backends/backend.ts';
import { saveModel } from '../model/file-io.ts';
import { trainChild } from './trainer.ts';
import type { TrainOptions, TrainResult } from './trainer.ts';

/** Options of `trainOne`. */
export interface TrainOneOptions extends Omit<TrainOptions, 'afterTraining' | 'trialId'> {
  /** Search space: a name under search-spaces/ or a .json file. Default `nasnet-cell`. */
  space?: string;
  /** The genome as parsed JSON, or `random` for a member drawn from the space with `seed`. */
  genome: unknown;
  /** Dataset spec (`cifar10:<dir>`, `fashion-mnist:<dir>`, `folder:<dir>`, ...). Default `fashion-mnist-mini`. */
  dataset?: string;
  /** Training images read before the validation split. Default: all. */
  limit?: number;
  /** Share of the training images held out for validation. Default 0.1. */
  valFraction?: number;
  /** Use the dataset's recommended augmentation (crop + flip for natural images). Default true. */
  augment?: boolean;
  /** Backend. Default `auto`. */
  backend?: BackendName;
  /** Directory to save the trained model in (model.json + weights.bin). Default: not saved. */
  save?: string;
  /** Called once everything is loaded, before training starts. */
  onReady?: (ready: TrainOneReady) => void;
}

/** What is known before training starts. */
export interface TrainOneReady {
  space: string;
  genome: CellGenome;
  hash: string;
  cost: NetworkCost;
  dataset: DatasetInfo;
  backend: BackendSelection;
  /** The path training steps take on that backend, and why. */
  trainPath: TrainPathChoice;
}

/** The trainer's result plus what was trained where. */
export interface TrainOneResult extends TrainResult {
  space: string;
  /** The genome's JSON form and canonical hash. */
  genome: Record<string, unknown>;
  hash: string;
  dataset: string;
  /** Description of the backend, e.g. `wasm`. */
  backendDescription: string;
  /** Directory the model was saved in, when `save` was given and training succeeded. */
  savedTo?: string;
}

/** The macro network of `genome`: the space's skeleton around it, sized for the data. */
export function networkForSpace(genome: CellGenome, space: SearchSpace<unknown>, inputShape: [number, number, number], numClasses: number): NetworkConfig {
  const macro = ((space as { config?: Record<string, unknown> }).config ?? {}) as {
    cellsPerStack?: number;
    stacks?: number;
    initialFilters?: number;
  };
  if (genome.kind === 'nb201') {
    return { inputShape, numClasses, channels: macro.initialFilters, cellsPerStage: macro.cellsPerStack, stages: macro.stacks };
  }
  return { inputShape, numClasses, cellsPerStack: macro.cellsPerStack ?? 2, stacks: macro.stacks ?? 3, initialFilters: macro.initialFilters ?? 16 };
}

function genomeFor(space: SearchSpace<unknown>, value: unknown, seed: number): CellGenome {
  const typed = value === 'random' ? space.sample(Rng.seeded(seed).split('genome')) : space.validate(value);
  try {
    return validateGenome(space.toJSON(typed));
  } catch (err) {
    throw new ValidationError(
      `space '${space.name}' (type ${space.type}) has no cell genomes to train (${(err as Error).message})`,
      { field: 'space' },
      'a nasnet-cell or nas-bench-201 space',
    );
  }
}

/** Trains one genome; never throws for the child's own failures (see `trainChild`). */
export async function trainOne(options: TrainOneOptions): Promise<TrainOneResult> {
  const space = loadSpace(options.space ?? 'nasnet-cell');
  const genome = genomeFor(space, options.genome, options.seed);
  const dataset = options.dataset ?? DEFAULT_DATASET;
  const loaded = await loadDataset(dataset, { limit: options.limit, valFraction: options.valFraction, includeTest: options.evaluateTest === true });
  const backend = await selectBackend(options.backend ?? 'auto');
  const network = networkForSpace(genome, space, loaded.info.shape, loaded.info.numClasses);
  const hash = hashGenome(genome);
  // Asked for the graph path where the backend cannot run graphs: stop here, naming the option.
  const trainPath = chooseTrainPath(options.trainPath ?? 'auto');
  options.onReady?.({ space: space.name, genome, hash, cost: networkCost(genome, network), dataset: loaded.info, backend, trainPath });
  let savedTo: string | undefined;
  const result = await trainChild(
    { genome, network },
    {
      train: loaded.train,
      val: loaded.val,
      test: loaded.test,
      normalization: loaded.info.normalization,
      augment: options.augment === false ? false : loaded.info.augment,
    },
    {
      ...options,
      afterTraining: options.save
        ? async (model) => {
            await saveModel(model, options.save as string);
            savedTo = options.save;
          }
        : undefined,
    },
  );
  return {
    ...result,
    space: space.name,
    genome: genomeToJSON(genome),
    hash,
    dataset,
    backendDescription: backend.description,
    ...(savedTo !== undefined ? { savedTo } : {}),
  };
}
