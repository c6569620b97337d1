/**
 * The `nas` command line: yargs with one module per command (see commands.ts). Errors become one
 * sentence and a documented exit code (exit-codes.ts).
 */
import yargs from 'yargs';
import { OptionError } from '../core/errors.ts';
import { COMMANDS } from './commands.ts';
import { CliUsageError, reportError } from './exit-codes.ts';

export { CliUsageError } from './exit-codes.ts';

/** `--run-dir=x` -> `run-dir`; `--runDir` -> `run-dir`; `--no-augment` -> `augment`; other tokens -> undefined. */
function optionName(token: string): string | undefined {
  const m = /^--([^=]+)/.exec(token);
  if (!m) return undefined;
  const name = m[1].replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  return name.startsWith('no-') ? name.slice(3) : name;
}

/** Refuses an option given twice (`--metric a --metric b`): nas never picks one or joins them silently. */
export function refuseRepeatedOptions(argv: readonly string[]): void {
  const seen = new Map<string, string>();
  argv.forEach((token, i) => {
    if (token === '--' || argv.indexOf('--') >= 0 && i > argv.indexOf('--')) return;
    const name = optionName(token);
    if (name === undefined) return;
    const next = argv[i + 1];
    const shown = token.includes('=') || next === undefined || /^--?[a-z]/i.test(next) ? token : `${token} ${next}`;
    const first = seen.get(name);
    if (first !== undefined) throw new OptionError(`--${name} is given twice (${first}, then ${shown}); give each option once`);
    seen.set(name, shown);
  });
}

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
    .epilogue('Exit codes: 0 done; 1 wrong input or failed work; 2 wrong command line; 3 run directory in use; 4 run stopped before its budget; 5 file system refused (disk full, read-only, exists); 70 a bug.')
    .fail((msg, err) => {
      throw err ?? new CliUsageError(msg);
    });
  for (const command of COMMANDS) parser.command(command);
  try {
    refuseRepeatedOptions(argv);
    const parsed = await parser.parseAsync();
    if (typeof parsed.exitCode === 'number') code = parsed.exitCode;
    if (typeof process.exitCode === 'number' && process.exitCode !== 0) code = process.exitCode;
  } catch (err) {
    code = reportError(err);
  }
  return code;
}
