/**
 * `nas search` end to end (in-process CLI): every strategy on Branin with a tiny budget, the --json
 * summary with its regret, the default spaces of the synthetic objectives, joint architecture +
 * hyperparameter search on the NAS-Bench-201 table, --stop-after then --resume, and the errors.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readJournal } from '../src/store/journal.ts';
import { branin, hartmann6 } from '../src/evaluators/synthetic.ts';
import { TableEvaluator } from '../src/evaluators/table.ts';
import { results } from './helpers/journal-results.ts';
import { nas, type CliRun } from './helpers/run-cli.ts';
import { nb201TableFixture } from './helpers/fixtures.ts';

const CSV = nb201TableFixture();
const tmp = mkdtempSync(join(tmpdir(), 'nas-cli-search-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));



interface Summary {
  runDir: string;
  evaluations: number;
  children: number;
  strategy: string;
  objective: string;
  regret?: number;
  best: { id: number; hash: string; score: number; report: number | null; config: Record<string, unknown> };
}

/** The JSON summary: the last line of stdout. */
function summaryOf(run: CliRun): Summary {
  expect(run.code, run.err).toBe(0);
  const lines = run.out.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as Summary;
}

let dirs = 0;
const dir = (): string => join(tmp, `run-${dirs++}`);
const quick = ['--executor', 'inline', '--json'];

const STRATEGIES: Array<[string, string[]]> = [
  ['grid', []],
  ['random', []],
  ['bo', ['--options', '{"candidates":500,"localStarts":2,"initialPoints":4}']],
  ['tpe', []],
  ['hyperband', ['--max-fidelity', '9']],
  ['sh', ['--max-fidelity', '9']],
  ['bohb', ['--max-fidelity', '9']],
  ['aging', ['--population', '5', '--sample', '2']],
  ['large-scale', ['--population', '4']],
];

describe('nas search on Branin', () => {
  it.each(STRATEGIES)('%s: a JSON summary with the best point and its regret', async (strategy, extra) => {
    const runDir = dir();
    const s = summaryOf(await nas('search', '--strategy', strategy, '--objective', 'branin', '--budget', '12', '--seed', '5', '--run-dir', runDir, ...quick, ...extra));
    expect(s.runDir).toBe(runDir);
    expect(s.strategy).toBe(strategy);
    expect(s.objective).toBe('branin');
    expect(s.evaluations).toBeGreaterThan(0);
    expect(s.evaluations).toBeLessThanOrEqual(12);
    const { x1, x2 } = s.best.config as { x1: number; x2: number };
    expect(x1).toBeGreaterThanOrEqual(-5);
    expect(x1).toBeLessThanOrEqual(10);
    expect(x2).toBeGreaterThanOrEqual(0);
    expect(x2).toBeLessThanOrEqual(15);
    // score = -value; regret = value - 0.397887
    expect(s.best.score).toBeCloseTo(-branin(x1, x2), 10);
    expect(s.regret).toBeCloseTo(branin(x1, x2) - 0.397887, 10);
    expect(s.regret).toBeGreaterThanOrEqual(0);
    // The best is the best finished child of the journal.
    const finished = readJournal(join(runDir, 'journal.jsonl')).events.flatMap((e) => (e.e === 'finished' ? [e.score] : []));
    expect(Math.max(...finished)).toBe(s.best.score);
  });

  it('hartmann6 searches its own space by default and reports its regret', async () => {
    const s = summaryOf(await nas('search', '--strategy', 'random', '--objective', 'hartmann6', '--budget', '10', '--seed', '2', '--run-dir', dir(), ...quick));
    const x = [1, 2, 3, 4, 5, 6].map((i) => s.best.config[`x${i}`] as number);
    expect(s.regret).toBeCloseTo(hartmann6(x) + 3.32237, 10);
    expect(s.regret).toBeGreaterThan(0);
  });

  it('the same seed gives the same run; readable output without --json', async () => {
    const a = summaryOf(await nas('search', '--strategy', 'tpe', '--objective', 'branin', '--budget', '15', '--seed', '9', '--run-dir', dir(), ...quick));
    const b = summaryOf(await nas('search', '--strategy', 'tpe', '--objective', 'branin', '--budget', '15', '--seed', '9', '--run-dir', dir(), ...quick));
    expect(b.best).toEqual(a.best);
    const text = await nas('search', '--strategy', 'random', '--objective', 'branin', '--budget', '5', '--seed', '9', '--run-dir', dir(), '--executor', 'inline');
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/5 evaluations/);
    expect(text.out).toMatch(/regret: \d/);
  });

  it('runs in worker processes by default', async () => {
    const s = summaryOf(await nas('search', '--strategy', 'random', '--objective', 'branin', '--budget', '6', '--seed', '4', '--workers', '2', '--run-dir', dir(), '--json'));
    expect(s.evaluations).toBe(6);
  });
});

