/**
 * The median stopping rule for evolution: the run sends the population's per-epoch medians with each
 * child, the evaluator stops a child below them, and the stop is journalled, counted and shown.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { medianRule } from '../src/evaluators/train.ts';
import { TrialBook } from '../src/run/book.ts';
import { populationMedians } from '../src/run/median-stop.ts';
import { readJournal, type FinishedEvent } from '../src/store/journal.ts';
import { nas } from './helpers/run-cli.ts';
import { nb201TableFixture } from './helpers/fixtures.ts';

const lastJson = (out: string): Record<string, unknown> => JSON.parse(out.trim().split('\n').pop() as string) as Record<string, unknown>;

describe('population medians', () => {
  it('are taken per epoch over the members that reached it, once enough did', () => {
    const book = new TrialBook({ keepCurves: true });
    const curves = [[0.125, 0.25, 0.375], [0.25, 0.5], [0.375, 0.625, 0.75], [0.5]];
    curves.forEach((curve, id) => {
      book.apply({ e: 'asked', id, hash: `h${id}`, seed: id, config: {}, t: 0 });
      book.apply({ e: 'finished', id, score: curve[curve.length - 1], curve, t: 0, ...(curve.length < 3 ? { stoppedAt: curve.length } : {}) });
    });
    expect(book.stoppedEarly).toBe(2);
    expect(populationMedians(book, undefined, { minCount: 2 }).medians).toEqual([0.3125, 0.5, 0.5625]);
    expect(populationMedians(book, undefined, { minCount: 3 }).medians).toEqual([0.3125, 0.5, null]);
    expect(populationMedians(book, [{ id: 0 }, { id: 2 }], { minCount: 2 }).medians).toEqual([0.25, 0.4375, 0.5625]);
    const stop = medianRule({ medians: [0.25, null] });
    expect([stop(1, 0.2), stop(1, 0.3), stop(2, 0)]).toEqual([true, false, false]);
  });
});

describe('nas evolve --median-stop', () => {
  const base = ['evolve', '--space', 'curves', '--evaluator', 'curves', '--epochs', '9', '--population', '8', '--sample', '3', '--seed', '3', '--executor', 'inline'];

  it('stops children below the median, journals and counts them, and trains fewer epochs', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'nas-median-')), 'run');
    const r = await nas(...base, '--budget', '40', '--median-stop', '--median-stop-min', '4', '--run-dir', dir, '--json');
    expect(r.code, r.err).toBe(0);
    const summary = lastJson(r.out);
    const plain = lastJson((await nas(...base, '--budget', '40', '--run-dir', `${dir}-plain`, '--json')).out);
    expect(summary.stoppedEarly).toBeGreaterThan(5);
    expect(summary.epochs).toBeLessThan(plain.epochs as number);
    expect(plain.epochs).toBe(40 * 9);
    const finished = readJournal(join(dir, 'journal.jsonl')).events.filter((e): e is FinishedEvent => e.e === 'finished' && e.duplicateOf === undefined);
    const stopped = finished.filter((e) => e.stoppedAt !== undefined);
    expect(stopped).toHaveLength(summary.stoppedEarly as number);
    for (const e of stopped) {
      expect(e.stoppedAt).toBeLessThan(9);
      expect(e.curve).toHaveLength(e.stoppedAt as number);
      expect(e.score).toBe(e.curve?.[(e.stoppedAt as number) - 1]);
      expect(e.epochsTrained).toBe(e.stoppedAt);
    }
    // The first children run before four have finished: nobody stops them.
    expect(finished.slice(0, 4).every((e) => e.stoppedAt === undefined)).toBe(true);
    const status = await nas('status', dir);
    expect(status.out).toMatch(new RegExp(`${String(summary.stoppedEarly)} stopped early by the median rule`));
    const json = JSON.parse((await nas('status', dir, '--json')).out) as { stoppedEarly: number; epochs: number };
    expect(json).toMatchObject({ stoppedEarly: summary.stoppedEarly, epochs: summary.epochs });
    // A resume must not change the rule.
    const resumed = await nas('evolve', '--resume', dir, '--median-stop', '--median-stop-min', '6');
    expect(resumed.code).not.toBe(0);
    expect(resumed.err).toMatch(/medianStop\.minCount: the run has 4, given 6/);
  });

  it('is refused with an evaluator that does not train epochs, and its minimum without it', async () => {
    const table = await nas('evolve', '--space', 'nas-bench-201', '--evaluator', `table:${nb201TableFixture()}`, '--budget', '5', '--median-stop', '--run-dir', join(mkdtempSync(join(tmpdir(), 'nas-median-')), 'r'));
    expect(table.code).toBe(2);
    expect(table.err).toMatch(/field '--median-stop': the median rule needs an evaluator that trains epochs.*accepted: the train or curves evaluator/);
    const lone = await nas(...base, '--budget', '5', '--median-stop-min', '3');
    expect(lone.code).not.toBe(0);
    expect(lone.err).toMatch(/--median-stop-min is given without --median-stop/);
  });
});
