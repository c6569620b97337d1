/**
 * The `nas` command line: yargs with one module per command (see commands.ts).
 */
import yargs from 'yargs';
import { NasError } from '../core/errors.ts';
import { COMMANDS } from './commands.ts';

/** Runs the CLI with `argv` (without node and script). Returns the exit code; never calls process.exit. */
export async function main(argv: string[]): Promise<number> {
  let code = 0;
  const parser = yargs(argv)
    .scriptName('nas')
    .usage('$0 <command> [options]')
    .strict()
    .demandCommand(1, 'Name a command; `nas --help` lists them.')
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(false)
    .wrap(Math.min(110, process.stdout.columns ?? 110))
    .exitProcess(false)
    .fail((msg, err) => {
      throw err ?? new CliUsageError(msg);
    });
  for (const command of COMMANDS) parser.command(command);
  try {
    const parsed = await parser.parseAsync();
    if (typeof parsed.exitCode === 'number') code = parsed.exitCode;
    if (typeof process.exitCode === 'number' && process.exitCode !== 0) code = process.exitCode;
  } catch (err) {
    code = reportError(err);
  }
  return code;
}

/** A wrong command line (unknown option, missing argument). */
export class CliUsageError extends NasError {}

function reportError(err: unknown): number {
  if (err instanceof CliUsageError) {
    process.stderr.write(`nas: ${err.message}\nRun \`nas --help\` for usage.\n`);
    return 2;
  }
  if (err instanceof NasError) {
    process.stderr.write(`nas: ${err.message}\n`);
    return 1;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  process.stderr.write(`nas: unexpected error: ${e.stack ?? e.message}\n`);
  return 70;
}
