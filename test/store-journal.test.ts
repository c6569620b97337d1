import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileFormatError } from '../src/core/errors.ts';
import { JournalWriter, readJournal, type JournalEvent } from '../src/store/journal.ts';
import { writeFileAtomic } from '../src/store/atomic.ts';
import { createRunDir, readRunConfig } from '../src/store/run-dir.ts';
import { RunLock } from '../src/store/run-lock.ts';
import { dirname } from 'node:path';

/** A writer holding its directory's lock, released when the writer closes. */
function writer(file: string): JournalWriter {
  const lock = RunLock.acquire(dirname(file));
  let w: JournalWriter;
  try {
    w = new JournalWriter(file, lock);
  } catch (err) {
    lock.release();
    throw err;
  }
  const close = w.close.bind(w);
  w.close = () => {
    close();
    lock.release();
  };
  return w;
}

const dir = (): string => mkdtempSync(join(tmpdir(), 'nas-journal-'));
const asked = (id: number): JournalEvent => ({ e: 'asked', id, hash: `h${id}`, seed: id + 1, config: { x: id }, t: 1 });
const finished = (id: number): JournalEvent => ({ e: 'finished', id, score: id / 2, report: 1, t: 2 });

describe('journal', () => {
  it('appends one JSON line per event and reads them back in order', () => {
    const file = join(dir(), 'journal.jsonl');
    const w = writer(file);
    const events = [asked(0), { e: 'started', id: 0, worker: 0, t: 1 } as JournalEvent, finished(0), asked(1), { e: 'failed', id: 1, failure: 'oom', error: 'x', t: 3 } as JournalEvent];
    events.forEach((e) => w.append(e));
    w.close();
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(5);
    expect(readJournal(file)).toEqual({ events, validBytes: readFileSync(file).length, truncatedTail: false });
  });

  it('ignores a truncated last line and cuts it off before the next append', () => {
    const file = join(dir(), 'journal.jsonl');
    const w = writer(file);
    w.append(asked(0));
    w.close();
    appendFileSync(file, '{"e":"finished","id":0,"sco');
    const read = readJournal(file);
    expect(read.events).toEqual([asked(0)]);
    expect(read.truncatedTail).toBe(true);
    const again = writer(file);
    again.append(finished(0));
    again.close();
    expect(readJournal(file).events).toEqual([asked(0), finished(0)]);
    expect(readFileSync(file, 'utf8').split('\n')).toHaveLength(3);
  });

  it('reports any other corruption with the file and line', () => {
    const file = join(dir(), 'journal.jsonl');
    writeFileSync(file, `${JSON.stringify(asked(0))}\n{oops}\n${JSON.stringify(finished(0))}\n`);
    expect(() => readJournal(file)).toThrow(FileFormatError);
    expect(() => readJournal(file)).toThrow(`${file}:2: corrupt journal line (not JSON`);
    writeFileSync(file, `${JSON.stringify(asked(0))}\n{"e":"exploded","id":0,"t":1}\n`);
    expect(() => readJournal(file)).toThrow(/journal.jsonl:2: corrupt journal line: unknown event 'exploded'/);
    writeFileSync(file, `${JSON.stringify(asked(0))}\n{"e":"finished","id":0,"t":1}\n`);
    expect(() => readJournal(file)).toThrow(/:2: .*numeric 'score'/);
    expect(() => writer(file)).toThrow(FileFormatError);
  });

  it('treats a missing file as an empty journal', () => {
    expect(readJournal(join(dir(), 'none.jsonl')).events).toEqual([]);
  });
});

describe('run directory', () => {
  it('writes config.json atomically and refuses to overwrite a run', () => {
    const d = join(dir(), 'run');
    createRunDir(d, { seed: 5 }).close();
    expect(readRunConfig(d)).toEqual({ seed: 5 });
    expect(() => createRunDir(d, { seed: 6 })).toThrow(/already holds a run; continue it with --resume/);
    writeFileAtomic(join(d, 'config.json'), '{"seed":');
    expect(() => readRunConfig(d)).toThrow(/config.json: not valid JSON/);
    expect(() => readRunConfig(join(d, 'nope'))).toThrow(/not a run directory/);
  });
});
