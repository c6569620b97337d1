/**
 * Running `nas` as a real process and killing it with SIGKILL at a chosen moment, for the tests that
 * resume killed runs (resume-sigkill.test.ts, checkpoint-sigkill.test.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** How a process ended and what it printed. */
export interface Outcome { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

/** Counts complete journal lines (0 when there is no journal yet). */
export function journalLines(file: string): number {
  if (!existsSync(file)) return 0;
  const buf = readFileSync(file);
  let n = 0;
  for (const b of buf) if (b === 0x0a) n++;
  return n;
}

/**
 * Runs `node <args>` in the repository and SIGKILLs it when `kill` says so: after a delay (to hit start-up
 * too) or once the journal has grown by some lines (to hit the run at any point of its work).
 */
export function runUntilKilled(args: string[], journal: string, kill: { afterMs?: number; afterLines?: number }): Promise<Outcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const start = journalLines(journal);
    const poll = setInterval(() => {
      if (kill.afterLines !== undefined && journalLines(journal) >= start + kill.afterLines) child.kill('SIGKILL');
    }, 5);
    const timer = kill.afterMs !== undefined ? setTimeout(() => child.kill('SIGKILL'), kill.afterMs) : undefined;
    child.on('exit', (code, signal) => {
      clearInterval(poll);
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
