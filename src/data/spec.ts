/**
 * Dataset specs as users write them: `<kind>:<dir>` (e.g. `cifar10:data/cifar-10-batches-bin`) or the name
 * of a built-in dataset (`fashion-mnist-mini`).
 */
import { ValidationError } from '../core/errors.ts';

/** Kinds that read a directory the user downloaded. */
export const DIRECTORY_KINDS = ['cifar10', 'cifar100', 'cifar100-coarse', 'mnist', 'fashion-mnist', 'folder'] as const;
/** Built-in datasets shipped under datasets/ (no directory needed). */
export const BUILTIN_KINDS = ['fashion-mnist-mini'] as const;

export type DirectoryKind = (typeof DIRECTORY_KINDS)[number];
export type BuiltinKind = (typeof BUILTIN_KINDS)[number];
export type DatasetKind = DirectoryKind | BuiltinKind;

/** The name of the dataset used when none is given. */
export const DEFAULT_DATASET = 'fashion-mnist-mini';

/** A parsed dataset spec. */
export interface DatasetSpec {
  kind: DatasetKind;
  /** Directory to read, for the directory kinds; absent for built-in datasets. */
  dir?: string;
  /** The spec as written. */
  text: string;
}

const ACCEPTED = [...DIRECTORY_KINDS.map((k) => `${k}:<dir>`), ...BUILTIN_KINDS].join(', ');

function isDirectoryKind(kind: string): kind is DirectoryKind {
  return (DIRECTORY_KINDS as readonly string[]).includes(kind);
}

function isBuiltinKind(kind: string): kind is BuiltinKind {
  return (BUILTIN_KINDS as readonly string[]).includes(kind);
}

/**
 * Parses a dataset spec. The kind is the text before the first `:`; the rest is the directory.
 * Fails with the accepted forms on an unknown kind, a missing directory, or a directory given to a
 * built-in dataset.
 */
export function parseDatasetSpec(text: string, field = 'dataset'): DatasetSpec {
  const trimmed = text.trim();
  const colon = trimmed.indexOf(':');
  const kind = colon < 0 ? trimmed : trimmed.slice(0, colon);
  const dir = colon < 0 ? undefined : trimmed.slice(colon + 1);
  if (isBuiltinKind(kind)) {
    if (dir !== undefined) {
      throw new ValidationError(`'${kind}' is built in and takes no directory (got '${text}')`, { field }, ACCEPTED);
    }
    return { kind, text };
  }
  if (isDirectoryKind(kind)) {
    if (dir === undefined || dir.length === 0) {
      throw new ValidationError(`dataset '${text}' names no directory`, { field }, `${kind}:<dir>`);
    }
    return { kind, dir, text };
  }
  throw new ValidationError(`unknown dataset kind '${kind}' in '${text}'`, { field }, ACCEPTED);
}
