/**
 * The run directory: `config.json` (the run's full configuration, seed included), `journal.jsonl`
 * (append-only events), `snapshot.pb` (the latest checkpoint) and `lock` (who owns the run; see
 * run-lock.ts). Readers never lock: the journal is read up to its last complete line and the snapshot
 * is replaced atomically. Writers hold the lock from before they read anything until they end.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FileFormatError, NasError, withStorage } from '../core/errors.ts';
import { writeFileAtomic } from './atomic.ts';
import { JournalWriter, type CreatedEvent, type JournalWriterOptions } from './journal.ts';
import { RunLock } from './run-lock.ts';

/** Paths of the files inside a run directory. */
export interface RunPaths {
  dir: string;
  config: string;
  journal: string;
  snapshot: string;
}

export function runPaths(dir: string): RunPaths {
  return { dir, config: join(dir, 'config.json'), journal: join(dir, 'journal.jsonl'), snapshot: join(dir, 'snapshot.pb') };
}

/** A run directory opened for writing: its lock (held) and its journal writer. */
export interface OpenRun {
  paths: RunPaths;
  lock: RunLock;
  journal: JournalWriter;
  /** Releases everything (journal, then lock); idempotent. */
  close(): void;
}

function openRun(paths: RunPaths, lock: RunLock, options: JournalWriterOptions): OpenRun {
  let journal: JournalWriter;
  try {
    journal = new JournalWriter(paths.journal, lock, options);
  } catch (err) {
    lock.release();
    throw err;
  }
  return { paths, lock, journal, close: () => { journal.close(); lock.release(); } };
}

/** Stable JSON (keys sorted at every level) of a configuration. */
export function canonicalJson(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** SHA-256 (hex) of a configuration's canonical JSON: what the journal's `created` event records. */
export function configChecksum(config: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}

/** Differences between the configuration a run was created with and config.json now, one line each. */
export function configChanges(created: Record<string, unknown>, now: Record<string, unknown>, prefix = ''): string[] {
  const out: string[] = [];
  const keys = [...new Set([...Object.keys(created), ...Object.keys(now)])].sort();
  for (const key of keys) {
    const a = created[key];
    const b = now[key];
    const name = `${prefix}${key}`;
    if (a === undefined) out.push(`${name}: added (${canonicalJson(b)})`);
    else if (b === undefined) out.push(`${name}: removed (was ${canonicalJson(a)})`);
    else if (isPlainObject(a) && isPlainObject(b)) out.push(...configChanges(a, b, `${name}.`));
    else if (canonicalJson(a) !== canonicalJson(b)) out.push(`${name}: was ${canonicalJson(a)}, now ${canonicalJson(b)}`);
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Creates a run directory, takes its lock, writes its configuration and starts its journal with a
 * `created` event holding the configuration's checksum. Refuses a directory that already holds a run
 * (so a run is never overwritten by accident) and one another process holds.
 */
export function createRunDir(dir: string, config: Record<string, unknown>, options: JournalWriterOptions = {}): OpenRun {
  const paths = runPaths(dir);
  if (existsSync(dir) && !statSync(dir).isDirectory()) {
    throw new NasError(`cannot use ${dir} as a run directory: it is a file (choose another --run-dir)`);
  }
  withStorage('create the run directory', dir, () => mkdirSync(dir, { recursive: true }));
  const lock = RunLock.acquire(dir);
  try {
    if (existsSync(paths.config) || existsSync(paths.journal)) {
      throw new NasError(`${dir} already holds a run; continue it with --resume ${dir} or choose another --run-dir`);
    }
    writeFileAtomic(paths.config, `${JSON.stringify(config, null, 2)}\n`);
  } catch (err) {
    lock.release();
    throw err;
  }
  const run = openRun(paths, lock, options);
  try {
    run.journal.append(createdEvent(config));
  } catch (err) {
    run.close();
    throw err;
  }
  return run;
}

/** The `created` event for a configuration. */
export function createdEvent(config: Record<string, unknown>): CreatedEvent {
  return { e: 'created', configSha256: configChecksum(config), config, t: Date.now() };
}

/**
 * Opens an existing run directory for writing (a resume): takes its lock first, so what is read
 * afterwards is final; runs `check` (the caller reads and checks the run's files) while holding it;
 * then opens the journal for appending (repairing a torn last line). Releases the lock when `check`
 * or the journal fails.
 */
export function reopenRunDir<T>(dir: string, check: (paths: RunPaths) => T, options: JournalWriterOptions = {}): OpenRun & { checked: T } {
  const paths = runPaths(dir);
  if (!existsSync(paths.config)) throw new NasError(`${dir} is not a run directory (no config.json)`);
  const lock = RunLock.acquire(dir);
  let checked: T;
  try {
    checked = check(paths);
  } catch (err) {
    lock.release();
    throw err;
  }
  return { ...openRun(paths, lock, options), checked };
}

/** Reads a run's configuration; a missing or malformed file is an error naming it. */
export function readRunConfig(dir: string): Record<string, unknown> {
  const { config } = runPaths(dir);
  if (!existsSync(config)) throw new NasError(`${dir} is not a run directory (no config.json)`);
  let value: unknown;
  try {
    value = JSON.parse(withStorage('read', config, () => readFileSync(config, 'utf8')));
  } catch (err) {
    if (err instanceof NasError) throw err;
    throw new FileFormatError(config, `not valid JSON (${(err as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new FileFormatError(config, 'expected a JSON object');
  }
  return value as Record<string, unknown>;
}
