/**
 * A queue worker's staging folder for one run: the run's space file and the per-trial items
 * (trial-files.ts) its children need or write, laid out as in a run directory, so evaluators read and
 * write there exactly as they do in a local run (EvaluatorOptions.runDir points at it).
 *
 * Before a child: the space file is written (once per text) and the items the job lists are fetched from
 * Redis. After it: the items the evaluation wrote for its child are uploaded; weights stay (the evaluator
 * may delete a best it no longer keeps, and the run hears of it as `dropped`), while checkpoints, which
 * the run keeps or deletes, are removed here once no child of this worker still uses them.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { ChildJob, TrialFileRef } from './queue-job.ts';
import { refKey, trialPath, TrialFiles, TRAVELLING_KINDS, type TravellingKind } from './trial-files.ts';

const kept = (name: string): boolean => (TRAVELLING_KINDS.find((k) => k.name === name) as TravellingKind | undefined)?.keepOnWorker ?? true;

export class RunStage {
  readonly dir: string;
  readonly spaceFile: string;
  private readonly files: TrialFiles;
  /** Kept items that came from the run (never uploaded back). */
  private readonly fromRun = new Set<string>();
  /** Kept items this worker uploaded, to report when the evaluator deletes them. */
  private readonly uploaded = new Set<string>();
  /** Items of the other kinds, by how many children of this worker use them now. */
  private readonly inUse = new Map<string, number>();
  /** The fetch of each item of the other kinds in use, which every child using it waits for. */
  private readonly fetching = new Map<string, Promise<boolean>>();

  /**
   * @param dir the staging folder of the run
   * @param spaceName the space file's name (without .json), kept so the space keeps its name
   * @param redis a connected client; `prefix` the Redis key prefix of the run's items
   */
  constructor(dir: string, spaceName: string, redis: Redis, prefix: string) {
    this.dir = dir;
    this.spaceFile = join(dir, 'space', `${spaceName}.json`);
    this.files = new TrialFiles(redis, prefix);
  }

  /**
   * Writes the space file and fetches what the child needs; returns the items that were neither in the
   * queue's files nor already here (the child then runs without them: a checkpoint it would continue
   * means training from the first epoch).
   */
  async prepare(data: ChildJob): Promise<TrialFileRef[]> {
    const current = existsSync(this.spaceFile) ? await readFile(this.spaceFile, 'utf8') : undefined;
    if (current !== data.space.text) {
      await mkdir(join(this.dir, 'space'), { recursive: true });
      await writeFile(this.spaceFile, data.space.text);
    }
    const missing: TrialFileRef[] = [];
    for (const ref of data.files) {
      const key = refKey(ref);
      if (kept(ref.kind)) {
        if (this.fromRun.has(key) || this.uploaded.has(key)) continue;
        if (await this.files.fetch(this.dir, ref)) this.fromRun.add(key);
        else if (!existsSync(trialPath(this.dir, ref))) missing.push(ref);
        continue;
      }
      this.inUse.set(key, (this.inUse.get(key) ?? 0) + 1);
      let fetched = this.fetching.get(key);
      if (!fetched) {
        fetched = this.files.fetch(this.dir, ref);
        this.fetching.set(key, fetched);
      }
      try {
        if (!(await fetched) && !existsSync(trialPath(this.dir, ref))) missing.push(ref);
      } catch (err) {
        await this.release([ref]);
        throw err;
      }
    }
    return missing;
  }

  /**
   * After the child `trialId` (whose job listed `needed`): uploads what its evaluation wrote, lists kept
   * items uploaded earlier that are gone since, and removes the items of other kinds nobody here uses.
   */
  async publish(trialId: number, needed: readonly TrialFileRef[]): Promise<{ files: TrialFileRef[]; dropped: TrialFileRef[] }> {
    const dropped: TrialFileRef[] = [];
    for (const key of [...this.uploaded]) {
      const [kind, id] = key.split('/');
      const ref = { kind: kind as string, trialId: Number(id) };
      if (!existsSync(trialPath(this.dir, ref))) {
        this.uploaded.delete(key);
        dropped.push(ref);
      }
    }
    const files: TrialFileRef[] = [];
    for (const kind of TRAVELLING_KINDS) {
      const ref = { kind: kind.name, trialId };
      if (this.fromRun.has(refKey(ref))) continue;
      if (!(await this.files.put(this.dir, ref))) continue;
      files.push(ref);
      if (kind.keepOnWorker) this.uploaded.add(refKey(ref));
      else if (!this.inUse.has(refKey(ref))) await rm(trialPath(this.dir, ref), { recursive: true, force: true });
    }
    await this.release(needed);
    return { files, dropped };
  }

  /** The child is done with the items of other kinds it needed (also when it failed or went back). */
  async release(needed: readonly TrialFileRef[]): Promise<void> {
    for (const ref of needed) {
      if (kept(ref.kind)) continue;
      const key = refKey(ref);
      const users = (this.inUse.get(key) ?? 1) - 1;
      if (users > 0) {
        this.inUse.set(key, users);
        continue;
      }
      this.inUse.delete(key);
      this.fetching.delete(key);
      await rm(trialPath(this.dir, ref), { recursive: true, force: true });
    }
  }
}