describe('nas search --stop-after and --resume', () => {
  it.each([['tpe'], ['hyperband']])('%s: stopped and resumed twice, the journal results equal an uninterrupted run', async (strategy) => {
    const args = ['search', '--strategy', strategy, '--objective', 'branin', '--budget', '20', '--seed', '11', '--executor', 'inline', '--snapshot-every', '4'];
    const refDir = dir();
    const ref = summaryOf(await nas(...args, '--run-dir', refDir, '--json'));
    const runDir = dir();
    const first = await nas(...args, '--run-dir', runDir, '--stop-after', '13');
    expect(first.code).toBe(0);
    expect(first.err).toMatch(new RegExp(`stopped after 13 events; continue with \`nas search --resume ${runDir}\``));
    expect((await nas('search', '--resume', runDir, '--stop-after', '17', '--executor', 'inline')).code).toBe(0);
    const resumed = summaryOf(await nas('search', '--resume', runDir, '--json', '--executor', 'inline'));
    const journal = (d: string): string[] => results(readJournal(join(d, 'journal.jsonl')).events);
    expect(journal(runDir)).toEqual(journal(refDir));
    expect(resumed.best).toEqual(ref.best);
    expect(resumed.regret).toBe(ref.regret);
  });

  it('refuses a resume with another strategy, naming it', async () => {
    const runDir = dir();
    await nas('search', '--strategy', 'random', '--objective', 'branin', '--budget', '4', '--seed', '1', '--run-dir', runDir, ...quick);
    const r = await nas('search', '--resume', runDir, '--strategy', 'tpe', '--executor', 'inline');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/strategy: the run has "random", given "tpe"/);
  });
});

describe('joint architecture + hyperparameter search on the NAS-Bench-201 table', () => {
  it('looks a joint configuration up by its architecture; the hyperparameters do not change the value', async () => {
    const runDir = dir();
    const s = summaryOf(await nas('search', '--strategy', 'tpe', '--space', 'joint-example', '--objective', `table:${CSV}`, '--budget', '25', '--seed', '3', '--run-dir', runDir, ...quick));
    expect(s.regret).toBeUndefined();
    expect(Object.keys(s.best.config.hparams as object).sort()).toEqual(['batch_size', 'learning_rate', 'weight_decay']);
    const table = new TableEvaluator({ file: CSV });
    const alone = table.lookup({ trialId: 0, config: s.best.config.arch, seed: 0 });
    expect(s.best.score).toBe(alone.score);
    expect(s.best.report).toBe(alone.report);
    const config = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as { space: string; command: string };
    expect(config).toMatchObject({ space: 'joint-example', command: 'search' });
  });
});

describe('nas search errors', () => {
  it('an unknown strategy lists the known ones', async () => {
    const r = await nas('search', '--strategy', 'annealing', '--objective', 'branin', '--run-dir', dir());
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown strategy 'annealing'/);
    expect(r.err).toMatch(/aging, asha, bananas, bo, bohb, grid, hyperband, large-scale, local-search, pbt, random, screened-aging, sh, tpe/);
  });

  it('an unknown objective lists the accepted ones', async () => {
    const r = await nas('search', '--strategy', 'tpe', '--objective', 'rosenbrock', '--run-dir', dir());
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown objective 'rosenbrock'/);
    expect(r.err).toMatch(/branin, curves, delay:<seconds>:<evaluator>, hartmann6, table:<csv>, train/);
  });

  it('bad --options JSON names the option', async () => {
    const r = await nas('search', '--strategy', 'tpe', '--objective', 'branin', '--options', '{nope', '--run-dir', dir());
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/field '--options': not valid JSON/);
  });
});
