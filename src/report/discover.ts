/**
 * Finding the runs under a directory (a folder holding `config.json` is a run; its sub-folders are not
 * searched), and a cheap token that changes whenever a run's files change, for the dashboard to poll.
 * Symbolic links are never followed, so nothing outside the directory is ever listed.
 */
import { existsSync, lstatSync, readdirSync, statSync } from 'node:fs';
import { basename, join, relative, resolve, sep } from 'node:path';
import { NasError } from '../core/errors.ts';
import { runPaths } from '../store/run-dir.ts';

/** A run found under the dashboard's directory. */
export interface FoundRun {
  /** Its path relative to the directory, with `/` separators (the run's address in the dashboard). */
  id: string;
  /** Absolute path. */
  dir: string;
}

/** Folders never searched: hidden ones and installed packages. */
const SKIP = (name: string): boolean => name.startsWith('.') || name === 'node_modules';

/** The runs under `root` (or `root` itself when it is a run), at most `maxDepth` folders down, sorted by id. */
export function discoverRuns(root: string, maxDepth = 4): FoundRun[] {
  const top = resolve(root);
  if (!existsSync(top) || !statSync(top).isDirectory()) throw new NasError(`${root} is not a directory; name a run directory or a folder of runs`);
  if (existsSync(runPaths(top).config)) return [{ id: basename(top), dir: top }];
  const found: FoundRun[] = [];
  const walk = (dir: string, depth: number): void => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory() || e.isSymbolicLink() || SKIP(e.name)) continue;
      const path = join(dir, e.name);
      if (existsSync(join(path, 'config.json'))) found.push({ id: relative(top, path).split(sep).join('/'), dir: path });
      else if (depth < maxDepth) walk(path, depth + 1);
    }
  };
  walk(top, 1);
  return found.sort((a, b) => a.id.localeCompare(b.id));
}

/** Size and modification times of a run's files: equal tokens mean nothing changed. */
export function runVersion(dir: string): string {
  const p = runPaths(dir);
  return [p.config, p.journal, p.snapshot].map((f) => {
    try {
      const s = lstatSync(f);
      return `${s.size}.${Math.round(s.mtimeMs)}`;
    } catch {
      return '-';
    }
  }).join(':');
}
