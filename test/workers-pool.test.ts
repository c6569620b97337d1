import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ProcessPool } from '../src/workers/pool.ts';
import type { EvalRequest } from '../src/core/trial.ts';
import { nb201TableFixture } from './helpers/fixtures.ts';
import { NB201_TABLE, skipWithoutShared } from './helpers/shared-data.ts';

const FAULTY = new URL('./fixtures/faulty-evaluator.ts', import.meta.url).href;
const TABLE_MODULE = new URL('../src/evaluators/all.ts', import.meta.url).href;
const CSV = nb201TableFixture();

const req = (trialId: number, config: unknown): EvalRequest => ({ trialId, config, seed: 100 + trialId });

let pool: ProcessPool | undefined;
afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

describe('ProcessPool', () => {
  it('records a crash, an out-of-memory child, NaN and a throw as failures and keeps going', async () => {
    pool = new ProcessPool({ evaluatorModule: FAULTY, spec: 'faulty', evaluatorOptions: { space: 'x' }, echoStderr: false, workers: 2, maxOldSpaceMb: 64 });
    const results = await Promise.all([
      pool.submit(req(0, { action: 'crash' })),
      pool.submit(req(1, { action: 'oom' })),
      pool.submit(req(2, { action: 'nan' })),
      pool.submit(req(3, { action: 'throw' })),
      pool.submit(req(4, { action: 'score', value: 7 })),
    ]);
    expect(results.map((r) => [r.trialId, r.status, r.failure])).toEqual([
      [0, 'failed', 'crash'],
      [1, 'failed', 'oom'],
      [2, 'failed', 'nan'],
      [3, 'failed', 'crash'],
      [4, 'ok', undefined],
    ]);
    expect(results[0].error).toContain('exit code 3');
    expect(results[4].score).toBe(7);
    expect(results[4].metrics?.seed).toBe(104);
  });

  it('recycles each worker after M evaluations and runs K at once', async () => {
    pool = new ProcessPool({ evaluatorModule: FAULTY, spec: 'faulty', evaluatorOptions: { space: 'x' }, echoStderr: false, workers: 2, recycleAfter: 3 });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => pool!.submit(req(i, { action: 'score', value: i }))));
    expect(results.map((r) => r.score)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    const perPid = new Map<number, number>();
    for (const r of results) perPid.set(r.metrics!.pid, (perPid.get(r.metrics!.pid) ?? 0) + 1);
    expect(Math.max(...perPid.values())).toBeLessThanOrEqual(3);
    expect(perPid.size).toBeGreaterThanOrEqual(4);
    expect(pool.liveWorkers).toBeLessThanOrEqual(2);
  });

  it('kills an evaluation that runs past its timeout', async () => {
    pool = new ProcessPool({ evaluatorModule: FAULTY, spec: 'faulty', evaluatorOptions: { space: 'x' }, echoStderr: false, timeoutSeconds: 1 });
    const r = await pool.submit(req(0, { action: 'hang' }));
    expect([r.status, r.failure]).toEqual(['failed', 'timeout']);
    expect((await pool.submit(req(1, { action: 'score', value: 2 }))).score).toBe(2);
  });

  it('rejects when the evaluator cannot be built, naming the spec', async () => {
    pool = new ProcessPool({ evaluatorModule: FAULTY, spec: 'nope', evaluatorOptions: { space: 'x' }, echoStderr: false });
    await expect(pool.submit(req(0, { action: 'score' }))).rejects.toThrow(/nope/);
  });

  it('runs the table evaluator in a worker process', async () => {
    pool = new ProcessPool({ evaluatorModule: TABLE_MODULE, spec: `table:${CSV}`, evaluatorOptions: { space: 'nas-bench-201' } });
    const arch = '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|';
    const row = readFileSync(CSV, 'utf8').split('\n').find((line) => line.split(',')[1] === arch)!.split(',');
    const r = await pool.submit(req(0, arch));
    expect(r).toMatchObject({ status: 'ok', score: Number(row[2]), report: Number(row[4]) });
  });

  it.skipIf(skipWithoutShared(NB201_TABLE))('looks a cell up in the real NAS-Bench-201 table', async () => {
    pool = new ProcessPool({ evaluatorModule: TABLE_MODULE, spec: `table:${NB201_TABLE}`, evaluatorOptions: { space: 'nas-bench-201' } });
    const arch = '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|';
    expect(await pool.submit(req(0, arch))).toMatchObject({ status: 'ok', score: 82.834, report: 93.66 });
  });
});
