/**
 * `nas verify <export-dir> [--backend <name>] [--tolerance <x>]`: reloads an exported model with
 * tf.loadLayersModel, predicts on the probe images of its probe.json and compares the outputs with the
 * recorded ones. Exits 0 when they agree, 1 naming the difference otherwise.
 */
import type { Argv, CommandModule } from 'yargs';
import { BACKEND_NAMES, selectBackend, type BackendName } from '../backends/backend.ts';
import { verifyExport, VerifyMismatchError, type VerifyResult } from '../model/verify.ts';
import type { AnyCommand } from './commands.ts';
import { numeric } from './numeric.ts';

interface VerifyArgs {
  'export-dir': string;
  backend: BackendName;
  tolerance?: number;
  json: boolean;
}

/** The readable report of a check that passed. */
export function formatVerify(r: VerifyResult): string {
  return [
    `verified ${r.dir}: the reloaded model reproduces the recorded outputs on ${r.images} probe images`,
    `  max abs difference ${r.maxAbsDiff === 0 ? '0' : r.maxAbsDiff.toExponential(3)} (tolerance ${r.tolerance}; backend ${r.backend}, recorded on ${r.recordedBackend})`,
    `  ${r.params.toLocaleString('en-US')} parameters`,
  ].join('\n');
}

const verifyModule: CommandModule<object, VerifyArgs> = {
  command: 'verify <export-dir>',
  describe: 'Reload an exported model and check it reproduces the outputs recorded at export (probe.json)',
  builder: (y: Argv) =>
    y
      .positional('export-dir', { type: 'string', demandOption: true, describe: 'a directory written by nas export' })
      .option('backend', { choices: BACKEND_NAMES, default: 'auto' as BackendName, describe: 'tfjs backend to check on' })
      .option('tolerance', numeric('tolerance', 'largest accepted absolute difference [default: 0 on the exporting backend, 1e-5 on another]'))
      .option('json', { type: 'boolean', default: false, describe: 'print a JSON summary as the last line of stdout' }) as unknown as Argv<VerifyArgs>,
  handler: async (argv) => {
    await selectBackend(argv.backend);
    const result = await verifyExport(argv['export-dir'], argv.tolerance !== undefined ? { tolerance: argv.tolerance } : {});
    if (argv.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    if (!result.ok) throw new VerifyMismatchError(result);
    if (!argv.json) process.stdout.write(`${formatVerify(result)}\n`);
  },
};

/** `nas verify`. */
export const verifyCommand: AnyCommand = verifyModule;
