/**
 * Files that must travel between a run and the machines that evaluate its children, through Redis: the
 * trained weights a run keeps (`nas export` takes them as they were), a parent's weights a large-scale
 * child inherits, and any later per-trial state (checkpoints a promoted child continues from).
 *
 * The unit is a per-trial folder `<root>/<kind>/<trialId>/` of plain files (for `weights`: model.json +
 * weights.bin, as src/model writes them). The root is the run directory on the run's machine and a
 * staging folder on a worker, so evaluators keep reading and writing the run-directory layout they
 * know. A folder travels as one Redis hash (one field per file), written in one transaction with an
 * expiry, and is written out as a whole: files into a temporary folder, fsynced, then renamed into place.
 *
 * Who moves what: a worker uploads the folders an evaluation wrote for its own child; the run downloads
 * them into the run directory before it journals the child's result, and deletes the hash once the
 * result is journalled. Before it sends a child, the run uploads the folders the child needs (its
 * parent's weights), and the worker downloads them into its staging folder.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { TrialFileRef } from './queue-job.ts';

/** Kinds of per-trial folders that travel. (Checkpoints for continued training would be added here.) */
export const TRAVELLING_KINDS: readonly string[] = ['weights'];

/** How long an uploaded folder stays in Redis if nobody collects it: 7 days. */
export const FILES_TTL_SECONDS = 7 * 24 * 3600;

/** The folder of a trial's files of one kind under `root`. */
export function trialFolder(root: string, ref: TrialFileRef): string {
  return join(root, ref.kind, String(ref.trialId));
}

/** A run's travelling folders in one Redis database. */
export class TrialFiles {
  private readonly redis: Redis;
  private readonly prefix: string;

  /**
   * @param redis a connected client
   * @param prefix key prefix of one run, e.g. `nas:<queue>:files:<runId>`
   */
  constructor(redis: Redis, prefix: string) {
    this.redis = redis;
    this.prefix = prefix;
  }

  private key(ref: TrialFileRef): string {
    return `${this.prefix}:${ref.kind}:${ref.trialId}`;
  }

  /** Uploads the folder of `ref` under `root`; false when there is no such folder (or it is empty). */
  async put(root: string, ref: TrialFileRef, ttlSeconds = FILES_TTL_SECONDS): Promise<boolean> {
    const dir = trialFolder(root, ref);
    if (!existsSync(dir)) return false;
    const names = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isFile() && !d.name.includes('.tmp-')).map((d) => d.name);
    if (names.length === 0) return false;
    const fields: Array<string | Buffer> = [];
    for (const name of names.sort()) fields.push(name, await readFile(join(dir, name)));
    const key = this.key(ref);
    await this.redis.multi().del(key).hset(key, ...fields).expire(key, ttlSeconds).exec();
    return true;
  }

  /** Whether Redis holds the folder of `ref`. */
  async has(ref: TrialFileRef): Promise<boolean> {
    return (await this.redis.exists(this.key(ref))) === 1;
  }

  /** Writes the folder of `ref` under `root` from Redis (replacing what is there); false when Redis has none. */
  async fetch(root: string, ref: TrialFileRef): Promise<boolean> {
    const files = await this.redis.hgetallBuffer(this.key(ref));
    const names = Object.keys(files);
    if (names.length === 0) return false;
    const dir = trialFolder(root, ref);
    const temp = `${dir}.part-${process.pid}-${randomBytes(4).toString('hex')}`;
    await mkdir(temp, { recursive: true });
    try {
      for (const name of names) {
        if (name.includes('/') || name.includes('\\') || name.startsWith('.')) throw new Error(`bad file name '${name}' in ${this.key(ref)}`);
        const handle = await open(join(temp, name), 'w');
        try {
          await handle.writeFile(files[name] as Buffer);
          await handle.sync();
        } finally {
          await handle.close();
        }
      }
      await rm(dir, { recursive: true, force: true });
      await rename(temp, dir);
    } catch (err) {
      await rm(temp, { recursive: true, force: true });
      throw err;
    }
    return true;
  }

  /** Deletes the folder of `ref` from Redis. */
  async drop(ref: TrialFileRef): Promise<void> {
    await this.redis.del(this.key(ref));
  }
}
