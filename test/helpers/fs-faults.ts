/**
 * Storage faults for tests: a `vi.mock('node:fs', ...)` factory that makes the store's writes fail as a
 * full disk or a read-only file system would, at a chosen moment. A test file mocks node:fs with
 * {@link faultyFs} and arms {@link FAULT} before the command it wants to fail.
 */

/** What the next file operations do. */
export const FAULT: {
  /** Which fault: none, a full disk on a write, or a read-only file system on opening for writing. */
  kind: 'none' | 'ENOSPC' | 'EROFS';
  /** Writes (ENOSPC) or opens for writing (EROFS) to let through before the fault. */
  after: number;
  /** ENOSPC only: the failing write first writes half of its bytes (a line cut mid-write). */
  partial: boolean;
  /** How many times the fault fired. */
  fired: number;
} = { kind: 'none', after: 0, partial: false, fired: 0 };

/** Arms a fault (see FAULT). */
export function armFault(kind: 'ENOSPC' | 'EROFS', after: number, partial = false): void {
  Object.assign(FAULT, { kind, after, partial, fired: 0 });
}

/** Disarms the fault. */
export function disarmFault(): void {
  FAULT.kind = 'none';
}

function systemError(code: 'ENOSPC' | 'EROFS', syscall: string, path?: string): Error {
  const words = code === 'ENOSPC' ? 'no space left on device' : 'read-only file system';
  return Object.assign(new Error(`${code}: ${words}, ${syscall}${path ? ` '${path}'` : ''}`), { code, syscall, errno: code === 'ENOSPC' ? -28 : -30, ...(path ? { path } : {}) });
}

const WRITE_FLAGS = /[wa+]/;

type Fs = typeof import('node:fs');

/** node:fs with writeSync and openSync replaced by versions that fail as FAULT says. */
export function faultyFs(fs: Fs): Fs {
  const writeSync = ((fd: number, buffer: Uint8Array | string, ...rest: unknown[]): number => {
    if (FAULT.kind === 'ENOSPC' && typeof buffer !== 'string' && FAULT.after-- <= 0) {
      FAULT.fired++;
      if (FAULT.partial && buffer.length > 1) {
        const offset = typeof rest[0] === 'number' ? rest[0] : 0;
        const length = typeof rest[1] === 'number' ? rest[1] : buffer.length - offset;
        fs.writeSync(fd, buffer, offset, Math.floor(length / 2));
      }
      throw systemError('ENOSPC', 'write');
    }
    return (fs.writeSync as (...a: unknown[]) => number)(fd, buffer, ...rest);
  }) as Fs['writeSync'];
  const openSync = ((path: string, flags?: string | number, mode?: number): number => {
    const writes = typeof flags === 'number' ? (flags & (fs.constants.O_WRONLY | fs.constants.O_RDWR)) !== 0 : WRITE_FLAGS.test(flags ?? 'r');
    if (FAULT.kind === 'EROFS' && writes && FAULT.after-- <= 0) {
      FAULT.fired++;
      throw systemError('EROFS', 'open', String(path));
    }
    return fs.openSync(path, flags ?? 'r', mode);
  }) as Fs['openSync'];
  return { ...fs, writeSync, openSync, default: { ...fs, writeSync, openSync } } as Fs;
}
