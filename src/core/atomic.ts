/**
 * Atomic file writes: write a temp file next to the target, fsync it, rename it over the target and
 * fsync the directory, so a reader sees either the old or the new content, never half of one.
 *
 * The temp file is created exclusively (O_CREAT | O_EXCL, which also refuses a symbolic link planted
 * under its name) with an unpredictable name, and removed when anything fails (a full disk, a
 * read-only file system), so a failed write leaves the target as it was and nothing behind. The
 * name's randomness comes from the operating system, not from a run's seeded rng: it must be
 * unpredictable, and it never changes a result.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { StorageError, errnoOf } from './errors.ts';

/** The prefix of every temp file the writer makes next to `file` (`.snapshot.pb.` for snapshot.pb). */
export function tempPrefix(file: string): string {
  return `.${basename(file)}.`;
}

/** Writes all of `bytes` to `fd`. */
function writeAll(fd: number, bytes: Uint8Array): void {
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}

/**
 * Writes `data` to `file` atomically (exclusive temp file, fsync, rename, fsync of the directory).
 * A system error becomes a StorageError naming `file` and the cause; the temp file is removed.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = join(dirname(file), `${tempPrefix(file)}${randomBytes(8).toString('hex')}.tmp`);
  let fd: number | undefined;
  let stage = 'create a temporary file for';
  try {
    fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o644);
    stage = 'write';
    writeAll(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    stage = 'replace';
    renameSync(tmp, file);
  } catch (err) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    const errno = errnoOf(err);
    throw errno ? new StorageError(errno, stage, file) : err;
  }
  syncDirectory(dirname(file));
}

/** fsyncs a directory so a rename inside it survives a crash (a no-op where the OS refuses). */
export function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic there.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
