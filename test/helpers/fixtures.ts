/**
 * Small stand-ins, built inside the tests, for the shared data: CIFAR records in the official binary
 * layout, and a table shaped like NAS-Bench-201's (every cell string, with made-up but deterministic
 * accuracies), so the tests that only need data of the right shape run on any clone.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NB201_EDGES, NB201_OPS, type Nb201Genome, type Nb201Op } from '../../src/genome/types.ts';
import { nb201ToArch } from '../../src/genome/nb201.ts';

/** Bytes of one CIFAR-10 record: a label byte, then 1,024 red, 1,024 green and 1,024 blue bytes. */
export const CIFAR10_RECORD = 3073;

/** Options of {@link writeCifar10Fixture}. */
export interface CifarFixtureOptions {
  /** Records of data_batch_1.bin. Default 40. */
  train?: number;
  /** Records of test_batch.bin. Default 20. */
  test?: number;
}

/**
 * Writes data_batch_1.bin, test_batch.bin and batches.meta.txt into `dir` (created): record i has label
 * i mod 10 and pixel p of channel c equal to (7i + 3p + 5c) mod 256. Returns `dir`.
 */
export function writeCifar10Fixture(dir: string, o: CifarFixtureOptions = {}): string {
  mkdirSync(dir, { recursive: true });
  const file = (count: number, offset: number): Buffer => {
    const buf = Buffer.alloc(count * CIFAR10_RECORD);
    for (let i = 0; i < count; i++) {
      const at = i * CIFAR10_RECORD;
      buf[at] = (i + offset) % 10;
      for (let c = 0; c < 3; c++) for (let p = 0; p < 1024; p++) buf[at + 1 + c * 1024 + p] = (7 * (i + offset) + 3 * p + 5 * c) % 256;
    }
    return buf;
  };
  writeFileSync(join(dir, 'data_batch_1.bin'), file(o.train ?? 40, 0));
  writeFileSync(join(dir, 'test_batch.bin'), file(o.test ?? 20, 1000));
  writeFileSync(join(dir, 'batches.meta.txt'), 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n');
  return dir;
}

/** Every NAS-Bench-201 cell string (5^6 = 15,625), edges counted in base 5 over the benchmark's op order. */
export function allNb201Archs(): string[] {
  const archs: string[] = [];
  for (let n = 0; n < NB201_OPS.length ** NB201_EDGES.length; n++) {
    const edges: Nb201Op[] = [];
    for (let e = 0, rest = n; e < NB201_EDGES.length; e++, rest = Math.floor(rest / NB201_OPS.length)) edges.push(NB201_OPS[rest % NB201_OPS.length]);
    archs.push(nb201ToArch({ kind: 'nb201', edges: edges as Nb201Genome['edges'] }));
  }
  return archs;
}

/** A deterministic value in [0, 1) from a string (FNV-1a). */
function unit(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h / 2 ** 32;
}

const OP_WORTH: Record<Nb201Op, number> = { none: 0, skip_connect: 1, avg_pool_3x3: 1.5, nor_conv_1x1: 3, nor_conv_3x3: 4.5 };

/**
 * Writes a table shaped like NAS-Bench-201's CIFAR-10 table into `dir` as `file` (columns index, arch,
 * valid_12, valid_200, test_200; one row per cell string): more and larger convolutions score higher, with
 * a little deterministic noise, so searches have something to climb. Returns the file's path.
 */
export function writeNb201TableFixture(dir: string, file = 'nb201-fixture.csv'): string {
  mkdirSync(dir, { recursive: true });
  const lines = ['index,arch,valid_12,valid_200,test_200'];
  allNb201Archs().forEach((arch, index) => {
    const ops = [...arch.matchAll(/([a-z_0-9]+)~\d/g)].map((m) => m[1] as Nb201Op);
    const worth = ops.reduce((sum, op) => sum + OP_WORTH[op], 0);
    const valid12 = 40 + 1.4 * worth + 4 * unit(`${arch}:12`);
    const valid200 = Math.min(94, valid12 * 1.15 + 2 * unit(`${arch}:v200`));
    const test200 = valid200 - 0.5 + unit(`${arch}:t200`);
    lines.push(`${index},${arch},${valid12.toFixed(3)},${valid200.toFixed(4)},${test200.toFixed(4)}`);
  });
  const path = join(dir, file);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

let tableFile: string | undefined;

/** The table of {@link writeNb201TableFixture}, written once per test process to a temporary folder removed at exit. */
export function nb201TableFixture(): string {
  if (tableFile === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'nas-nb201-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    tableFile = writeNb201TableFixture(dir);
  }
  return tableFile;
}
