/**
 * Runs the `nas` CLI in-process for tests, capturing what it writes to stdout and stderr (directly or
 * through console.log/console.error).
 */
import { vi } from 'vitest';
import { main } from '../../src/cli/main.ts';

/** What one `nas` invocation returned and printed. */
export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs `nas <args>` in-process, capturing what it writes. */
export async function nas(...args: string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const o = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  const e = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  const l = vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void (out += `${parts.join(' ')}\n`));
  const ce = vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void (err += `${parts.join(' ')}\n`));
  try {
    return { code: await main(args), out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    l.mockRestore();
    ce.mockRestore();
  }
}
