/**
 * Checkpoints in a directory of the run (`<run-dir>/checkpoints/<trialId>.ckpt`), each written atomically
 * (temporary file, fsync, rename, fsync of the directory): a kill leaves the old file or the new one,
 * never half of one, and a leftover temporary file is removed by the next `sweep`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from './atomic.ts';
import { decodeCheckpoint, encodeCheckpoint, type CheckpointStore, type TrainCheckpoint } from './checkpoint.ts';

const SUFFIX = '.ckpt';

/** The checkpoints folder of a run directory. */
export const checkpointsDirOf = (runDir: string): string => join(runDir, 'checkpoints');

export class DirectoryCheckpointStore implements CheckpointStore {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  /** The file of one trial's checkpoint. */
  file(trialId: number): string {
    return join(this.dir, `${trialId}${SUFFIX}`);
  }

  save(trialId: number, checkpoint: TrainCheckpoint): void {
    mkdirSync(this.dir, { recursive: true });
    writeFileAtomic(this.file(trialId), encodeCheckpoint(checkpoint));
  }

  load(trialId: number): TrainCheckpoint | undefined {
    const file = this.file(trialId);
    if (!existsSync(file)) return undefined;
    return decodeCheckpoint(readFileSync(file), file);
  }

  has(trialId: number): boolean {
    return existsSync(this.file(trialId));
  }

  remove(trialId: number): void {
    rmSync(this.file(trialId), { force: true });
  }

  list(): number[] {
    if (!existsSync(this.dir)) return [];
    return readdirSync(this.dir)
      .filter((name) => /^\d+\.ckpt$/.test(name))
      .map((name) => Number(name.slice(0, -SUFFIX.length)))
      .sort((a, b) => a - b);
  }

  /** Removes every checkpoint whose trial is not in `keep`, and temporary files of interrupted writes. */
  sweep(keep: ReadonlySet<number>): number[] {
    if (!existsSync(this.dir)) return [];
    for (const name of readdirSync(this.dir)) if (name.startsWith('.') && name.endsWith('.tmp')) rmSync(join(this.dir, name), { force: true });
    const removed = this.list().filter((id) => !keep.has(id));
    for (const id of removed) this.remove(id);
    return removed;
  }
}
