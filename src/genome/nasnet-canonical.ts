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

function pad(n: number): string {
  return String(n).padStart(3, '0');
}

/** Fixed-width key of a block under a labelling: lexicographic order equals numeric order. */
function blockKey(block: NasnetBlock, labels: readonly number[]): string {
  const a = `${pad(labels[block.inputs[0]])}:${pad(OP_INDEX.get(block.ops[0]) ?? 999)}`;
  const b = `${pad(labels[block.inputs[1]])}:${pad(OP_INDEX.get(block.ops[1]) ?? 999)}`;
  return a <= b ? `${a},${b}` : `${b},${a}`;
}

interface Search {
  blocks: readonly NasnetBlock[];
  /** labels[h] = new hidden-state index of old hidden state h, or -1 while unplaced. */
  labels: number[];
  /** Old block indices in the order placed so far, and their keys. */
  order: number[];
  keys: string[];
  best: { keys: string[]; order: number[] } | null;
}

/** Depth-first search over data-flow orders, branching only on blocks tied for the smallest key. */
function explore(s: Search, pos: number, better: boolean): void {
  const n = s.blocks.length;
  if (pos === n) {
    if (better || s.best === null) s.best = { keys: s.keys.slice(), order: s.order.slice() };
    return;
  }
  let minKey: string | null = null;
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
  for (const i of tied) {
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
  const s: Search = { blocks: cell.blocks, labels, order: [], keys: [], best: null };
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
