/**
 * Checkpoints survive SIGKILL: `nas search --strategy asha` on the learning-curve objective, whose promotions
 * continue checkpoints written by worker processes into the run directory, killed at random moments (run and
 * workers) and resumed until it completes, ends with exactly the journal results of an uninterrupted run,
 * and with no checkpoint (or half-written file) left. A continuation whose checkpoint had been lost would
 * train from scratch with its own seed and so observe another score.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.ts';
import { readJournal } from '../src/store/journal.ts';
import { results } from './helpers/journal-results.ts';
import { journalLines, ROOT, runUntilKilled, type Outcome } from './helpers/kill-run.ts';

const RUN = ['bin/nas.js', 'search', '--strategy', 'asha', '--objective', 'curves', '--min-fidelity', '1', '--max-fidelity', '9',
  '--options', '{"brackets":2}', '--budget', '40', '--seed', '5', '--workers', '1', '--snapshot-every', '6', '--json'];

const lastJson = (stdout: string): { best: unknown; epochs: number } => JSON.parse(stdout.trim().split('\n').pop() as string);

describe('checkpoints under SIGKILL and --resume', () => {
  it('end with the journal results of an uninterrupted run and no file left', async () => {
    const base = mkdtempSync(join(tmpdir(), 'nas-ckpt-kill-'));
    const ref = spawnSync(process.execPath, [...RUN, '--run-dir', join(base, 'ref')], { cwd: ROOT, encoding: 'utf8' });
    expect(ref.status, ref.stderr).toBe(0);
    const reference = lastJson(ref.stdout);
    const refEvents = readJournal(join(base, 'ref', 'journal.jsonl')).events;
    expect(refEvents.filter((e) => e.e === 'asked' && e.continueFrom !== undefined).length).toBeGreaterThan(5);

    const dir = join(base, 'killed');
    const journal = join(dir, 'journal.jsonl');
    const rng = Rng.seeded(1616);
    const killedAt: number[] = [];
    let final: Outcome | undefined;
    for (let attempt = 0; attempt < 30 && !final; attempt++) {
      const args = existsSync(join(dir, 'config.json')) ? ['bin/nas.js', 'search', '--resume', dir, '--json'] : [...RUN, '--run-dir', dir];
      const kill = attempt < 6 ? { afterLines: rng.intBetween(3, 25) } : attempt >= 12 ? {} : { afterLines: rng.intBetween(1, 40) };
      const out = await runUntilKilled(args, journal, kill);
      if (out.signal === 'SIGKILL') killedAt.push(journalLines(journal));
      else {
        expect(out.code, out.stderr).toBe(0);
        final = out;
      }
    }
    expect(final).toBeDefined();
    expect(killedAt.filter((n) => n > 0).length, `journal lines at each kill: ${killedAt.join(', ')}`).toBeGreaterThanOrEqual(4);
    expect(results(readJournal(journal).events)).toEqual(results(refEvents));
    expect(lastJson(final!.stdout)).toMatchObject({ best: reference.best, epochs: reference.epochs });
    expect(readdirSync(join(dir, 'checkpoints'))).toEqual([]);
  }, 400_000);
});
