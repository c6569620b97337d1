/**
 * What a run refuses, and how it says so: edited configs, journals out of order or gone, budgets the
 * space cannot reach, strategies that propose only duplicates, evaluators that score nothing, numbers
 * out of range, repeated and contradictory options, files where directories belong.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { checkNumber } from '../src/core/numbers.ts';
import { OptionError } from '../src/core/errors.ts';
import { nb201TableFixture } from './helpers/fixtures.ts';
import { nas } from './helpers/run-cli.ts';

const CSV = nb201TableFixture();
const base = mkdtempSync(join(tmpdir(), 'nas-refuse-'));
let n = 0;
const fresh = (): string => join(base, `r${n++}`);
const RUN = ['search', '--strategy', 'aging', '--space', 'nas-bench-201', '--population', '6', '--sample', '2', '--budget', '20', '--seed', '4',
  '--objective', `table:${CSV}`, '--executor', 'inline', '--snapshot-every', '5', '--json'];
const stopped = join(base, 'stopped');
const copy = (): string => {
  const d = fresh();
  cpSync(stopped, d, { recursive: true });
  return d;
};
const resume = (dir: string) => nas('search', '--resume', dir, '--executor', 'inline');

beforeAll(async () => {
  expect((await nas(...RUN, '--stop-after', '40', '--run-dir', stopped)).code).toBe(0);
});

describe('a resume refuses a run directory that was changed', () => {
  it('an edited config.json, naming each change', async () => {
    const d = copy();
    const file = join(d, 'config.json');
    const cfg = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    writeFileSync(file, JSON.stringify({ ...cfg, seed: 5, workers: 2, colour: 'blue' }, null, 2));
    const r = await resume(d);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${file}: edited since the run was created`);
    expect(r.err).toMatch(/seed: was 4, now 5/);
    expect(r.err).toMatch(/workers: was 1, now 2/);
    expect(r.err).toMatch(/colour: added \("blue"\)/);
  });

  it('a journal line removed or repeated, with file:line and what was expected', async () => {
    const d = copy();
    const file = join(d, 'journal.jsonl');
    const lines = readFileSync(file, 'utf8').split('\n');
    const at = lines.findIndex((l, i) => i > 2 && l.includes('"e":"asked"'));
    writeFileSync(file, [...lines.slice(0, at), lines[at], ...lines.slice(at)].join('\n'));
    const r = await resume(d);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${file}:${at + 2}: 'asked' event for child`);
    expect(r.err).toMatch(/expected child \d+/);
  });

  it('a journal deleted or emptied while the snapshot remains', async () => {
    for (const change of [(f: string) => rmSync(f), (f: string) => writeFileSync(f, '')]) {
      const d = copy();
      change(join(d, 'journal.jsonl'));
      const r = await resume(d);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/journal.jsonl: missing or empty, but .*snapshot.pb covers its first \d+ lines/);
    }
  });
});

describe('budgets and strategies that cannot finish', () => {
  it('refuses a budget above the distinct children of the space', async () => {
    const space = join(base, 'two-ops.json');
    writeFileSync(space, JSON.stringify({ type: 'nas-bench-201', ops: ['none', 'nor_conv_3x3'], cellsPerStack: 1, stacks: 1, initialFilters: 4 }));
    const r = await nas('search', '--strategy', 'random', '--space', space, '--objective', `table:${CSV}`, '--budget', '100', '--seed', '1', '--executor', 'inline', '--run-dir', fresh());
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--budget 100: the space 'two-ops' holds only 16 distinct children/);
  });

  it('stops with exit 4 when the evaluator scores nothing', async () => {
    const table = join(base, 'one-row.csv');
    writeFileSync(table, 'arch,valid_12,test_200\n|none~0|+|none~0|none~1|+|none~0|none~1|none~2|,1,1\n');
    const dir = fresh();
    const r = await nas('search', '--strategy', 'random', '--space', 'nas-bench-201', '--objective', `table:${table}`, '--budget', '50', '--seed', '2', '--executor', 'inline', '--run-dir', dir);
    expect(r.code, r.err).toBe(4);
    expect(r.err).toMatch(/scored none of the 10 children it evaluated .*is not in/);
    expect((await nas('status', dir)).code).toBe(0);
  });
});

describe('a strategy that proposes nothing the budget can count', () => {
  it('stops with exit 4 after 1,000 children in a row were duplicates or rejected', async () => {
    const dir = fresh();
    const r = await nas('search', '--strategy', 'random', '--space', 'nas-bench-201', '--objective', `table:${CSV}`, '--budget', '5', '--seed', '2', '--max-params', '1', '--executor', 'inline', '--run-dir', dir);
    expect(r.code, r.err).toBe(4);
    expect(r.err).toMatch(/proposed only children already evaluated \(or rejected\) for the last 1000 children; 0 of 5 evaluations/);
  });
});

describe('nas export of a table run', () => {
  it('retrains on the dataset --dataset names, and says so', async () => {
    const { PNG } = await import('pngjs');
    const data = join(base, 'two-classes');
    for (const [k, name] of ['a', 'b'].entries()) {
      mkdirSync(join(data, name), { recursive: true });
      for (let i = 0; i < 6; i++) {
        const png = new PNG({ width: 8, height: 8 });
        png.data.fill(40 + 150 * k + 5 * i);
        writeFileSync(join(data, name, `${i}.png`), PNG.sync.write(png));
      }
    }
    const out = fresh();
    const r = await nas('export', stopped, '--out', out, '--dataset', `folder:${data}`, '--retrain-epochs', '1', '--json');
    expect(r.code, r.err).toBe(0);
    const summary = JSON.parse(r.out.trim().split('\n').pop() as string) as { dataset: string; source: string };
    expect(summary).toMatchObject({ dataset: `folder:${data}`, source: 'retrained' });
  });
});

describe('the command line', () => {
  it('checks numbers against one range table', () => {
    expect(checkNumber('budget', '12')).toBe(12);
    expect(checkNumber('timeout', '0.5')).toBe(0.5);
    for (const bad of ['abc', 'NaN', '', '1e12', '-1', '0', '2.5', 'Infinity', '0x10']) expect(() => checkNumber('budget', bad)).toThrow(OptionError);
    expect(() => checkNumber('seed', '-1')).toThrow('--seed: got -1, out of range; accepted: an integer from 0 to 4294967295 (0 draws a seed)');
    expect(() => checkNumber('workers', ['1', '2'])).toThrow('--workers was given 2 times');
  });

  it('refuses repeated and contradictory options, and more workers than the machine runs unless forced', async () => {
    const repeated = await nas(...RUN, '--metric', 'valid_12', '--metric', 'test_200', '--run-dir', fresh());
    expect(repeated.code).toBe(2);
    expect(repeated.err).toMatch(/--metric is given twice \(--metric valid_12, then --metric test_200\)/);
    const both = await nas('search', '--resume', stopped, '--run-dir', fresh());
    expect(both.code).toBe(2);
    expect(both.err).toMatch(/contradict each other/);
    const inline = await nas(...RUN, '--timeout', '5', '--run-dir', fresh());
    expect(inline.code).toBe(2);
    expect(inline.err).toMatch(/--timeout only apply to worker processes/);
    const many = String(2 * availableParallelism() + 1);
    const workers = await nas(...RUN, '--workers', many, '--run-dir', fresh());
    expect(workers.code).toBe(2);
    expect(workers.err).toMatch(/--force-workers/);
  });

  it('a run directory or export directory that is a file', async () => {
    const file = join(base, 'a-file');
    writeFileSync(file, 'x');
    const r = await nas(...RUN, '--run-dir', file);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/cannot use .*a-file as a run directory: it is a file/);
    const inside = await nas(...RUN, '--run-dir', join(file, 'run'));
    expect(inside.code, inside.err).toBe(5);
    expect(inside.err).toMatch(/(ENOTDIR|EEXIST)/);
    const e = await nas('export', stopped, '--out', file);
    expect(e.code).toBe(1);
    expect(e.err).toMatch(/--out .*a-file is a file/);
  });

  it('a dataset of one class is refused before training', async () => {
    const folder = join(base, 'one-class', 'cats');
    mkdirSync(folder, { recursive: true });
    const { PNG } = await import('pngjs');
    const png = new PNG({ width: 4, height: 4 });
    for (let i = 0; i < 4; i++) writeFileSync(join(folder, `${i}.png`), PNG.sync.write(png));
    const r = await nas('train', '--space', 'nas-bench-201', '--dataset', `folder:${join(base, 'one-class')}`, '--backend', 'cpu');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/has 1 class; accepted: training images of at least two classes/);
  });
});
