/**
 * `nas train`: trains one genome (from a file, or a random member of the space) on a dataset, printing
 * per-epoch loss and accuracy with a progress bar on stderr, then the validation accuracy. With --json
 * the last line of stdout is one JSON object with the result.
 */
import type { Argv, CommandModule } from 'yargs';
import { ValidationError } from '../core/errors.ts';
import { resolveSeed } from '../core/rng.ts';
import { BACKEND_NAMES, type BackendName } from '../backends/backend.ts';
import { TRAIN_PATH_OPTIONS, type TrainPathOption } from '../backends/native/graph/path.ts';
import { OPTIMIZER_NAMES, SCHEDULE_NAMES, type OptimizerName, type ScheduleName } from '../train/optimizers.ts';
import { trainOne, type TrainOneReady, type TrainOneResult } from '../train/train-one.ts';
import type { AnyCommand } from './commands.ts';
import { readGenomeFile } from './genome.ts';
import { StepBar } from './step-bar.ts';
import { numeric } from './numeric.ts';

interface TrainArgs {
  space: string;
  genome: string;
  dataset: string;
  epochs: number;
  'batch-size': number;
  lr?: number;
  optimizer: OptimizerName;
  schedule: ScheduleName;
  'weight-decay': number;
  seed?: number;
  backend: BackendName;
  'train-path': TrainPathOption;
  limit?: number;
  'val-fraction': number;
  augment: boolean;
  test: boolean;
  save?: string;
  json: boolean;
}

const count = (n: number): string => (n >= 1e6 ? `${(n / 1e6).toFixed(2)}M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)}k` : String(n));

function describeReady(r: TrainOneReady, seed: number): string {
  const d = r.dataset;
  const lines = [
    `space ${r.space}, genome ${r.hash}, seed ${seed}: ${count(r.cost.params)} params, ${count(r.cost.madds)} multiply-adds per image`,
    `dataset ${d.name} (${d.spec}): ${d.counts.train} train, ${d.counts.val} validation${d.counts.test !== undefined ? `, ${d.counts.test} test` : ''} images of ${d.shape.join('x')}, ${d.numClasses} classes`,
    `backend ${r.backend.description}${r.backend.skipped.length > 0 ? ` (not used: ${r.backend.skipped.join('; ')})` : ''}`,
    `training path ${r.trainPath.path}: ${r.trainPath.reason}`,
  ];
  return `${lines.join('\n')}\n`;
}

function printResult(r: TrainOneResult, json: boolean): void {
  if (r.status === 'ok') {
    const test = r.testAccuracy !== undefined ? `, test accuracy ${r.testAccuracy.toFixed(4)} (reported, not for choosing)` : '';
    process.stdout.write(`validation accuracy ${(r.valAccuracy as number).toFixed(4)}${test}\n`);
    process.stdout.write(`trained in ${r.trainSeconds.toFixed(1)} s, ${r.imagesPerSecond.toFixed(1)} images/s on ${r.backendDescription}${r.trainPath !== undefined ? `, ${r.trainPath} path` : ''}\n`);
    if (r.savedTo !== undefined) process.stdout.write(`saved to ${r.savedTo} (model.json + weights.bin)\n`);
  } else {
    process.stdout.write(`failed (${r.failure}): ${r.error}\n`);
  }
  if (json) {
    const { metrics: _metrics, score: _score, report: _report, ...rest } = r;
    process.stdout.write(`${JSON.stringify({ ...rest, valAccuracy: r.valAccuracy ?? null })}\n`);
  }
}

function checkArgs(argv: TrainArgs): void {
  const positiveInt = (v: number | undefined, field: string): void => {
    if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new ValidationError(`got ${v}`, { field }, 'a positive integer');
  };
  positiveInt(argv.epochs, '--epochs');
  positiveInt(argv['batch-size'], '--batch-size');
  positiveInt(argv.limit, '--limit');
  if (argv.seed !== undefined && !(Number.isInteger(argv.seed) && argv.seed >= 0)) {
    throw new ValidationError(`got ${argv.seed}`, { field: '--seed' }, 'an integer >= 0 (0 draws one)');
  }
}

