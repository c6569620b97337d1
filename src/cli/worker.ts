/**
 * `nas worker`: a long-lived worker that evaluates children for any run that sends them to its queue
 * (`nas evolve|search --queue redis://...`), K at a time, one GPU per child process with --gpus.
 */
import type { Argv, CommandModule } from 'yargs';
import { serveQueue } from '../run/worker.ts';
import { parseGpus } from '../workers/gpus.ts';
import { checkQueueName, parseQueueUrl } from '../workers/queue-url.ts';
import type { AnyCommand } from './commands.ts';
import { numeric } from './numeric.ts';

interface WorkerArgs {
  queue: string;
  'queue-name'?: string;
  concurrency?: number;
  gpus?: string;
  'data-root'?: string;
  'work-dir'?: string;
  'lock-seconds'?: number;
  'max-stalls'?: number;
  grace?: number;
  'recycle-after'?: number;
  'worker-memory'?: number;
  timeout?: number;
}

const worker: CommandModule<object, WorkerArgs> = {
  command: 'worker',
  describe: 'Evaluate children for the runs that send them to a queue (nas evolve|search --queue); one GPU per child process',
  builder: (y: Argv) =>
    y
      .option('queue', { type: 'string', demandOption: true, describe: 'the queue\'s Redis: redis://HOST:PORT[/DB]' })
      .option('queue-name', { type: 'string', describe: 'name of the queue on that Redis [default: nas]' })
      .option('concurrency', numeric('concurrency', 'children evaluated at once, each in its own process [default: the number of --gpus, else 1]'))
      .option('gpus', { type: 'string', describe: 'give each child process one GPU in turn: all, or a list such as 0,1' })
      .option('data-root', { type: 'string', describe: 'read the relative data paths of runs (tables, datasets) under this folder [default: the same path as on the run\'s machine]' })
      .option('work-dir', { type: 'string', describe: 'folder for staged files (space files, weights) [default: a temporary folder, removed on exit]' })
      .option('lock-seconds', numeric('lock-seconds', 'seconds before another worker takes over a child of a worker that died [default: 30]'))
      .option('max-stalls', numeric('max-stalls', 'times a child may lose its worker before it fails [default: 2]'))
      .option('grace', numeric('grace', 'seconds running children may take to finish after SIGTERM/SIGINT before they go back to the queue [default: 30]'))
      .option('recycle-after', numeric('recycle-after', 'evaluations per child process before a fresh one replaces it [default: 50]'))
      .option('worker-memory', numeric('worker-memory', 'heap limit of each child process in MiB'))
      .option('timeout', numeric('timeout', 'seconds a child may take before it fails with timeout')) as unknown as Argv<WorkerArgs>,
  handler: async (argv) => {
    parseQueueUrl(argv.queue);
    await serveQueue({
      url: argv.queue, queueName: argv['queue-name'] !== undefined ? checkQueueName(argv['queue-name']) : undefined,
      gpus: argv.gpus !== undefined ? parseGpus(argv.gpus) : undefined, dataRoot: argv['data-root'], workDir: argv['work-dir'],
      concurrency: argv.concurrency, lockSeconds: argv['lock-seconds'], maxStalls: argv['max-stalls'], graceSeconds: argv.grace,
      recycleAfter: argv['recycle-after'], maxOldSpaceMb: argv['worker-memory'], timeoutSeconds: argv.timeout,
    });
  },
};

/** `nas worker`. */
export const workerCommand: AnyCommand = worker;
