/**
 * Every `nas` command, one module each. A command module exports a yargs CommandModule whose handler
 * parses its arguments and calls one function outside cli/.
 */
import type { CommandModule } from 'yargs';
import { backendCommand } from './backend.ts';
import { dashboardCommand } from './dashboard.ts';
import { doctorCommand } from './doctor.ts';
import { evolveCommand } from './evolve.ts';
import { exportCommand } from './export.ts';
import { genomeCommand } from './genome.ts';
import { reportCommand } from './report.ts';
import { searchCommand } from './search.ts';
import { spaceCommand } from './space.ts';
import { statusCommand } from './status.ts';
import { trainCommand } from './train.ts';
import { verifyCommand } from './verify.ts';
import { workerCommand } from './worker.ts';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyCommand = CommandModule<any, any>;

export const COMMANDS: AnyCommand[] = [backendCommand, doctorCommand as AnyCommand, genomeCommand, spaceCommand, evolveCommand, searchCommand, statusCommand, reportCommand, dashboardCommand, exportCommand, verifyCommand, trainCommand, workerCommand];
