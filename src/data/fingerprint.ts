/**
 * Fingerprints of data, so that a worker on another machine can tell whether it holds the data a run
 * scores children on before it trains anything: a digest of the images and labels as loaded (after the
 * seeded validation split and the `limit`), not of the files, so the same data stored differently
 * (gzipped IDX files, another folder) matches and a different copy (another download, a truncated file,
 * another split) does not.
 */
import { createHash } from 'node:crypto';
import type { LoadedDataset } from './load.ts';
import type { ImageSet } from './types.ts';

/** The prefix of every fingerprint: the digest it is made with. */
const ALGORITHM = 'sha256';

function addSet(hash: ReturnType<typeof createHash>, name: string, set: ImageSet): void {
  hash.update(`${name} ${set.count} ${set.height}x${set.width}x${set.channels} classes ${set.numClasses}\n`);
  hash.update(set.pixels);
  const labels = set.labels;
  hash.update(`labels ${labels.BYTES_PER_ELEMENT}\n`);
  hash.update(new Uint8Array(labels.buffer, labels.byteOffset, labels.byteLength));
}

/** The fingerprint of what training and the search signal see: the training and validation images and labels. */
export function datasetFingerprint(data: LoadedDataset): string {
  const hash = createHash(ALGORITHM);
  addSet(hash, 'train', data.train);
  addSet(hash, 'val', data.val);
  return `${ALGORITHM}:${hash.digest('hex').slice(0, 32)}`;
}

/** The fingerprint of a file's bytes (a benchmark table). */
export function bytesFingerprint(bytes: Uint8Array): string {
  return `${ALGORITHM}:${createHash(ALGORITHM).update(bytes).digest('hex').slice(0, 32)}`;
}
