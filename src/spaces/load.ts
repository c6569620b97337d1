/**
 * Loading search spaces from JSON files. A bare name (`nasnet-cell`) is a file of the package's
 * search-spaces/ folder; anything with a `/` or ending in `.json` is a path. The file's `"type"` field
 * picks a factory from a registry; other modules add types with `registerSpaceType`.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, extname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileFormatError, StorageError, UsageError, ValidationError, withStorage } from '../core/errors.ts';
import { asObject } from '../genome/check.ts';
import type { GenomeKind } from '../genome/genome.ts';
import { hparamsSpaceFromJSON } from './hparams.ts';
import { JOINT_SPACE_TYPE, jointSpaceFromJSON } from './joint.ts';
import { LSE_SPACE_TYPE, lseSpaceFromJSON } from './large-scale.ts';
import { NB201_SPACE_TYPE, nb201SpaceFromJSON } from './nas-bench-201.ts';
import { NASNET_SPACE_TYPE, nasnetSpaceFromJSON } from './nasnet-cell.ts';
import type { SearchSpace } from './space.ts';

/** The package's folder of space files. */
export const SPACES_DIR = fileURLToPath(new URL('../../search-spaces/', import.meta.url));

/**
 * Builds a space from a parsed space file. `file` is the file's path, for error messages and as the
 * default name (`name` falls back to its base name). Throw ValidationErrors naming the field; the
 * loader adds the file.
 */
export type SpaceFactory = (json: unknown, file: string) => SearchSpace<unknown>;

const FACTORIES = new Map<string, SpaceFactory>();

/** Adds a space type (`hparams`, `joint`, ...). Registering one type twice with different factories is an error. */
export function registerSpaceType(type: string, factory: SpaceFactory): void {
  const existing = FACTORIES.get(type);
  if (existing !== undefined && existing !== factory) throw new UsageError(`space type '${type}' is already registered`);
  FACTORIES.set(type, factory);
}

/** The registered space types, sorted. */
export function spaceTypes(): string[] {
  return [...FACTORIES.keys()].sort();
}

const stem = (file: string): string => basename(file, extname(file));

registerSpaceType(NASNET_SPACE_TYPE, (json, file) => nasnetSpaceFromJSON(json, stem(file)));
registerSpaceType(NB201_SPACE_TYPE, (json, file) => nb201SpaceFromJSON(json, stem(file)));
registerSpaceType(LSE_SPACE_TYPE, (json, file) => lseSpaceFromJSON(json, stem(file)));
registerSpaceType('hparams', (json, file) => hparamsSpaceFromJSON(json, { name: stem(file) }));
registerSpaceType(JOINT_SPACE_TYPE, (json, file) =>
  jointSpaceFromJSON(json, {
    name: stem(file),
    // A relative path inside a joint file is relative to that file's folder.
    loadSpace: (ref) => loadSpace(/[\\/]|\.json$/.test(ref) && !isAbsolute(ref) ? resolve(dirname(file), ref) : ref),
    spaceFromJSON: (inline) => spaceFromJSON(inline, file),
  }),
);

/** Names of the spaces shipped in search-spaces/ (file names without `.json`), sorted. */
export function builtinSpaceNames(): string[] {
  if (!existsSync(SPACES_DIR)) return [];
  return readdirSync(SPACES_DIR)
    .filter((f) => f.endsWith('.json'))
    .map((f) => f.slice(0, -'.json'.length))
    .sort();
}

/** The file a space reference names: a path (has a `/` or ends in `.json`) or a name in search-spaces/. */
export function resolveSpaceFile(nameOrFile: string): string {
  const isPath = nameOrFile.includes('/') || nameOrFile.includes('\\') || nameOrFile.endsWith('.json');
  if (isPath) {
    const file = resolve(nameOrFile);
    if (!existsSync(file)) throw new FileFormatError(nameOrFile, 'no such space file');
    return file;
  }
  const file = resolve(SPACES_DIR, `${nameOrFile}.json`);
  if (!existsSync(file)) {
    throw new ValidationError(`unknown space '${nameOrFile}'`, { field: 'space' }, `one of ${builtinSpaceNames().join(', ')}, or a path to a .json space file`);
  }
  return file;
}

/**
 * Builds a space from a parsed space file. Errors name `file` and the field: a missing or unknown
 * `type`, and whatever the type's factory rejects (unknown op, negative size, missing field).
 */
export function spaceFromJSON(json: unknown, file: string): SearchSpace<unknown> {
  try {
    const obj = asObject(json, '');
    const accepted = `one of ${spaceTypes().join(', ')}`;
    if (obj.type === undefined) throw new ValidationError('missing field', { field: 'type' }, accepted);
    const factory = typeof obj.type === 'string' ? FACTORIES.get(obj.type) : undefined;
    if (factory === undefined) throw new ValidationError(`unknown space type ${JSON.stringify(obj.type)}`, { field: 'type' }, accepted);
    return factory(json, file);
  } catch (err) {
    if (err instanceof ValidationError && err.location.file === undefined) throw err.inFile(file);
    throw err;
  }
}

/** Space files being loaded, outermost first (a joint file names another file, which may name a third). */
const LOADING: string[] = [];

/**
 * Reads, validates and builds the space `nameOrFile` names (see `resolveSpaceFile`). A file that names
 * itself, directly or through others (a joint space whose `architecture` is its own file), is refused
 * with the chain of files.
 */
export function loadSpace(nameOrFile: string): SearchSpace<unknown> {
  const file = resolveSpaceFile(nameOrFile);
  if (LOADING.includes(file)) {
    const chain = [...LOADING.slice(LOADING.indexOf(file)), file].join(' -> ');
    throw new FileFormatError(LOADING[LOADING.length - 1], `refers to itself (${chain}); accepted: a space that names other spaces, never one that names it back`);
  }
  let json: unknown;
  try {
    json = JSON.parse(withStorage('read', file, () => readFileSync(file, 'utf8')));
  } catch (err) {
    if (err instanceof FileFormatError || err instanceof StorageError) throw err;
    throw new FileFormatError(file, `not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  LOADING.push(file);
  try {
    return spaceFromJSON(json, file);
  } finally {
    LOADING.pop();
  }
}

/** The shipped space whose genomes have this kind (used when a genome file names no space). */
export const DEFAULT_SPACE_FOR_KIND: Readonly<Record<GenomeKind, string>> = {
  nasnet: 'nasnet-cell',
  nb201: 'nas-bench-201',
};
