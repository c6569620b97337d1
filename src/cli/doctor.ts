/**
 * `nas doctor [--backend B] [--json] [--probe-steps N]`: the backend chosen and why, versions, GPUs,
 * threads, the training path and why, and short training-throughput probes (tfjs's model.fit, and the
 * trainer on each training path).
 */
import type { Argv, CommandModule } from 'yargs';
import { BACKEND_NAMES } from '../backends/backend.ts';
import type { BackendName } from '../backends/backend.ts';
import { formatDoctor, runDoctor } from '../backends/doctor.ts';
import { numeric } from './numeric.ts';
import { trainPathProbe } from '../train/path-probe.ts';

interface DoctorArgs {
  backend: BackendName;
  json: boolean;
  'probe-steps': number;
  'probe-batch': number;
}

/** `nas doctor`. */
export const doctorCommand: CommandModule<object, DoctorArgs> = {
  command: 'doctor',
  describe: 'Show the training backend chosen and why, versions, GPUs, threads and a training-throughput probe',
  builder: (y: Argv) =>
    y
      .option('backend', { choices: BACKEND_NAMES, default: 'auto' as BackendName, describe: 'backend to select, as training takes it' })
      .option('json', { type: 'boolean', default: false, describe: 'print the report as JSON' })
      .option('probe-steps', numeric('probe-steps', 'timed training steps of the probe (0 skips it)', { default: 5 }))
      .option('probe-batch', numeric('probe-batch', 'images per probe step', { default: 32 })) as unknown as Argv<DoctorArgs>,
  handler: async (argv) => {
    const report = await runDoctor({ backend: argv.backend, probeSteps: argv['probe-steps'], probeBatch: argv['probe-batch'] });
    // The paths themselves: the project's trainer on a small NASNet child, graph and eager side by side.
    const paths = argv['probe-steps'] > 0 ? await trainPathProbe({ steps: argv['probe-steps'], batch: argv['probe-batch'] }) : [];
    if (argv.json) {
      process.stdout.write(`${JSON.stringify({ ...report, pathProbe: paths }, null, 2)}\n`);
      return;
    }
    const lines = paths.map((p) => `path probe (${p.path}): ${p.imagesPerSecond.toFixed(1)} images/s training a ${p.params}-parameter NASNet child ` +
      `with the trainer (batch ${argv['probe-batch']}; first step ${p.firstStepSeconds.toFixed(1)} s${p.path === 'graph' ? ', building, loading and optimising the graph included' : ''})`);
    process.stdout.write(formatDoctor(report) + lines.map((l) => `${l}\n`).join(''));
  },
};
