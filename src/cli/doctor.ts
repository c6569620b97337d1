/**
 * `nas doctor [--backend B] [--json] [--probe-steps N]`: the backend chosen and why, versions, GPUs,
 * threads, and a short training-throughput probe.
 */
import type { Argv, CommandModule } from 'yargs';
import { BACKEND_NAMES } from '../backends/backend.ts';
import type { BackendName } from '../backends/backend.ts';
import { formatDoctor, runDoctor } from '../backends/doctor.ts';
import { numeric } from './numeric.ts';

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
    process.stdout.write(argv.json ? `${JSON.stringify(report, null, 2)}\n` : formatDoctor(report));
  },
};
