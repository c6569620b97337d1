import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** What each folder of src/ may import (its README says the same in words). */
const ALLOWED: Record<string, string[]> = {
  core: [],
  genome: ['core'],
  spaces: ['core', 'genome'],
  search: ['core', 'genome', 'spaces'],
  data: ['core', 'genome', 'spaces'],
  store: ['core', 'genome', 'spaces'],
  workers: ['core', 'genome', 'spaces'],
  backends: ['core'],
  model: ['core', 'genome', 'spaces', 'backends'],
  train: ['core', 'genome', 'spaces', 'data', 'backends', 'model'],
  evaluators: ['core', 'genome', 'spaces', 'data', 'backends', 'model', 'train'],
};
/** Folders that wire everything together. */
const WIRING = new Set(['run', 'report', 'cli']);

const SRC = fileURLToPath(new URL('../src', import.meta.url));

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'generated' ? [] : tsFiles(path);
    return name.endsWith('.ts') ? [path] : [];
  });
}

/** The src/ folder a file belongs to. */
const folderOf = (file: string): string => relative(SRC, file).split(sep)[0];

/** Project-relative imports of a file: static, dynamic, and module URLs. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of text.matchAll(/(?:from\s+|import\s+|import\(\s*|new URL\(\s*)'(\.{1,2}\/[^']+)'/g)) found.push(resolve(dirname(file), m[1]));
  return found.filter((p) => p.startsWith(SRC + sep));
}

describe('src/ layering', () => {
  const files = tsFiles(SRC);

  it('every folder of src/ has a README saying what it holds and what it may import', () => {
    const folders = readdirSync(SRC).filter((name) => statSync(join(SRC, name)).isDirectory());
    for (const folder of folders) {
      expect(Object.keys(ALLOWED).includes(folder) || WIRING.has(folder), `src/${folder} has no layering rule`).toBe(true);
      expect(readFileSync(join(SRC, folder, 'README.md'), 'utf8'), `src/${folder}/README.md`).toMatch(/May import:/);
    }
  });

  it('imports point one way', () => {
    const wrong: string[] = [];
    for (const file of files) {
      const from = folderOf(file);
      if (WIRING.has(from)) continue;
      for (const target of importsOf(file)) {
        const to = folderOf(target);
        if (to !== from && !ALLOWED[from].includes(to)) wrong.push(`${relative(SRC, file)} imports src/${to} (${from} may import: ${ALLOWED[from].join(', ') || 'nothing'})`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('only src/backends imports the native tfjs packages, and strategies never import tfjs', () => {
    const wrong = files.filter((file) => {
      const text = readFileSync(file, 'utf8');
      const folder = folderOf(file);
      if (/from '@tensorflow\/tfjs-node/.test(text) || /import\('@tensorflow\/tfjs-node/.test(text)) return folder !== 'backends';
      return ['core', 'genome', 'spaces', 'search', 'data', 'store', 'workers'].includes(folder) && /from '@tensorflow\//.test(text);
    });
    expect(wrong.map((f) => relative(SRC, f))).toEqual([]);
  });
});
