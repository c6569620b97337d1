/**
 * A table in the shape of NAS-Bench-201's (`index,arch,valid_12,valid_200,test_200`, one row for each of
 * the 15,625 cells), generated from the architecture strings: convolutions score higher than pooling and
 * skips, cells without a path from input to output score 10 (chance), and a seeded hash of the string adds
 * noise. Not the benchmark's numbers; a landscape with the same keys for tests and benchmarks that need
 * milliseconds per child.
 */
import { writeFileSync } from 'node:fs';
import { canonicalNb201, nb201ToArch } from '../../src/genome/nb201.ts';
import { NB201_OPS, type Nb201Genome, type Nb201Op } from '../../src/genome/types.ts';

const VALUE: Record<Nb201Op, number> = { none: 0, skip_connect: 2, avg_pool_3x3: 1, nor_conv_1x1: 4, nor_conv_3x3: 6 };

/** A deterministic number in [0, 1) from a string (FNV-1a). */
function noise(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h / 2 ** 32;
}

/** The rows of the table, as CSV text. */
export function nb201TableCsv(): string {
  const lines = ['index,arch,valid_12,valid_200,test_200'];
  let index = 0;
  const edges: Nb201Op[] = [];
  const visit = (k: number): void => {
    if (k === 6) {
      const genome = { kind: 'nb201', edges: [...edges] } as Nb201Genome;
      const arch = nb201ToArch(genome);
      const live = canonicalNb201(genome).edges;
      const dead = live.every((op) => op === 'none');
      const strength = live.reduce((s, op) => s + VALUE[op], 0) / 36;
      const v12 = dead ? 10 : 55 + 30 * strength + 6 * noise(`${arch}/12`);
      const v200 = dead ? 10 : 70 + 23 * strength + 2 * noise(`${arch}/200`);
      const t200 = dead ? 10 : v200 - 0.5 + noise(`${arch}/test`);
      lines.push(`${index++},${arch},${v12.toFixed(3)},${v200.toFixed(3)},${t200.toFixed(3)}`);
      return;
    }
    for (const op of NB201_OPS) {
      edges[k] = op;
      visit(k + 1);
    }
  };
  visit(0);
  return `${lines.join('\n')}\n`;
}

/** Writes the table to `file` and returns `file`. */
export function writeNb201Table(file: string): string {
  writeFileSync(file, nb201TableCsv());
  return file;
}
