/**
 * The run directory's lock: one process owns a run directory at a time.
 *
 * The lock is an operating-system lock (an exclusive fcntl open-file-description lock, through the
 * fs-native-extensions package's prebuilt N-API binary) on `<run-dir>/lock`. The kernel holds it for as
 * long as the file stays open and releases it when the process ends in any way, SIGKILL included, so a
 * stale lock cannot exist. Beside the lock, the file records who holds it (pid, host, command, time),
 * so a refusal can name the holder. Every command that changes a run (a new run, `--resume`, a queue
 * run's owner) acquires it before reading the journal; readers (`status`, `export`, reports) never
 * take it. Open-file-description locks (unlike classic POSIX record locks) also survive the holder
 * reading the lock file through another descriptor, and conflict between two opens in one process.
 *
 * Scope: processes of one host on a local file system. On NFS, Linux forwards these locks to the
 * server (NFSv4, or v3 with a lock manager), so they also hold between hosts there; on a file system
 * without lock support acquiring fails with a message saying so.
 */
import { closeSync, constants, fstatSync, ftruncateSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { RunBusyError, StorageError, errnoOf, withStorage } from '../core/errors.ts';

/** Who holds (or last held) a run directory. */
export interface LockHolder {
  pid: number;
  host: string;
  /** The command line that took the lock, e.g. `nas evolve --resume runs/a`. */
  command: string;
  /** When it was taken (ISO 8601). */
  since: string;
}

interface NativeLocks {
  tryLock(fd: number, offset?: number, length?: number, opts?: { shared?: boolean }): boolean;
  unlock(fd: number, offset?: number, length?: number): void;
}

const native = createRequire(import.meta.url)('fs-native-extensions') as NativeLocks;

/** The lock file of a run directory. */
export function lockFile(dir: string): string {
  return join(dir, 'lock');
}

/** Reads who holds (or last held) `dir`'s lock from the file beside it; undefined when nothing is recorded. */
export function lockHolder(dir: string): LockHolder | undefined {
  let text: string;
  try {
    text = readFileSync(lockFile(dir), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const v = JSON.parse(text) as Partial<LockHolder>;
    if (typeof v.pid !== 'number' || typeof v.host !== 'string') return undefined;
    return { pid: v.pid, host: v.host, command: String(v.command ?? ''), since: String(v.since ?? '') };
  } catch {
    return undefined;
  }
}

/** Whether the recorded holder is a live process (only knowable on its own host). */
export function holderAlive(holder: LockHolder): boolean | undefined {
  if (holder.host !== hostname()) return undefined;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (err) {
    return errnoOf(err) === 'EPERM';
  }
}

/** Blocks the thread for `ms` (used only while a new holder writes its name). */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** The holder recorded beside a lock someone else holds; it may take a moment to appear. */
function busyHolder(dir: string): LockHolder | undefined {
  for (let i = 0; i < 40; i++) {
    const holder = lockHolder(dir);
    if (holder) return holder;
    pause(5);
  }
  return undefined;
}

/** A held lock on a run directory; `release` ends it (the kernel does too when the process exits). */
export class RunLock {
  readonly dir: string;
  readonly holder: LockHolder;
  private fd: number | undefined;

  private constructor(dir: string, fd: number, holder: LockHolder) {
    this.dir = dir;
    this.fd = fd;
    this.holder = holder;
  }

  /**
   * Takes the lock of the run directory `dir` (which must exist) or throws a RunBusyError naming the
   * pid and host that hold it. Never waits.
   */
  static acquire(dir: string, command = process.argv.slice(1).join(' ')): RunLock {
    const file = lockFile(dir);
    const fd = withStorage('open the lock file', file, () =>
      openSync(file, constants.O_RDWR | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0), 0o644));
    let locked: boolean;
    try {
      locked = native.tryLock(fd);
    } catch (err) {
      closeSync(fd);
      throw new StorageError(errnoOf(err) ?? 'ENOLCK', 'lock', file);
    }
    if (!locked) {
      closeSync(fd);
      const h = busyHolder(dir);
      const who = h ? `pid ${h.pid} on host ${h.host}${h.since ? ` since ${h.since}` : ''}${h.command ? ` (${h.command})` : ''}` : 'another process (it has not recorded its pid yet)';
      throw new RunBusyError(`${dir} is in use by ${who}; one process owns a run directory at a time. Wait for it to end, or stop it; nas status ${dir} reads the run meanwhile.`);
    }
    const holder: LockHolder = { pid: process.pid, host: hostname(), command, since: new Date().toISOString() };
    try {
      withStorage('record the lock holder in', file, () => {
        ftruncateSync(fd, 0);
        const bytes = Buffer.from(`${JSON.stringify(holder)}\n`);
        writeSync(fd, bytes, 0, bytes.length, 0);
        fsyncSync(fd);
      });
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    return new RunLock(dir, fd, holder);
  }

  /** Whether this object still holds the lock. */
  get held(): boolean {
    return this.fd !== undefined;
  }

  /** Releases the lock (idempotent); the holder record is cleared first. */
  release(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      if (fstatSync(fd).size > 0) ftruncateSync(fd, 0);
    } catch {
      // A read-only or full file system: the kernel still drops the lock on close.
    }
    closeSync(fd);
  }
}
