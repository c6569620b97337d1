/**
 * Canonical form and hash of NASNet genomes. Two genomes that build the same network get the same
 * canonical form:
 * - the two (input, op) pairs of a block are summed, so their order does not matter: they are sorted;
 * - blocks may be listed in any order consistent with their data flow (a block after the blocks it
 *   reads): the canonical form is the lexicographically smallest relabelling over every such order.
 *   Relabelling preserves every block's inputs and ops, so the network is the same up to the order of
 *   the channels concatenated at the cell output (which the next layer's weights absorb).
 * The cell inputs 0 (two cells back) and 1 (one cell back) are distinct and never swapped.
 */
import { digest } from './hash.ts';
import { NASNET_OPS } from './types.ts';
import type { NasnetBlock, NasnetCell, NasnetGenome } from './types.ts';

const OP_INDEX = new Map<string, number>(NASNET_OPS.map((op, i) => [op, i]));

/** Code of one (input label, op) pair; codes order pairs by label, then op. */
function pairCode(label: number, op: NasnetBlock['ops'][number]): number {
  return label * 64 + (OP_INDEX.get(op) ?? 63);
}

/** Key of a block under a labelling: its two pair codes, smaller first, as one number. */
function blockKey(block: NasnetBlock, labels: readonly number[]): number {
  const a = pairCode(labels[block.inputs[0]], block.ops[0]);
  const b = pairCode(labels[block.inputs[1]], block.ops[1]);
  return a <= b ? a * 65536 + b : b * 65536 + a;
}

interface Search {
  blocks: readonly NasnetBlock[];
  /** labels[h] = new hidden-state index of old hidden state h, or -1 while unplaced. */
  labels: number[];
  /** Old block indices in the order placed so far, and their keys. */
  order: number[];
  keys: number[];
  best: { keys: number[]; order: number[] } | null;
  /** Calls of `explore` so far. */
  calls: number;
}

/**
 * Search steps after which ties are no longer branched on (the first tied block is taken). Every
 * cell of up to 7 blocks finishes well within it (7! orders at most), so for those the form is exact;
 * larger cells with many identical blocks may then miss a duplicate, but the result is always a
 * relabelling of the cell itself, so two different networks never share a hash.
 */
export const CANONICAL_SEARCH_BUDGET = 20_000;

/**
 * Whether exchanging blocks i and j (which read the same inputs through the same ops) maps the cell
 * onto itself: every other block reads them symmetrically. Then placing i or j next leads to the same
 * canonical form, and only one of them needs exploring.
 */
function interchangeable(blocks: readonly NasnetBlock[], i: number, j: number): boolean {
  const swap = (h: number): number => (h === 2 + i ? 2 + j : h === 2 + j ? 2 + i : h);
  return blocks.every((b, k) => {
    if (k === i || k === j) return true;
    const [a0, a1] = b.inputs;
    if (a0 !== 2 + i && a0 !== 2 + j && a1 !== 2 + i && a1 !== 2 + j) return true;
    const [s0, s1] = [swap(a0), swap(a1)];
    return (s0 === a0 && s1 === a1) || (s0 === a1 && s1 === a0 && b.ops[0] === b.ops[1]);
  });
}

/** Tied blocks, keeping one of each set of interchangeable blocks. */
function representatives(blocks: readonly NasnetBlock[], tied: readonly number[]): number[] {
  const kept: number[] = [];
  for (const i of tied) if (!kept.some((j) => interchangeable(blocks, i, j))) kept.push(i);
  return kept;
}

/** Depth-first search over data-flow orders, branching only on blocks tied for the smallest key. */
function explore(s: Search, pos: number, better: boolean): void {
  const n = s.blocks.length;
  s.calls++;
  if (pos === n) {
    if (better || s.best === null) s.best = { keys: s.keys.slice(), order: s.order.slice() };
    return;
  }
  let minKey: number | null = null;
  let tied: number[] = [];
  for (let i = 0; i < n; i++) {
    if (s.labels[2 + i] !== -1) continue;
    const b = s.blocks[i];
    if (s.labels[b.inputs[0]] === -1 || s.labels[b.inputs[1]] === -1) continue;
    const key = blockKey(b, s.labels);
    if (minKey === null || key < minKey) {
      minKey = key;
      tied = [i];
    } else if (key === minKey) tied.push(i);
  }
  if (minKey === null) throw new Error('NASNet cell has a block that reads a later block (validate it first)');
  let nowBetter = better;
  if (!better && s.best !== null) {
    if (minKey > s.best.keys[pos]) return;
    nowBetter = minKey < s.best.keys[pos];
  }
  const candidates = s.calls > CANONICAL_SEARCH_BUDGET ? [tied[0]] : representatives(s.blocks, tied);
  for (const i of candidates) {
    s.labels[2 + i] = 2 + pos;
    s.order.push(i);
    s.keys.push(minKey);
    explore(s, pos + 1, nowBetter);
    s.keys.pop();
    s.order.pop();
    s.labels[2 + i] = -1;
    // Once one branch improved on the best, later ties compare against that new best.
    nowBetter = false;
    if (s.best !== null && minKey > s.best.keys[pos]) return;
  }
}

/** The canonical form of one cell (a valid cell: every block reads only earlier hidden states). */
export function canonicalNasnetCell(cell: NasnetCell): NasnetCell {
  const n = cell.blocks.length;
  const labels = [0, 1, ...Array.from({ length: n }, () => -1)];
  const s: Search = { blocks: cell.blocks, labels, order: [], keys: [], best: null, calls: 0 };
  explore(s, 0, false);
  const order = s.best?.order ?? [];
  const newLabel = [0, 1, ...Array.from({ length: n }, () => -1)];
  order.forEach((old, pos) => (newLabel[2 + old] = 2 + pos));
  return {
    blocks: order.map((old) => {
      const b = cell.blocks[old];
      const pairs: Array<[number, NasnetBlock['ops'][number]]> = [
        [newLabel[b.inputs[0]], b.ops[0]],
        [newLabel[b.inputs[1]], b.ops[1]],
      ];
      const swap = pairs[0][0] > pairs[1][0] || (pairs[0][0] === pairs[1][0] && (OP_INDEX.get(pairs[0][1]) ?? 0) > (OP_INDEX.get(pairs[1][1]) ?? 0));
      const [p, q] = swap ? [pairs[1], pairs[0]] : pairs;
      return { inputs: [p[0], q[0]], ops: [p[1], q[1]] };
    }),
  };
}

/** The canonical form of a genome: both cells canonicalised. */
export function canonicalNasnet(genome: NasnetGenome): NasnetGenome {
  return { kind: 'nasnet', normal: canonicalNasnetCell(genome.normal), reduction: canonicalNasnetCell(genome.reduction) };
}

/** Canonical hash (16 hex digits): equal for any two genomes that build the same network. */
export function hashNasnet(genome: NasnetGenome): string {
  const c = canonicalNasnet(genome);
  const cell = (x: NasnetCell): string => x.blocks.map((b) => `${b.inputs[0]}:${b.ops[0]},${b.inputs[1]}:${b.ops[1]}`).join(';');
  return digest(`nasnet|${cell(c.normal)}|${cell(c.reduction)}`);
}
