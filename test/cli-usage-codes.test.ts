/**
 * A value of a command-line option that nas refuses is a usage error (exit code 2), whichever layer finds
 * it: the message names the option (`--space`, `--sample`, `--options`, ...), no run directory is left
 * behind, and no drawn seed is announced as stored. The same value coming from a run's own files on a
 * resume is not the command line's fault and keeps its own code. A dataset directory that is not there
 * is wrong input (exit 1), found before the run directory is made too.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nas } from './helpers/run-cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'nas-cli-usage-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const CASES: Array<[string[], string]> = [
  [['evolve', '--space', 'nope'], "field '--space': unknown space 'nope'"],
  [['evolve', '--space', 'nas-bench-201', '--population', '4', '--sample', '9'], "field '--sample': sample (9) is larger than the population (4)"],
  [['search', '--strategy', 'aging', '--objective', 'branin', '--options', '{"population":3,"sample":5}'], "field '--options': sample (5) is larger than the population (3)"],
  [['search', '--strategy', 'tpe', '--objective', 'branin', '--population', '4'], "field '--population': strategy 'tpe' has no option 'population'"],
  [['search', '--strategy', 'tpe', '--objective', 'branin', '--options', '{"population":4}'], "field '--options': strategy 'tpe' has no option 'population'"],
  [['search', '--strategy', 'foo', '--objective', 'branin'], "field '--strategy': unknown strategy 'foo'"],
  [['search', '--evaluator', 'foo:1'], "field '--evaluator': unknown objective 'foo:1'"],
  [['search', '--options', '[1]', '--objective', 'branin'], "field '--options': not a JSON object"],
  [['evolve', '--space', 'nasnet-cell', '--dataset', 'imagenet:/data'], "field '--dataset': unknown dataset kind 'imagenet'"],
];

describe('usage errors found past the argument parser', () => {
  it.each(CASES)('nas %j exits 2 naming the option, and leaves no run directory', async (args, message) => {
    const runDir = join(tmp, `run-${args.join('-').replace(/[^a-z0-9-]/gi, '')}`);
    const r = await nas(...args, '--budget', '2', '--executor', 'inline', '--run-dir', runDir);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toContain(message);
    expect(r.err).not.toContain('drew seed');
    expect(existsSync(runDir)).toBe(false);
  });

  it('a dataset directory that is not there stops a new run before its directory exists (exit 1, naming it)', async () => {
    const runDir = join(tmp, 'no-data');
    const missing = join(tmp, 'no-such-cifar');
    const r = await nas('evolve', '--dataset', `cifar10:${missing}`, '--budget', '2', '--population', '2', '--sample', '1', '--run-dir', runDir);
    expect(r.code, r.err).toBe(1);
    expect(r.err).toContain(`${missing}: cannot open the cifar10 dataset directory: directory not found`);
    expect(existsSync(runDir)).toBe(false);
  });

  it('a valid run still announces its drawn seed once its directory holds it', async () => {
    const runDir = join(tmp, 'ok');
    const r = await nas('search', '--strategy', 'random', '--objective', 'branin', '--budget', '2', '--executor', 'inline', '--run-dir', runDir);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/seed 0: drew seed \d+ \(stored in config\.json\)/);
    expect(readdirSync(runDir)).toContain('config.json');
  });
});
