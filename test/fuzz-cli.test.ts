/**
 * A seeded fuzz suite over the command line and the files nas reads: damaged journals, configs and
 * snapshots, full disks and read-only file systems at random moments, nonsense option values, and
 * broken tables, space files and experiment files. Every case must end with one clear sentence and a
 * documented exit code (never 70, never a stack trace), and after every fault the run directory must
 * still resume to exactly the results of an uninterrupted run (the table evaluator makes that exact).
 */
import { copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { Rng } from '../src/core/rng.ts';
import { readJournal } from '../src/store/journal.ts';
import { armFault, disarmFault, FAULT } from './helpers/fs-faults.ts';
import { nb201TableFixture } from './helpers/fixtures.ts';
import { results } from './helpers/journal-results.ts';
import { nas, type CliRun } from './helpers/run-cli.ts';

vi.mock('node:fs', async (importOriginal) => (await import('./helpers/fs-faults.ts')).faultyFs(await importOriginal<typeof import('node:fs')>()));

const DOCUMENTED = [0, 1, 2, 3, 4, 5];
const CSV = nb201TableFixture();
const base = mkdtempSync(join(tmpdir(), 'nas-fuzz-'));
const RUN = ['search', '--strategy', 'aging', '--space', 'nas-bench-201', '--population', '8', '--sample', '3', '--budget', '40', '--seed', '11',
  '--objective', `table:${CSV}`, '--executor', 'inline', '--snapshot-every', '5', '--json'];
const FILES = ['journal.jsonl', 'config.json', 'snapshot.pb'];
let reference: string[] = [];
let counter = 0;
const fresh = (): string => join(base, `case-${counter++}`);

/** Every case: a documented code, a one-sentence message without a stack trace when it fails. */
function expectClear(r: CliRun, what: string): void {
  expect(DOCUMENTED, `${what}\n${r.err}`).toContain(r.code);
  expect(r.err, what).not.toMatch(/unexpected error|\n\s+at /);
  if (r.code !== 0) expect(r.err, what).toMatch(/^(?:[^\n]*\n)*nas: \S/);
}

const resume = (dir: string): Promise<CliRun> => nas('search', '--resume', dir, '--executor', 'inline', '--json');

/** Resumes `dir` (without faults) and checks it ends exactly like the uninterrupted run. */
async function expectExactResume(dir: string, what: string): Promise<void> {
  disarmFault();
  const r = await resume(dir);
  expect(r.code, `${what}\n${r.err}`).toBe(0);
  expect(results(readJournal(join(dir, 'journal.jsonl')).events), what).toEqual(reference);
  expect(readdirSync(dir).filter((f) => f.endsWith('.tmp')), what).toEqual([]);
}

/** A copy of the stopped run. */
function stoppedCopy(): string {
  const dir = fresh();
  cpSync(join(base, 'stopped'), dir, { recursive: true });
  return dir;
}

/** Puts the stopped run's files back into `dir`. */
function restore(dir: string): void {
  for (const f of FILES) {
    const from = join(base, 'stopped', f);
    if (existsSync(from)) copyFileSync(from, join(dir, f));
    else rmSync(join(dir, f), { force: true });
  }
}

beforeAll(async () => {
  expect((await nas(...RUN, '--run-dir', join(base, 'ref'))).code).toBe(0);
  reference = results(readJournal(join(base, 'ref', 'journal.jsonl')).events);
  expect((await nas(...RUN, '--stop-after', '70', '--run-dir', join(base, 'stopped'))).code).toBe(0);
});

/** A damaged journal line, config or snapshot (names the fault for messages). */
function damage(rng: Rng, dir: string): string {
  const journal = join(dir, 'journal.jsonl');
  const lines = readFileSync(journal, 'utf8').split('\n').slice(0, -1);
  const i = rng.int(lines.length);
  const set = (ls: string[]): void => writeFileSync(journal, ls.map((l) => `${l}\n`).join(''));
  const edit = (field: string, value: unknown): void => set(lines.map((l, j) => (j === i ? JSON.stringify({ ...JSON.parse(l), [field]: value }) : l)));
  const config = join(dir, 'config.json');
  const cfg = JSON.parse(readFileSync(config, 'utf8')) as Record<string, unknown>;
  const kinds: Array<[string, () => void]> = [
    [`delete journal line ${i + 1}`, () => set(lines.filter((_, j) => j !== i))],
    [`repeat journal line ${i + 1}`, () => set(lines.flatMap((l, j) => (j === i ? [l, l] : [l])))],
    [`swap journal lines ${i + 1} and ${i + 2}`, () => set(lines.map((l, j) => (j === i ? lines[i + 1] ?? l : j === i + 1 ? lines[i] : l)))],
    [`cut the journal at byte ${i * 7}`, () => writeFileSync(journal, readFileSync(journal).subarray(0, i * 7))],
    [`garbage on journal line ${i + 1}`, () => set(lines.map((l, j) => (j === i ? l.slice(0, rng.int(l.length)) + '#{' : l)))],
    [`id + 1 on journal line ${i + 1}`, () => edit('id', (JSON.parse(lines[i]) as { id?: number }).id ?? 0 + 1)],
    [`event type on journal line ${i + 1}`, () => edit('e', rng.choice(['asked', 'finished', 'failed', 'started', 'exploded']))],
    ['an event for a child never asked', () => set([...lines, JSON.stringify({ e: 'finished', id: 9999, score: 1, t: 1 })])],
    ['empty journal', () => writeFileSync(journal, '')],
    ['deleted journal', () => rmSync(journal)],
    ['deleted snapshot', () => rmSync(join(dir, 'snapshot.pb'), { force: true })],
    ['snapshot bytes flipped', () => {
      const b = readFileSync(join(dir, 'snapshot.pb'));
      for (let k = 0; k < 4; k++) b[rng.int(b.length)] ^= 0xff;
      writeFileSync(join(dir, 'snapshot.pb'), b);
    }],
    ['snapshot cut short', () => writeFileSync(join(dir, 'snapshot.pb'), readFileSync(join(dir, 'snapshot.pb')).subarray(0, rng.int(40)))],
    [`config.json ${rng.choice(['seed', 'workers', 'budget', 'space'])} changed`, () => {
      const key = rng.choice(['seed', 'workers', 'budget', 'space']);
      writeFileSync(config, JSON.stringify({ ...cfg, [key]: key === 'space' ? 'nasnet-cell' : (cfg[key] as number) + 1 }));
    }],
    ['config.json with an unknown key', () => writeFileSync(config, JSON.stringify({ ...cfg, colour: 'blue' }))],
    ['config.json not JSON', () => writeFileSync(config, '{"seed": ')],
    ['config.json an array', () => writeFileSync(config, '[1]')],
  ];
  const [name, apply] = rng.choice(kinds);
  apply();
  return name;
}

describe('fuzz: damaged run directories', () => {
  it('120 faults: a clear refusal or an exact resume, and an exact resume once the files are put back', async () => {
    const rng = Rng.seeded(2024);
    for (let n = 0; n < 120; n++) {
      const dir = stoppedCopy();
      const fault = damage(rng, dir);
      const r = await resume(dir);
      expectClear(r, fault);
      if (r.code === 0) {
        // Accepted (a cut last line, a repeated `started`, two lines swapped that mean the same run): the
        // same children with the same results, though lines already written may stand in another order.
        expect(results(readJournal(join(dir, 'journal.jsonl')).events).sort(), `${fault} was accepted`).toEqual([...reference].sort());
        continue;
      }
      restore(dir);
      await expectExactResume(dir, `after: ${fault}`);
    }
  });
});

describe('fuzz: full disks and read-only file systems', () => {
  it('60 storage faults at random moments: exit 5 naming the cause, no temp file left, an exact resume once there is space', async () => {
    const rng = Rng.seeded(7);
    for (let n = 0; n < 60; n++) {
      const dir = stoppedCopy();
      const kind = rng.next() < 0.75 ? 'ENOSPC' : 'EROFS';
      const after = kind === 'ENOSPC' ? rng.int(120) : rng.int(4);
      armFault(kind, after, rng.next() < 0.5);
      const r = await resume(dir);
      const fired = FAULT.fired > 0;
      disarmFault();
      const what = `${kind} after ${after}`;
      expectClear(r, what);
      if (fired) {
        expect(r.code, `${what}\n${r.err}`).toBe(5);
        expect(r.err).toMatch(kind === 'ENOSPC' ? /the disk is full \(ENOSPC\)/ : /read-only \(EROFS\)/);
      }
      await expectExactResume(dir, what);
    }
  });
});

const GARBAGE = ['abc', 'NaN', '-1', '0', '1e12', '2.5', 'Infinity', '', '0x10', '-0.5', '99999999999'];
const NUMERIC = ['budget', 'seed', 'workers', 'population', 'sample', 'snapshot-every', 'stop-after', 'max-params', 'epochs'];

describe('fuzz: the command line', () => {
  it('100 command lines with nonsense, repeated or contradictory options: a documented code and a sentence', async () => {
    const rng = Rng.seeded(99);
    for (let n = 0; n < 100; n++) {
      const args = ['search', '--strategy', 'random', '--objective', `table:${CSV}`, '--space', 'nas-bench-201', '--executor', 'inline', '--budget', '5', '--run-dir', fresh()];
      for (let m = 1 + rng.int(2); m > 0; m--) {
        const pick = rng.int(6);
        if (pick <= 2) args.push(`--${rng.choice(NUMERIC)}`, rng.choice(GARBAGE));
        else if (pick === 3) args.push(rng.choice(['--budget', '--metric', '--space']), rng.choice(['3', 'valid_12', 'nas-bench-201']));
        else if (pick === 4) args.push(...rng.choice([['--resume', join(base, 'ref')], ['--evaluator', 'branin'], ['--timeout', '5'], ['--workers', '64']]));
        else args.push(rng.choice(['--bogus', '--seed=abc', '--no-json', '--recycle-after=0']));
      }
      expectClear(await nas(...args), args.join(' '));
    }
    for (const args of [['status', join(base, 'ref'), '--top', 'x'], ['export', join(base, 'ref'), '--out', fresh(), '--id', '-2'], ['genome', 'random', '--space', 'nas-bench-201', '--seed', '1.5'], ['train', '--epochs', 'abc'], ['train', '--lr', '0']]) {
      const r = await nas(...args);
      expectClear(r, args.join(' '));
      expect(r.code, args.join(' ')).toBe(2);
    }
  });
});

describe('fuzz: tables, space files and experiment files', () => {
  it('a broken table names its file and line; harmless forms (BOM, quotes, CRLF) load', async () => {
    const rng = Rng.seeded(5);
    const lines = readFileSync(CSV, 'utf8').split('\n').slice(0, -1);
    for (let n = 0; n < 24; n++) {
      const i = 1 + rng.int(lines.length - 1);
      const cells = lines[i].split(',');
      const mutations: Array<[string, boolean, () => string[]]> = [
        ['empty metric cell', true, () => lines.map((l, j) => (j === i ? [...cells.slice(0, 2), '', ...cells.slice(3)].join(',') : l))],
        ['text metric cell', true, () => lines.map((l, j) => (j === i ? [...cells.slice(0, 2), 'high', ...cells.slice(3)].join(',') : l))],
        ['duplicate row', true, () => [...lines, [cells[0], cells[1], '99', ...cells.slice(3)].join(',')]],
        ['invalid arch', true, () => lines.map((l, j) => (j === i ? [cells[0], '|conv~0|+|x|', ...cells.slice(2)].join(',') : l))],
        ['missing field', true, () => lines.map((l, j) => (j === i ? cells.slice(0, -1).join(',') : l))],
        ['header only', true, () => [lines[0]]],
        ['quoted fields', false, () => lines.map((l, j) => (j === i ? cells.map((c) => `"${c}"`).join(',') : l))],
        ['byte-order mark', false, () => [`\ufeff${lines[0]}`, ...lines.slice(1)]],
        ['CRLF line ends', false, () => lines.map((l) => `${l}\r`)],
      ];
      const [name, harmful, make] = rng.choice(mutations);
      const file = join(base, `table-${n}.csv`);
      writeFileSync(file, `${make().join('\n')}\n`);
      const r = await nas('search', '--strategy', 'random', '--objective', `table:${file}`, '--budget', '5', '--seed', '3', '--executor', 'inline', '--run-dir', fresh(), '--json');
      expectClear(r, name);
      if (harmful) {
        expect(r.code, name).toBe(1);
        expect(r.err, name).toMatch(new RegExp(`table-${n}\\.csv(:\\d+)?: `));
      } else expect(r.code, `${name}\n${r.err}`).toBe(0);
    }
  });

  it('space and experiment files: the file and the field, never a crash', async () => {
    const joint = join(base, 'self.json');
    writeFileSync(joint, JSON.stringify({ type: 'joint', architecture: 'self.json', hyperparameters: { parameters: { lr: { kind: 'float', low: 0.01, high: 0.1 } } } }));
    const r = await nas('space', 'show', joint);
    expectClear(r, 'self-referencing joint space');
    expect(r.err).toMatch(/refers to itself/);
    for (const [body, pattern] of [['[1]', /got \[1\]/], ['null', /got null/], ['{"batchSize": -3}', /field 'batchSize': got -3/], ['{"epochs": "abc"}', /field 'epochs'/], ['{"colour": 1}', /unknown training option 'colour'/], ['{', /not valid JSON/]] as const) {
      const file = join(base, `experiment-${counter++}.json`);
      writeFileSync(file, body);
      const e = await nas('evolve', '--space', 'nas-bench-201', '--experiment', file, '--budget', '2', '--run-dir', fresh());
      expectClear(e, body);
      expect(e.code, body).toBe(1);
      expect(e.err, body).toContain(file);
      expect(e.err, body).toMatch(pattern);
    }
  });
});
