/**
 * File access for dataset readers: every failure becomes a FileFormatError that names the file and says
 * what was expected.
 */
import { open, readFile, readdir, stat } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { FileFormatError } from '../core/errors.ts';

function errnoCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/** Size in bytes of a regular file; fails with `what` (e.g. "CIFAR-10 training batch") if it is missing. */
export async function fileSize(file: string, what: string): Promise<number> {
  try {
    const s = await stat(file);
    if (!s.isFile()) throw new FileFormatError(file, `not a regular file; expected the ${what}`);
    return s.size;
  } catch (err) {
    if (err instanceof FileFormatError) throw err;
    throw new FileFormatError(file, `cannot read the ${what}: ${errnoCode(err) === 'ENOENT' ? 'file not found' : String(err)}`);
  }
}

/** True when `file` exists (any kind). */
export async function exists(file: string): Promise<boolean> {
  try {
    await stat(file);
    return true;
  } catch {
    return false;
  }
}

/** Fails unless `dir` is a directory. */
export async function requireDirectory(dir: string, what: string): Promise<void> {
  let isDir: boolean;
  try {
    isDir = (await stat(dir)).isDirectory();
  } catch (err) {
    throw new FileFormatError(dir, `cannot open the ${what}: ${errnoCode(err) === 'ENOENT' ? 'directory not found' : String(err)}`);
  }
  if (!isDir) throw new FileFormatError(dir, `not a directory; expected the ${what}`);
}

/** Entries of a directory, sorted by name. */
export async function listDirectory(dir: string, what: string): Promise<Array<{ name: string; isDirectory: boolean; isFile: boolean }>> {
  await requireDirectory(dir, what);
  const entries = await readdir(dir, { withFileTypes: true });
  return entries
    .map((e) => ({ name: e.name, isDirectory: e.isDirectory(), isFile: e.isFile() }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The first `length` bytes of a file (the whole file when `length` is undefined). */
export async function readBytes(file: string, what: string, length?: number): Promise<Buffer> {
  if (length === undefined) {
    try {
      return await readFile(file);
    } catch (err) {
      throw new FileFormatError(file, `cannot read the ${what}: ${errnoCode(err) === 'ENOENT' ? 'file not found' : String(err)}`);
    }
  }
  const handle = await open(file, 'r').catch((err: unknown) => {
    throw new FileFormatError(file, `cannot read the ${what}: ${errnoCode(err) === 'ENOENT' ? 'file not found' : String(err)}`);
  });
  try {
    const buf = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(buf, done, length - done, done);
      if (bytesRead === 0) throw new FileFormatError(file, `truncated: ${done} bytes, expected at least ${length}`);
      done += bytesRead;
    }
    return buf;
  } finally {
    await handle.close();
  }
}

/** Reads a file and gunzips it when its name ends in `.gz`. */
export async function readMaybeGzip(file: string, what: string): Promise<Buffer> {
  const raw = await readBytes(file, what);
  if (!file.endsWith('.gz')) return raw;
  try {
    return gunzipSync(raw);
  } catch (err) {
    throw new FileFormatError(file, `not a valid gzip file (${(err as Error).message}); expected the gzipped ${what}`);
  }
}

/** Reads a text file of one name per line (empty lines dropped); undefined when the file does not exist. */
export async function readNameList(file: string): Promise<string[] | undefined> {
  if (!(await exists(file))) return undefined;
  const text = (await readBytes(file, 'class-name list')).toString('utf8');
  return text.split(/\r?\n/).map((s) => s.trim()).filter((s) => s.length > 0);
}
