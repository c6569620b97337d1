/**
 * One process owns a run directory: the lock refuses a second owner (naming its pid and host), the
 * kernel frees it when its holder is SIGKILLed, and racing `--resume`s, or a resume of a run still
 * going, leave a journal that reads back whole and ends exactly like an uninterrupted run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RunBusyError } from '../src/core/errors.ts';
import { readJournal } from '../src/store/journal.ts';
import { RunLock, lockHolder } from '../src/store/run-lock.ts';
import { nb201TableFixture } from './helpers/fixtures.ts';
import { results } from './helpers/journal-results.ts';
import { nas } from './helpers/run-cli.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CSV = nb201TableFixture();
const tmp = (): string => mkdtempSync(join(tmpdir(), 'nas-lock-'));
const RUN = ['evolve', '--space', 'nas-bench-201', '--population', '10', '--sample', '3', '--budget', '150', '--seed', '5', '--evaluator', `table:${CSV}`, '--executor', 'inline', '--json'];

interface Done { code: number | null; stdout: string; stderr: string; pid: number }

function start(args: string[]): { pid: number; done: Promise<Done> } {
  const child = spawn(process.execPath, ['bin/nas.js', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Done>((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr, pid: child.pid as number })));
  return { pid: child.pid as number, done };
}

/** Lines of the journal that are complete (0 without one). */
function lines(file: string): number {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').length - 1 : 0;
}

/** Checks a run's journal reads back whole, gives every child one outcome and matches the reference. */
function expectWhole(dir: string, reference: string[]): void {
  const { events, truncatedTail } = readJournal(join(dir, 'journal.jsonl'));
  expect(truncatedTail).toBe(false);
  expect(events[0].e).toBe('created');
  const outcomes = events.filter((e) => e.e === 'finished' || e.e === 'failed').map((e) => (e as { id: number }).id);
  expect(new Set(outcomes).size).toBe(outcomes.length);
  expect(results(events)).toEqual(reference);
}

describe('the run directory lock', () => {
  it('refuses a second owner, naming pid and host, and frees the directory on release', () => {
    const dir = tmp();
    const lock = RunLock.acquire(dir, 'nas evolve (test)');
    expect(lockHolder(dir)).toMatchObject({ pid: process.pid, host: hostname(), command: 'nas evolve (test)' });
    expect(() => RunLock.acquire(dir)).toThrow(RunBusyError);
    expect(() => RunLock.acquire(dir)).toThrow(new RegExp(`in use by pid ${process.pid} on host ${hostname()}`));
    lock.release();
    expect(lockHolder(dir)).toBeUndefined();
    RunLock.acquire(dir).release();
  });

  it('is released by the kernel when its holder is killed with SIGKILL', async () => {
    const dir = tmp();
    const holder = spawn(process.execPath, ['--import', 'tsx', '-e', `
      const { RunLock } = await import(${JSON.stringify(new URL('../src/store/run-lock.ts', import.meta.url).href)});
      RunLock.acquire(${JSON.stringify(dir)}, 'holder');
      process.stdout.write('held\\n');
      setInterval(() => {}, 1000);`], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => holder.stdout.on('data', () => resolve()));
    expect(() => RunLock.acquire(dir)).toThrow(`pid ${holder.pid} on host ${hostname()}`);
    holder.kill('SIGKILL');
    await new Promise((resolve) => holder.on('exit', resolve));
    expect(lockHolder(dir)?.pid).toBe(holder.pid);
    RunLock.acquire(dir).release();
  });
});

describe('two processes on one run directory', () => {
  const base = tmp();
  const ref = spawnSync(process.execPath, ['bin/nas.js', ...RUN, '--run-dir', join(base, 'ref')], { cwd: ROOT, encoding: 'utf8' });
  const reference = (): string[] => results(readJournal(join(base, 'ref', 'journal.jsonl')).events);

  it('two racing resumes: one owns the run, the other is refused; the journal ends like an uninterrupted run', async () => {
    expect(ref.status, ref.stderr).toBe(0);
    const stopped = join(base, 'stopped');
    expect((await nas('search', '--strategy', 'aging', ...RUN.slice(1), '--stop-after', '120', '--run-dir', stopped)).code).toBe(0);
    let refusals = 0;
    for (let round = 0; round < 6; round++) {
      const dir = join(base, `race-${round}`);
      cpSync(stopped, dir, { recursive: true });
      const a = start(['search', '--resume', dir, '--executor', 'inline', '--json']);
      const b = start(['search', '--resume', dir, '--executor', 'inline', '--json']);
      const status = await nas('status', dir);
      expect(status.code, status.err).toBe(0);
      const runs = await Promise.all([a.done, b.done]);
      for (const r of runs) {
        expect([0, 3], r.stderr).toContain(r.code);
        if (r.code === 3) {
          refusals++;
          const other = runs.find((o) => o !== r) as Done;
          expect(r.stderr).toMatch(new RegExp(`in use by pid ${other.pid} on host ${hostname()}`));
          expect(r.stderr).not.toMatch(/\n\s+at /);
        }
      }
      expect(runs.some((r) => r.code === 0)).toBe(true);
      expectWhole(dir, reference());
    }
    expect(refusals).toBeGreaterThan(0);
  });

  it('a resume of a run that is still going is refused at once; the run ends like an uninterrupted one', async () => {
    const dir = join(base, 'going');
    const first = start([...RUN, '--run-dir', dir]);
    while (lines(join(dir, 'journal.jsonl')) < 20) await new Promise((r) => setTimeout(r, 5));
    const second = spawnSync(process.execPath, ['bin/nas.js', 'evolve', '--resume', dir, '--executor', 'inline'], { cwd: ROOT, encoding: 'utf8' });
    const firstDone = await first.done;
    expect(firstDone.code, firstDone.stderr).toBe(0);
    if (second.status !== 0) {
      expect(second.status, second.stderr).toBe(3);
      expect(second.stderr).toMatch(new RegExp(`in use by pid ${first.pid} on host ${hostname()}`));
    }
    expectWhole(dir, reference());
  });
});
