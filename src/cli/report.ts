/**
 * `nas report <run-dir>... --out report.html`: one self-contained HTML file about one or more runs,
 * which opens offline in any browser.
 */
import type { Argv, CommandModule } from 'yargs';
import { writeReport } from '../report/report.ts';
import type { AnyCommand } from './commands.ts';

interface ReportArgs {
  'run-dir': string[];
  out: string;
  json: boolean;
}

const report: CommandModule<object, ReportArgs> = {
  command: 'report <run-dir...>',
  describe: 'Write one self-contained HTML report of one or more runs (opens offline; runs that differ only by seed are grouped)',
  builder: (y: Argv) =>
    y
      .positional('run-dir', { type: 'string', array: true, demandOption: true, describe: 'run directories' })
      .option('out', { type: 'string', default: 'report.html', describe: 'the HTML file to write' })
      .option('json', { type: 'boolean', default: false, describe: 'print a JSON summary as the last line of stdout' }) as unknown as Argv<ReportArgs>,
  handler: async (argv) => {
    const s = await writeReport({ runDirs: argv['run-dir'], out: argv.out });
    process.stdout.write(argv.json ? `${JSON.stringify(s)}\n` : `wrote ${s.out} (${(s.bytes / 1024).toFixed(0)} KiB, ${s.runs} run${s.runs === 1 ? '' : 's'}, ${(s.buildMs / 1000).toFixed(1)} s); open it in any browser\n`);
  },
};

/** `nas report`. */
export const reportCommand: AnyCommand = report;
