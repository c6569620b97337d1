/**
 * Reading a run directory back (a resume, `nas status`, `nas export`), with every check that keeps a
 * damaged or edited run from being continued as if nothing happened:
 *
 * - config.json must hold the configuration the journal's first event recorded (its checksum); an
 *   edited one is refused, naming each change;
 * - a snapshot without its journal (deleted, emptied, or cut shorter than the snapshot) is refused,
 *   where a resume would otherwise silently start again from child 0;
 * - at the snapshot's line the journal must hold the children the snapshot counted;
 * - every journal line must follow from the ones before (src/run/book.ts), else file:line and what
 *   was expected.
 */
import { FileFormatError } from '../core/errors.ts';
import { readFirstEvent, scanJournal, type JournalEvent } from '../store/journal.ts';
import { configChanges, configChecksum, readRunConfig, runPaths, type RunPaths } from '../store/run-dir.ts';
import { readSnapshot, type RunSnapshot } from '../store/snapshot.ts';
import type { TrialBook } from './book.ts';
import { parseRunConfig, type RunConfig } from './config.ts';

/** A run directory's configuration and snapshot, checked against its journal. */
export interface StoredRun {
  paths: RunPaths;
  config: RunConfig;
  /** The latest snapshot, if any. */
  snapshot?: RunSnapshot;
  /** Whether the journal starts with a `created` event (runs made before it existed do not). */
  hasCreatedEvent: boolean;
}

/** Reads and checks a run directory's config.json and snapshot against its journal (see the file comment). */
export function loadStoredRun(dir: string): StoredRun {
  const paths = runPaths(dir);
  const raw = readRunConfig(dir);
  const first = readFirstEvent(paths.journal);
  if (first?.e === 'created' && first.configSha256 !== configChecksum(raw)) {
    const changes = configChanges(first.config, raw);
    throw new FileFormatError(paths.config, `edited since the run was created (the journal's first line records its checksum):\n  ${changes.join('\n  ')}\nPut config.json back as it was; a run never continues under another configuration (start a new run for other options).`);
  }
  const config = parseRunConfig(raw, paths.config);
  const snapshot = readSnapshot(paths.snapshot);
  if (snapshot && snapshot.journalLines > 0 && first === undefined) {
    throw new FileFormatError(paths.journal, `missing or empty, but ${paths.snapshot} covers its first ${snapshot.journalLines} lines: the journal was deleted or emptied. Restore it; resuming without it would start the run again from child 0`);
  }
  return { paths, config, ...(snapshot ? { snapshot } : {}), hasCreatedEvent: first?.e === 'created' };
}

/**
 * Streams the run's journal to `apply` (event, 1-based line), checking at the snapshot's line that
 * `book` (which `apply` updates) holds the children and evaluations the snapshot counted, and at the
 * end that the journal reaches the snapshot. Returns the number of lines.
 */
export function scanStoredRun(run: StoredRun, book: TrialBook, apply: (event: JournalEvent, line: number) => void): number {
  const { paths, snapshot } = run;
  const { lines } = scanJournal(paths.journal, (event, line) => {
    apply(event, line);
    if (snapshot && line === snapshot.journalLines && (book.children !== snapshot.children || book.evaluations !== snapshot.evaluations)) {
      throw new FileFormatError(paths.journal, `its first ${line} lines hold ${book.children} children (${book.evaluations} evaluations), but ${paths.snapshot}, written after line ${line}, counted ${snapshot.children} (${snapshot.evaluations}): lines were removed, repeated or edited before line ${line}. Restore the journal`, line);
    }
  });
  if (snapshot && lines < snapshot.journalLines) {
    throw new FileFormatError(paths.journal, `has ${lines} complete lines, but ${paths.snapshot} covers ${snapshot.journalLines}: the journal was cut short or replaced. Restore it; resuming would lose what the missing lines recorded`);
  }
  return lines;
}
