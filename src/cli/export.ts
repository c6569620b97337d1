/**
 * `nas export <run-dir> --out <dir> [--id <child>] [--retrain-epochs <n>]`: writes the run's best (or
 * the named) child as a TensorFlow.js model (model.json + weights.bin), its genome.json and SVG
 * diagrams of its cells.
 */
import type { Argv, CommandModule } from 'yargs';
import { exportRun, type ExportRunSummary } from '../run/export.ts';
import { BACKEND_NAMES, type BackendName } from '../backends/backend.ts';
import type { AnyCommand } from './commands.ts';
import { numeric } from './numeric.ts';

interface ExportArgs {
  'run-dir': string;
  out: string;
  id?: number;
  'retrain-epochs'?: number;
  retrain: boolean;
  backend?: BackendName;
  dataset?: string;
  json: boolean;
}

/** The readable report. */
export function formatExport(s: ExportRunSummary): string {
  const how = s.source === 'kept' ? `the weights the run kept (validated on ${s.dataset})` : `retrained for ${s.epochs} epoch(s) with the child's seed on ${s.dataset}`;
  return [
    `exported child ${s.id} (${s.hash}, score ${s.score}) of ${s.runDir} to ${s.outDir}`,
    `  weights: ${how}; ${s.params.toLocaleString('en-US')} parameters; validation accuracy ${s.valAccuracy.toFixed(4)} (backend ${s.backend})`,
    `  files: ${s.files.join(', ')}`,
    `  load it with tf.loadLayersModel (a file:// or http URL to model.json, or the file IOHandler)`,
  ].join('\n');
}

const exportModule: CommandModule<object, ExportArgs> = {
  command: 'export <run-dir>',
  describe: 'Export the best (or --id) child of a run as a tfjs model with its genome and cell diagrams',
  builder: (y: Argv) =>
    y
      .positional('run-dir', { type: 'string', demandOption: true, describe: 'the run directory' })
      .option('out', { type: 'string', demandOption: true, describe: 'directory to write model.json, weights.bin, genome.json and the SVG diagrams to' })
      .option('id', numeric('id', 'child to export [default: the best]'))
      .option('retrain-epochs', numeric('retrain-epochs', "epochs when the run kept no weights for the child [default: the run's epochs, else 1]"))
      .option('retrain', { type: 'boolean', default: false, describe: 'retrain even when the run kept the child\'s weights' })
      .option('dataset', { type: 'string', describe: "dataset of a retrain, e.g. cifar10:data/datasets/cifar-10-batches-bin [default: the run's, else fashion-mnist-mini]" })
      .option('backend', { choices: BACKEND_NAMES, describe: "tfjs backend [default: the run's, else auto]" })
      .option('json', { type: 'boolean', default: false, describe: 'print a JSON summary as the last line of stdout' }) as unknown as Argv<ExportArgs>,
  handler: async (argv) => {
    const summary = await exportRun({
      runDir: argv['run-dir'], out: argv.out, id: argv.id, retrainEpochs: argv['retrain-epochs'], retrain: argv.retrain, backend: argv.backend, dataset: argv.dataset,
    });
    process.stdout.write(argv.json ? `${JSON.stringify({ ...summary, probe: undefined })}\n` : `${formatExport(summary)}\n`);
  },
};

/** `nas export`. */
export const exportCommand: AnyCommand = exportModule;
