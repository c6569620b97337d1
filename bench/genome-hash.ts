/**
 * Cost of the canonical genome hashes: microseconds per hash for random NASNet genomes (B = 5 and
 * B = 10), for cells of many identical blocks (the canonical search's hard case) and for
 * NAS-Bench-201 cells, each next to a reference measured in the same run: SHA-256 of the genome's
 * JSON text (no canonicalisation).
 *
 *   npx tsx bench/genome-hash.ts [--n 2000]
 */
import { createHash } from 'node:crypto';
import { Rng } from '../src/core/rng.ts';
import { sampleNasnet } from '../src/genome/nasnet.ts';
import { hashNasnet } from '../src/genome/nasnet-canonical.ts';
import { hashNb201, sampleNb201 } from '../src/genome/nb201.ts';
import { NASNET_OPS } from '../src/genome/types.ts';
import type { CellGenome, NasnetBlock, NasnetGenome } from '../src/genome/types.ts';
import { numberArg } from './args.ts';


/** Mean microseconds per call of `fn` over `items` (after one warm-up pass). */
function timePerItem<T>(items: readonly T[], fn: (x: T) => string): number {
  let sink = 0;
  for (const x of items) sink += fn(x).length;
  const t0 = performance.now();
  for (const x of items) sink += fn(x).length;
  const us = ((performance.now() - t0) * 1000) / items.length;
  if (sink < 0) console.log(sink);
  return us;
}

const plain = (g: CellGenome): string => createHash('sha256').update(JSON.stringify(g)).digest('hex').slice(0, 16);

function hardCase(): NasnetGenome {
  const same = Array.from({ length: 16 }, (): NasnetBlock => ({ inputs: [0, 0], ops: ['identity', 'identity'] }));
  const twins = [
    ...Array.from({ length: 8 }, (): NasnetBlock => ({ inputs: [0, 1], ops: ['identity', 'identity'] })),
    ...Array.from({ length: 8 }, (_, k): NasnetBlock => ({ inputs: [2 + k, 2 + k], ops: [NASNET_OPS[k], NASNET_OPS[k]] })),
  ];
  return { kind: 'nasnet', normal: { blocks: same }, reduction: { blocks: twins } };
}

const n = numberArg('n', 2000);
const rng = Rng.seeded('bench-hash');
const cases: Array<[string, CellGenome[], (g: CellGenome) => string]> = [
  ['nasnet B=5 random', Array.from({ length: n }, () => sampleNasnet(rng, { blocks: 5, ops: NASNET_OPS })), (g) => hashNasnet(g as NasnetGenome)],
  ['nasnet B=10 random', Array.from({ length: n }, () => sampleNasnet(rng, { blocks: 10, ops: NASNET_OPS })), (g) => hashNasnet(g as NasnetGenome)],
  ['nasnet B=16 identical blocks', Array.from({ length: 20 }, hardCase), (g) => hashNasnet(g as NasnetGenome)],
  ['nb201 random', Array.from({ length: n }, () => sampleNb201(rng)), (g) => hashNb201(g as Extract<CellGenome, { kind: 'nb201' }>)],
];

console.log('case                            canonical us/hash   plain sha256 us/hash   ratio');
for (const [name, items, fn] of cases) {
  const canonical = timePerItem(items, fn);
  const reference = timePerItem(items, plain);
  console.log(`${name.padEnd(32)}${canonical.toFixed(1).padStart(17)}${reference.toFixed(1).padStart(23)}${(canonical / reference).toFixed(1).padStart(8)}x`);
}
