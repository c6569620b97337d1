/**
 * `nas dashboard [dir] [--port 8080] [--host 127.0.0.1]`: the report's views served live for every run
 * under a directory, until Ctrl-C (SIGINT) or SIGTERM.
 */
import type { Argv, CommandModule } from 'yargs';
import { isLoopback, startDashboard } from '../report/dashboard.ts';
import type { AnyCommand } from './commands.ts';

interface DashboardArgs {
  dir: string;
  port: number;
  host: string;
  poll: number;
}

/** Resolves on the first SIGINT or SIGTERM. */
function stopSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string): void => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}

const dashboard: CommandModule<object, DashboardArgs> = {
  command: 'dashboard [dir]',
  describe: 'Serve the report of every run under a directory, live, in a browser (read-only; this machine only unless --host says otherwise)',
  builder: (y: Argv) =>
    y
      .positional('dir', { type: 'string', default: 'runs', describe: 'a run directory, or a folder of runs' })
      .option('port', { type: 'number', default: 8080, describe: 'TCP port (0 picks a free one)' })
      .option('host', { type: 'string', default: '127.0.0.1', describe: 'address to listen on (0.0.0.0 or :: shows the runs to other machines)' })
      .option('poll', { type: 'number', default: 2000, describe: 'how often an open page checks for news, in milliseconds' }) as unknown as Argv<DashboardArgs>,
  handler: async (argv) => {
    const d = await startDashboard({ dir: argv.dir, port: argv.port, host: argv.host, pollMs: argv.poll });
    const reach = isLoopback(d.host) ? 'this machine only' : 'reachable from other machines';
    process.stdout.write(`nas dashboard: ${d.url} (runs under ${argv.dir}; ${reach}); Ctrl-C stops it\n`);
    const signal = await stopSignal();
    await d.close();
    process.stdout.write(`nas dashboard: stopped (${signal})\n`);
  },
};

/** `nas dashboard`. */
export const dashboardCommand: AnyCommand = dashboard;
