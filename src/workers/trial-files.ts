/**
 * Files that must travel between a run and the machines that evaluate its children, through Redis: the
 * trained weights a run keeps (`nas export` takes them as they were), a parent's weights a large-scale
 * child inherits, and the checkpoint a promoted child continues (and the one it leaves for the next rung).
 *
 * The unit is one trial's item of a kind, laid out as in a run directory under a root: a folder
 * `<root>/weights/<trialId>/` of plain files (model.json + weights.bin, as src/model writes them) or a
 * single file `<root>/checkpoints/<trialId>.ckpt` (src/core/checkpoint-dir.ts). The root is the run
 * directory on the run's machine and a staging folder on a worker, so evaluators keep reading and writing
 * the run-directory layout they know. An item travels as one Redis hash (one field per file), written in
 * one transaction with an expiry, and is written out whole: into a temporary name, fsynced, then renamed
 * into place.
 *
 * Who moves what: a worker uploads the items an evaluation wrote for its own child; the run downloads
 * them into the run directory before it journals the child's result, and deletes the hash once the
 * result is journalled. Before it sends a child, the run uploads the items the child needs (its parent's
 * weights, the checkpoint it continues), and the worker downloads them into its staging folder.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Redis } from 'ioredis';
import type { TrialFileRef } from './queue-job.ts';

/** A kind of per-trial item that travels. */
export interface TravellingKind {
  /** Folder of the run directory the items live in, and the `kind` of their refs. */
  name: string;
  /** Items are single files `<trialId><suffix>`; without it, folders `<trialId>/`. */
  suffix?: string;
  /**
   * A worker keeps the item in its staging folder after uploading it (weights: a kept best may be deleted
   * there later, which the run must hear about; a parent's weights serve its next children). Checkpoints
   * are the run's to keep or delete, so a worker drops its copy once the child is done.
   */
  keepOnWorker: boolean;
}

/** The kinds that travel. */
export const TRAVELLING_KINDS: readonly TravellingKind[] = [
  { name: 'weights', keepOnWorker: true },
  { name: 'checkpoints', suffix: '.ckpt', keepOnWorker: false },
];

/** How long an uploaded item stays in Redis if nobody collects it: 7 days. */
export const FILES_TTL_SECONDS = 7 * 24 * 3600;

/** The field of a single-file item's hash. */
const FILE_FIELD = 'file';

function kindOf(ref: TrialFileRef): TravellingKind {
  const kind = TRAVELLING_KINDS.find((k) => k.name === ref.kind);
  if (!kind) throw new Error(`'${ref.kind}' is not a kind of file that travels (known: ${TRAVELLING_KINDS.map((k) => k.name).join(', ')})`);
  return kind;
}

/** An item's name in logs and sets: `<kind>/<trialId>`. */
export const refKey = (ref: TrialFileRef): string => `${ref.kind}/${ref.trialId}`;

/** Where a trial's item of one kind lives under `root` (a folder, or a file for single-file kinds). */
export function trialPath(root: string, ref: TrialFileRef): string {
  const kind = kindOf(ref);
  return join(root, ref.kind, `${ref.trialId}${kind.suffix ?? ''}`);
}

/** Writes `data` to `file` through a temporary file in the same folder, fsynced. */
async function writeSynced(file: string, data: Buffer): Promise<void> {
  const handle = await open(file, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A run's travelling items in one Redis database. */
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

  /** Uploads the item of `ref` under `root`; false when there is none (or an empty folder). */
  async put(root: string, ref: TrialFileRef, ttlSeconds = FILES_TTL_SECONDS): Promise<boolean> {
    const path = trialPath(root, ref);
    if (!existsSync(path)) return false;
    const fields: Array<string | Buffer> = [];
    if (kindOf(ref).suffix !== undefined) {
      fields.push(FILE_FIELD, await readFile(path));
    } else {
      const names = (await readdir(path, { withFileTypes: true })).filter((d) => d.isFile() && !d.name.includes('.tmp-')).map((d) => d.name);
      for (const name of names.sort()) fields.push(name, await readFile(join(path, name)));
    }
    if (fields.length === 0) return false;
    const key = this.key(ref);
    await this.redis.multi().del(key).hset(key, ...fields).expire(key, ttlSeconds).exec();
    return true;
  }

  /** Whether Redis holds the item of `ref`. */
  async has(ref: TrialFileRef): Promise<boolean> {
    return (await this.redis.exists(this.key(ref))) === 1;
  }

  /** Writes the item of `ref` under `root` from Redis (replacing what is there); false when Redis has none. */
  async fetch(root: string, ref: TrialFileRef): Promise<boolean> {
    const files = await this.redis.hgetallBuffer(this.key(ref));
    const names = Object.keys(files);
    if (names.length === 0) return false;
    const path = trialPath(root, ref);
    const temp = join(dirname(path), `.part-${ref.trialId}-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    await mkdir(dirname(path), { recursive: true });
    try {
      if (kindOf(ref).suffix !== undefined) {
        await writeSynced(temp, files[FILE_FIELD] as Buffer);
        await rename(temp, path);
        return true;
      }
      await mkdir(temp);
      for (const name of names) {
        if (name.includes('/') || name.includes('\\') || name.startsWith('.')) throw new Error(`bad file name '${name}' in ${this.key(ref)}`);
        await writeSynced(join(temp, name), files[name] as Buffer);
      }
      await rm(path, { recursive: true, force: true });
      await rename(temp, path);
    } catch (err) {
      await rm(temp, { recursive: true, force: true });
      throw err;
    }
    return true;
  }

  /** Deletes the item of `ref` from Redis. */
  async drop(ref: TrialFileRef): Promise<void> {
    await this.redis.del(this.key(ref));
  }
}
