/**
 * The run's append-only journal: one JSON object per line, one line per event (asked, started,
 * finished, failed, resumed). Each append is one write followed by fsync, so an event is on disk before
 * the run acts on it; appends are O(1). Only newline-terminated lines count: a last line cut short by a
 * kill is ignored on read and cut off before the next append. Any other bad line is an error naming the
 * file and the line.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readFileSync, writeSync } from 'node:fs';
import { FileFormatError } from '../core/errors.ts';
import type { FailureKind } from '../core/trial.ts';

/** A child was proposed by the strategy. */
export interface AskedEvent {
  e: 'asked';
  /** Trial id (0, 1, 2, ... in ask order). */
  id: number;
  /** Canonical hash of the configuration. */
  hash: string;
  /** Seed of the evaluation, derived from the run seed and the id. */
  seed: number;
  /** The configuration in its JSON form. */
  config: unknown;
  parentId?: number;
  fidelity?: number;
  /** Wall-clock time (ms since the epoch). */
  t: number;
}

/** A child was handed to a worker. */
export interface StartedEvent {
  e: 'started';
  id: number;
  /** Which worker slot runs it. */
  worker: number;
  t: number;
}

/** A child has a score (trained, looked up, or copied from an earlier child with the same hash). */
export interface FinishedEvent {
  e: 'finished';
  id: number;
  score: number;
  report?: number;
  metrics?: Record<string, number>;
  seconds?: number;
  /** Set when the child was not evaluated because trial `duplicateOf` has the same canonical hash. */
  duplicateOf?: number;
  t: number;
}

/** A child has no score: it crashed, ran out of memory, gave NaN or was rejected before training. */
export interface FailedEvent {
  e: 'failed';
  id: number;
  failure: FailureKind;
  error?: string;
  duplicateOf?: number;
  t: number;
}

/** The run was resumed by a new process (informational; replay skips it). */
export interface ResumedEvent {
  e: 'resumed';
  pid: number;
  t: number;
}

export type JournalEvent = AskedEvent | StartedEvent | FinishedEvent | FailedEvent | ResumedEvent;

/** What `readJournal` found. */
export interface JournalContents {
  /** Every complete event, in file order. */
  events: JournalEvent[];
  /** Byte length of the complete lines (where the next append must start). */
  validBytes: number;
  /** True when the file ended in a line without its newline (cut short by a kill). */
  truncatedTail: boolean;
}

const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Checks one parsed line; returns a problem description or undefined. */
function problemOf(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const o = v as Record<string, unknown>;
  if (typeof o.t !== 'number') return "missing numeric field 't'";
  switch (o.e) {
    case 'asked':
      if (!isInt(o.id) || typeof o.hash !== 'string' || !isInt(o.seed) || !('config' in o)) {
        return "an 'asked' event needs integer 'id', string 'hash', integer 'seed' and 'config'";
      }
      return undefined;
    case 'started':
      return isInt(o.id) && isInt(o.worker) ? undefined : "a 'started' event needs integer 'id' and 'worker'";
    case 'finished':
      return isInt(o.id) && typeof o.score === 'number' ? undefined : "a 'finished' event needs integer 'id' and numeric 'score'";
    case 'failed':
      return isInt(o.id) && typeof o.failure === 'string' ? undefined : "a 'failed' event needs integer 'id' and string 'failure'";
    case 'resumed':
      return undefined;
    default:
      return `unknown event '${String(o.e)}' (accepted: asked, started, finished, failed, resumed)`;
  }
}

/** Reads a journal; a missing file is an empty journal. */
export function readJournal(file: string): JournalContents {
  if (!existsSync(file)) return { events: [], validBytes: 0, truncatedTail: false };
  const buf = readFileSync(file);
  const lastNewline = buf.lastIndexOf(0x0a);
  const validBytes = lastNewline + 1;
  const text = buf.subarray(0, validBytes).toString('utf8');
  const lines = text.length ? text.slice(0, -1).split('\n') : [];
  const events = lines.map((line, i) => parseLine(file, line, i + 1));
  return { events, validBytes, truncatedTail: validBytes < buf.length };
}

function parseLine(file: string, line: string, lineNo: number): JournalEvent {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new FileFormatError(file, `corrupt journal line (not JSON: ${(err as Error).message})`, lineNo);
  }
  const problem = problemOf(value);
  if (problem) throw new FileFormatError(file, `corrupt journal line: ${problem}`, lineNo);
  return value as JournalEvent;
}

/** Options of a journal writer. */
export interface JournalWriterOptions {
  /** fsync after every append. Default true; benchmarks that keep no run may turn it off. */
  fsync?: boolean;
}

/** Appends events to a journal file, one fsynced line each. */
export class JournalWriter {
  private fd: number | undefined;
  private readonly fsync: boolean;
  /** Byte offset of the next append. */
  private position: number;
  readonly file: string;

  /**
   * Opens `file` for appending, first cutting off a last line without its newline (a write cut short
   * by a kill) so the next event starts on a fresh line.
   */
  constructor(file: string, options: JournalWriterOptions = {}) {
    this.file = file;
    this.fsync = options.fsync ?? true;
    const { validBytes } = readJournal(file);
    this.fd = openSync(file, existsSync(file) ? 'r+' : 'w');
    if (fstatSync(this.fd).size !== validBytes) {
      ftruncateSync(this.fd, validBytes);
      fsyncSync(this.fd);
    }
    this.position = validBytes;
  }

  /** Appends one event and (by default) fsyncs it before returning. */
  append(event: JournalEvent): void {
    if (this.fd === undefined) throw new Error(`journal ${this.file} is closed`);
    const bytes = Buffer.from(`${JSON.stringify(event)}\n`, 'utf8');
    let off = 0;
    while (off < bytes.length) {
      off += writeSync(this.fd, bytes, off, bytes.length - off, this.position + off);
    }
    this.position += bytes.length;
    if (this.fsync) fsyncSync(this.fd);
  }

  close(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
  }
}
