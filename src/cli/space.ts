/**
 * `nas space show <name|file>`: a readable summary of a search space and its size.
 */
import type { Argv, CommandModule } from 'yargs';
import { builtinSpaceNames, loadSpace, resolveSpaceFile } from '../spaces/load.ts';
import type { AnyCommand } from './commands.ts';

const show: CommandModule<object, { space: string }> = {
  command: 'show <space>',
  describe: 'Print a summary of a space (ops, shape, size, encoding)',
  builder: (y: Argv) =>
    y.positional('space', {
      type: 'string',
      demandOption: true,
      describe: `space name (${builtinSpaceNames().join(', ')}) or a .json space file`,
    }) as Argv<{ space: string }>,
  handler: (argv) => {
    const space = loadSpace(argv.space);
    process.stdout.write(`${space.describe()}\n  file: ${resolveSpaceFile(argv.space)}\n`);
  },
};

const list: CommandModule<object, object> = {
  command: 'list',
  describe: 'List the spaces shipped in search-spaces/',
  handler: () => {
    for (const name of builtinSpaceNames()) process.stdout.write(`${name}\n`);
  },
};

/** `nas space <show|list>`. */
export const spaceCommand: AnyCommand = {
  command: 'space',
  describe: 'Inspect search spaces',
  builder: (y: Argv) => y.command(show).command(list).demandCommand(1, 'Name an action: show or list.'),
  handler: () => undefined,
};
