/**
 * The real thing: `nas evolve` processes (with their worker processes) killed with SIGKILL at random
 * moments and resumed with `--resume` until the run completes must end with exactly the journal
 * results and the best child of an uninterrupted run with the same seed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.ts';
import { readJournal } from '../src/store/journal.ts';
import { results } from './helpers/journal-results.ts';
import { nb201TableFixture } from './helpers/fixtures.ts';
import { journalLines, ROOT, runUntilKilled, type Outcome } from './helpers/kill-run.ts';

const CSV = nb201TableFixture();
const RUN = ['bin/nas.js', 'evolve', '--space', 'nas-bench-201', '--population', '10', '--sample', '3', '--budget', '50',
  '--seed', '77', '--evaluator', `table:${CSV}`, '--workers', '1', '--snapshot-every', '10', '--json'];

const lastJson = (stdout: string): { best: unknown; evaluations: number; resumes: number } => JSON.parse(stdout.trim().split('\n').pop() as string);

describe('SIGKILL and --resume', () => {
  it('ends with the journal results and best child of an uninterrupted run', async () => {
    const base = mkdtempSync(join(tmpdir(), 'nas-kill-'));
    const ref = spawnSync(process.execPath, [...RUN, '--run-dir', join(base, 'ref')], { cwd: ROOT, encoding: 'utf8' });
    expect(ref.status, ref.stderr).toBe(0);
    const reference = lastJson(ref.stdout);
    expect(reference.evaluations).toBe(50);

    const dir = join(base, 'killed');
    const rng = Rng.seeded(20260);
    let kills = 0;
    const killedAt: number[] = [];
    let final: Outcome | undefined;
    for (let attempt = 0; attempt < 40 && !final; attempt++) {
      const args = existsSync(join(dir, 'config.json')) ? [...RUN.slice(0, 2), '--resume', dir, '--json'] : [...RUN, '--run-dir', dir];
      const journal = join(dir, 'journal.jsonl');
      // The first six attempts kill a few journal lines in, so at least that many kills land inside the run
      // however fast the machine is; later ones kill at start-up or anywhere, and from attempt 25 let it finish.
      const kill = attempt < 6 ? { afterLines: rng.intBetween(1, 8) }
        : attempt >= 25 ? {}
        : rng.next() < 0.2 ? { afterMs: rng.intBetween(100, 1500) } : { afterLines: rng.intBetween(1, 50) };
      const out = await runUntilKilled(args, journal, kill);
      if (out.signal === 'SIGKILL') {
        kills++;
        killedAt.push(journalLines(journal));
      }
      else {
        expect(out.code, out.stderr).toBe(0);
        final = out;
      }
    }
    expect(final).toBeDefined();
    expect(kills, `journal lines at each kill: ${killedAt.join(", ")}`).toBeGreaterThanOrEqual(5);
    // Kills must land inside the run, not only before it starts or after it ends.
    expect(killedAt.filter((n) => n > 0).length, `journal lines at each kill: ${killedAt.join(', ')}`).toBeGreaterThanOrEqual(2);
    const summary = lastJson(final!.stdout);
    expect(summary.best).toEqual(reference.best);
    const killedEvents = readJournal(join(dir, 'journal.jsonl')).events;
    expect(results(killedEvents)).toEqual(results(readJournal(join(base, 'ref', 'journal.jsonl')).events));
    expect(killedEvents.filter((e) => e.e === 'resumed').length).toBe(summary.resumes);
    expect(readFileSync(join(dir, 'config.json'), 'utf8')).toContain('"seed": 77');
  }, 400_000);
});
