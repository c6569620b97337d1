/**
 * Runs for the report and dashboard tests, made by the real `nas` commands in milliseconds per child: two
 * aging-evolution runs on the NAS-Bench-201-shaped table fixture that differ only by seed, a Hyperband run
 * on Branin (whose evaluator ignores fidelity, so the rungs come from replaying the strategy), and a TPE
 * run over a joint (cell + hyperparameters) space on the table.
 */
import { join } from 'node:path';
import { expect } from 'vitest';
import { nb201TableFixture } from './fixtures.ts';
import { nas } from './run-cli.ts';

/** Run directories by name. */
export interface ReportRuns {
  table: string;
  aging1: string;
  aging2: string;
  hyperband: string;
  joint: string;
}

/** Runs `nas <args>` and fails the test when it fails. */
export async function ok(...args: string[]): Promise<string> {
  const r = await nas(...args);
  expect(r.code, `nas ${args.join(' ')}: ${r.err}`).toBe(0);
  return r.out;
}

/** Makes the runs under `dir/runs`. */
export async function makeReportRuns(dir: string): Promise<ReportRuns> {
  const table = nb201TableFixture();
  const runs = join(dir, 'runs');
  const at = (name: string): string => join(runs, name);
  for (const seed of [1, 2]) {
    await ok('evolve', '--space', 'nas-bench-201', '--population', '20', '--sample', '5', '--budget', '200', '--seed', String(seed),
      '--evaluator', `table:${table}`, '--run-dir', at(`aging${seed}`), '--executor', 'inline', '--json');
  }
  await ok('search', '--strategy', 'hyperband', '--objective', 'branin', '--budget', '60', '--seed', '3', '--run-dir', at('hyperband'), '--executor', 'inline', '--json');
  await ok('search', '--strategy', 'tpe', '--space', 'joint-example', '--objective', `table:${table}`, '--budget', '60', '--seed', '4', '--run-dir', at('joint'), '--executor', 'inline', '--json');
  return { table, aging1: at('aging1'), aging2: at('aging2'), hyperband: at('hyperband'), joint: at('joint') };
}
