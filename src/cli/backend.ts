/**
 * `nas backend install [--gpu]`: builds the native TensorFlow backend from TensorFlow's PyPI wheels.
 * `nas backend status`: says which native packages are installed, from which TensorFlow.
 */
import type { Argv, CommandModule } from 'yargs';
import type { AnyCommand } from './commands.ts';
import { installNativeBackend } from '../backends/native/install.ts';
import { TF_VERSION, nativePackageName } from '../backends/native/layout.ts';
import { nativeInstallState } from '../backends/native/status.ts';

interface InstallArgs {
  gpu: boolean;
  force: boolean;
  'tf-version': string;
}

const install: CommandModule<object, InstallArgs> = {
  command: 'install',
  describe: `Install ${nativePackageName('cpu')} (or -gpu) with TensorFlow taken from its PyPI wheel and a locally built binding`,
  builder: (y: Argv) =>
    y
      .option('gpu', { type: 'boolean', default: false, describe: `${nativePackageName('gpu')} with the CUDA build of TensorFlow and its CUDA wheels` })
      .option('force', { type: 'boolean', default: false, describe: 'redo every step even when a working install is in place' })
      .option('tf-version', { type: 'string', default: TF_VERSION, describe: 'TensorFlow wheel version (the default is the one checked end to end)' }),
  handler: async (argv) => {
    const report = await installNativeBackend({ variant: argv.gpu ? 'gpu' : 'cpu', force: argv.force, tfVersion: argv['tf-version'] });
    process.stdout.write(`${report.layout.packageName}: TensorFlow ${report.tfVersion} ${report.skipped ? '(already installed)' : 'installed'}\n`);
  },
};

const status: CommandModule<object, { json: boolean }> = {
  command: 'status',
  describe: 'Show which native TensorFlow packages are installed',
  builder: (y: Argv) => y.option('json', { type: 'boolean', default: false, describe: 'print JSON' }),
  handler: (argv) => {
    const states = [nativeInstallState('cpu'), nativeInstallState('gpu')];
    if (argv.json) {
      process.stdout.write(`${JSON.stringify(states, null, 2)}\n`);
      return;
    }
    for (const s of states) {
      const what = s.installed
        ? `installed (TensorFlow ${s.stamp?.tfVersion ?? 'unknown'}, built ${s.stamp?.installedAt ?? 'outside nas'})`
        : `not installed: ${s.reason ?? ''}`;
      process.stdout.write(`${s.packageName}: ${what}\n`);
    }
  },
};

/** `nas backend <install|status>`. */
export const backendCommand: AnyCommand = {
  command: 'backend',
  describe: 'Install or inspect the native TensorFlow backend',
  builder: (y: Argv) => y.command(install).command(status).demandCommand(1, 'Name an action: install or status.'),
  handler: () => undefined,
};
