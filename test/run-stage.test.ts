/**
 * A queue worker's staging folder (src/workers/run-stage.ts) against a real redis-server: children that
 * need the same checkpoint at the same time all find it in place before they start, and it goes once the
 * last of them is done; an item that is not in the run's files is named as missing.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildJob, TrialFileRef } from '../src/workers/queue-job.ts';
import { RunStage } from '../src/workers/run-stage.ts';
import { trialPath, TrialFiles } from '../src/workers/trial-files.ts';
import { RedisServer, skipWithoutRedis } from './helpers/redis.ts';

const SKIP = skipWithoutRedis();
const tmp = mkdtempSync(join(tmpdir(), 'nas-run-stage-'));
let redis: RedisServer;
let client: Redis;

beforeAll(async () => {
  if (SKIP) return;
  redis = await RedisServer.start();
  client = new Redis(redis.url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  await client.connect();
});
afterAll(async () => {
  client?.disconnect();
  await redis?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(SKIP)('a worker\'s staging folder', () => {
  it('gives children that need one checkpoint at once the whole file before they start, and removes it after the last', async () => {
    const prefix = 'nas:test:files:run-1';
    const ref: TrialFileRef = { kind: 'checkpoints', trialId: 7 };
    const runDir = join(tmp, 'run');
    mkdirSync(join(runDir, 'checkpoints'), { recursive: true });
    const bytes = Buffer.alloc(256 * 1024, 3);
    writeFileSync(trialPath(runDir, ref), bytes);
    expect(await new TrialFiles(client, prefix).put(runDir, ref)).toBe(true);

    const stage = new RunStage(join(tmp, 'stage'), 'curves', client, prefix);
    const job = { space: { name: 'curves', text: '{}' }, files: [ref] } as unknown as ChildJob;
    const staged = trialPath(stage.dir, ref);
    const seen = await Promise.all([0, 1, 2].map(async () => {
      expect(await stage.prepare(job)).toEqual([]);
      return existsSync(staged) ? readFileSync(staged).length : 0;
    }));
    expect(seen).toEqual([bytes.length, bytes.length, bytes.length]);

    await stage.release([ref]);
    await stage.release([ref]);
    expect(existsSync(staged)).toBe(true);
    await stage.release([ref]);
    expect(existsSync(staged)).toBe(false);
  });

  it('names the items the run does not have, so the worker can say its child runs without them', async () => {
    const prefix = 'nas:test:files:run-2';
    const gone: TrialFileRef = { kind: 'checkpoints', trialId: 3 };
    const stage = new RunStage(join(tmp, 'stage-2'), 'curves', client, prefix);
    const job = { space: { name: 'curves', text: '{}' }, files: [gone] } as unknown as ChildJob;
    expect(await stage.prepare(job)).toEqual([gone]);
    expect(existsSync(trialPath(stage.dir, gone))).toBe(false);
    await stage.release([gone]);
  });
});
