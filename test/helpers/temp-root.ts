/**
 * Vitest global setup: every temporary file of a test run (the tests' own folders, and those of the nas
 * processes, workers and servers they start) goes under one fresh folder, removed when the run ends,
 * whatever a test left behind (a run killed mid-write, a worker SIGKILLed before it cleaned up).
 * os.tmpdir() reads TMPDIR, which the test processes and everything they start inherit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function setup(): () => void {
  const previous = process.env.TMPDIR;
  const root = mkdtempSync(join(tmpdir(), 'nas-tests-'));
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(root, { recursive: true, force: true });
  };
}
