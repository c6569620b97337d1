import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const PARENT = fileURLToPath(new URL('./fixtures/pool-parent.ts', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return cond();
}

describe('worker processes of a killed run', () => {
  it('end within seconds even while their evaluation holds the event loop', async () => {
    const pidFile = join(mkdtempSync(join(tmpdir(), 'nas-orphan-')), 'worker.pid');
    const parent = spawn(process.execPath, ['--import', 'tsx', PARENT, pidFile], { stdio: 'ignore' });
    expect(await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').length > 0, 60_000)).toBe(true);
    const worker = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(worker)).toBe(true);
    parent.kill('SIGKILL');
    expect(await waitFor(() => !alive(worker), 10_000)).toBe(true);
  });
});