const train: CommandModule<object, TrainArgs> = {
  command: 'train',
  describe: 'Train one genome on a dataset and report its validation accuracy',
  builder: (y: Argv) =>
    y
      .option('space', { type: 'string', default: 'nasnet-cell', describe: 'search space: a name from search-spaces/ or a .json file' })
      .option('genome', { type: 'string', default: 'random', describe: 'genome file (JSON, or .pb), or random (drawn from the space with --seed)' })
      .option('dataset', { type: 'string', default: 'fashion-mnist-mini', describe: 'cifar10:<dir>, cifar100:<dir>, mnist:<dir>, fashion-mnist:<dir>, folder:<dir> or fashion-mnist-mini' })
      .option('epochs', numeric('epochs', 'training epochs', { default: 1 }))
      .option('batch-size', numeric('batch-size', 'images per step', { default: 64 }))
      .option('lr', numeric('lr', 'initial learning rate [default: 0.05 sgd, 0.001 adam]'))
      .option('optimizer', { choices: OPTIMIZER_NAMES, default: 'sgd' as OptimizerName, describe: 'sgd (Nesterov momentum 0.9) or adam' })
      .option('schedule', { choices: SCHEDULE_NAMES, default: 'cosine' as ScheduleName, describe: 'learning-rate schedule' })
      .option('weight-decay', numeric('weight-decay', 'L2 weight decay on kernels', { default: 0 }))
      .option('seed', numeric('seed', 'seed of initializers, shuffles, augmentation and a random genome (0 or absent: draw one and print it)'))
      .option('backend', { choices: BACKEND_NAMES, default: 'auto' as BackendName, describe: 'tfjs backend' })
      .option('train-path', { choices: TRAIN_PATH_OPTIONS, default: 'auto' as TrainPathOption, describe: 'graph: each step one TensorFlow graph (native TensorFlow only); eager: tfjs kernel by kernel; auto: graph where the backend runs graphs' })
      .option('limit', numeric('limit', 'training images to read (before the validation split) [default: all]'))
      .option('val-fraction', numeric('val-fraction', 'share of the training images held out for validation', { default: 0.1 }))
      .option('augment', { type: 'boolean', default: true, describe: "the dataset's augmentation (crop + flip for natural images); --no-augment for none" })
      .option('test', { type: 'boolean', default: false, describe: 'also measure test accuracy (reported, never used to choose)' })
      .option('save', { type: 'string', describe: 'directory to save the trained model in (model.json + weights.bin)' })
      .option('json', { type: 'boolean', default: false, describe: 'print the result as one JSON object on the last line of stdout' }) as unknown as Argv<TrainArgs>,
  handler: async (argv) => {
    checkArgs(argv);
    const seed = resolveSeed(argv.seed);
    const bar = new StepBar();
    const result = await trainOne({
      space: argv.space,
      genome: argv.genome === 'random' ? 'random' : readGenomeFile(argv.genome),
      dataset: argv.dataset,
      limit: argv.limit,
      valFraction: argv['val-fraction'],
      augment: argv.augment,
      backend: argv.backend,
      trainPath: argv['train-path'],
      epochs: argv.epochs,
      seed,
      batchSize: argv['batch-size'],
      optimizer: argv.optimizer,
      schedule: argv.schedule,
      weightDecay: argv['weight-decay'],
      evaluateTest: argv.test,
      save: argv.save,
      ...(argv.lr !== undefined ? { lr: argv.lr } : {}),
      onReady: (ready) => process.stderr.write(describeReady(ready, seed)),
      onStep: (p) => bar.update(p.step, p.steps, `epoch ${p.epoch}/${argv.epochs}`, `loss ${p.loss.toFixed(4)}`),
      onEpoch: (e) => {
        bar.clear();
        process.stdout.write(`epoch ${e.epoch}/${argv.epochs}: loss ${e.loss.toFixed(4)}, accuracy ${e.accuracy.toFixed(4)}, lr ${e.lr.toPrecision(3)}, ${e.seconds.toFixed(1)} s\n`);
      },
    });
    bar.clear();
    printResult(result, argv.json);
    if (result.status !== 'ok') process.exitCode = 1;
  },
};

/** `nas train`. */
export const trainCommand = train as AnyCommand;
