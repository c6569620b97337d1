/**
 * The shared data some tests read: the NAS-Bench-201 table for CIFAR-10 and two CIFAR-10 files in the
 * official binary layout. They are found in one folder, given by the environment variable
 * NAS_SHARED_DIR, by default `../shared` beside the repository (the layout README.md's Datasets section
 * describes). Tests that need them skip without them (requirements.ts), saying what is missing.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requires } from './requirements.ts';

/** The shared data folder: NAS_SHARED_DIR, else `../shared` beside the repository. */
export const SHARED_DIR = process.env.NAS_SHARED_DIR ? resolve(process.env.NAS_SHARED_DIR) : fileURLToPath(new URL('../../../shared', import.meta.url));

/** The NAS-Bench-201 CIFAR-10 table (15,625 rows: index, arch, valid_12, valid_200, test_200). */
export const NB201_TABLE = join(SHARED_DIR, 'benchmarks', 'nas-bench-201', 'cifar10.csv');

/** The folder of the CIFAR-10 files (data_batch_1.bin, test_batch.bin, batches.meta.txt). */
export const CIFAR10_DIR = join(SHARED_DIR, 'datasets', 'cifar-10-batches-bin');

/** Whether tests that need the shared file or folder `path` must skip (see requirements.ts). */
export function skipWithoutShared(path: string): boolean {
  return requires('shared', existsSync(path), `${path} is missing (set NAS_SHARED_DIR to the folder holding benchmarks/ and datasets/; README.md, Datasets)`);
}
