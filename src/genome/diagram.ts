/**
 * Architecture diagrams as SVG, drawn from genomes alone (no tfjs):
 *
 * - NASNet cells in the style of the NASNet and AmoebaNet papers' cell figures: the hidden states
 *   h_{i-2} and h_{i-1} as input boxes on top, each block's two ops as labelled boxes feeding the
 *   block's add node, the block outputs no later block uses joined in a concat node, and the cell's
 *   output h_{i} at the bottom.
 * - NAS-Bench-201 cells: the four nodes in a row and the six edges labelled with their ops; edges that
 *   carry no signal (`none`, or dead: cut off from the input or the output) are dimmed.
 * - Large-scale-evolution networks: the backbone's layers top to bottom, add nodes where skips join
 *   and the skips as arcs on the side, then pooling, the classifier and softmax.
 */
import { canonicalNb201 } from './nb201.ts';
import { NB201_EDGES } from './types.ts';
import type { CellGenome, NasnetCell, Nb201Genome } from './types.ts';
import { SvgDocument } from './diagram-svg.ts';
import type { Point } from './diagram-svg.ts';
import type { LargeScaleGenome } from './large-scale.ts';

const BOX_W = 124;
const BOX_H = 28;
const ROW = 64;
const SLOT = 2 * BOX_W + 24;
const TOP = 50;

/** Depth of every hidden state of a NASNet cell: inputs 0, a block one more than its deepest input. */
function depths(cell: NasnetCell): number[] {
  const d = [0, 0];
  cell.blocks.forEach((b) => d.push(Math.max(d[b.inputs[0]], d[b.inputs[1]]) + 1));
  return d;
}

/** A NASNet cell (normal or reduction) as an SVG document. */
export function nasnetCellSvg(cell: NasnetCell, title: string): string {
  const svg = new SvgDocument();
  const d = depths(cell);
  const maxDepth = Math.max(1, ...d);
  const levels: number[][] = Array.from({ length: maxDepth + 1 }, () => []);
  cell.blocks.forEach((_, b) => levels[d[2 + b]].push(b));
  const widest = Math.max(1, ...levels.map((l) => l.length));
  const width = widest * SLOT;
  const center = 20 + width / 2;
  svg.text({ x: center, y: 18 }, title);
  const rowY = (row: number): number => TOP + row * ROW;
  // Where each hidden state's arrows leave from (bottom of its box or add node).
  const out = new Map<number, Point>();
  const inputX = [center - SLOT / 4 - BOX_W / 4, center + SLOT / 4 + BOX_W / 4];
  [0, 1].forEach((h) => {
    svg.box({ x: inputX[h], y: rowY(0) }, BOX_W, BOX_H, 'h', 'input', h === 0 ? 'i-2' : 'i-1');
    out.set(h, { x: inputX[h], y: rowY(0) + BOX_H / 2 });
  });
  const used = new Set(cell.blocks.flatMap((b) => b.inputs.filter((i) => i >= 2)));
  for (let level = 1; level <= maxDepth; level++) {
    const blocks = levels[level];
    blocks.forEach((b, j) => {
      const slotX = 20 + (width - blocks.length * SLOT) / 2 + (j + 0.5) * SLOT;
      const block = cell.blocks[b];
      const addAt = { x: slotX, y: rowY(2 * level) };
      [0, 1].forEach((side) => {
        const opAt = { x: slotX + (side === 0 ? -1 : 1) * (BOX_W / 2 + 8), y: rowY(2 * level - 1) };
        svg.box(opAt, BOX_W, BOX_H, block.ops[side], 'op');
        svg.arrow(out.get(block.inputs[side]) as Point, { x: opAt.x, y: opAt.y - BOX_H / 2 });
        svg.arrow({ x: opAt.x, y: opAt.y + BOX_H / 2 }, { x: addAt.x + (side === 0 ? -8 : 8), y: addAt.y - 12 });
      });
      svg.circle(addAt, 14, '+', 'node');
      out.set(2 + b, { x: addAt.x, y: addAt.y + 14 });
    });
  }
  const concatAt = { x: center, y: rowY(2 * maxDepth + 1) };
  const loose = cell.blocks.map((_, b) => 2 + b).filter((h) => !used.has(h));
  for (const h of loose) svg.arrow(out.get(h) as Point, { x: concatAt.x, y: concatAt.y - 18 });
  svg.circle(concatAt, 18, 'concat', 'node');
  const outputAt = { x: center, y: rowY(2 * maxDepth + 2) };
  svg.arrow({ x: concatAt.x, y: concatAt.y + 18 }, { x: outputAt.x, y: outputAt.y - BOX_H / 2 });
  svg.box(outputAt, BOX_W, BOX_H, 'h', 'output', 'i');
  return svg.toString();
}

/** A NAS-Bench-201 cell as an SVG document; `none` and dead edges are dimmed. */
export function nb201CellSvg(genome: Nb201Genome, title = 'NAS-Bench-201 cell'): string {
  const svg = new SvgDocument();
  const live = canonicalNb201(genome).edges.map((op) => op !== 'none');
  const gap = 190;
  const y = 170;
  const node = (i: number): Point => ({ x: 40 + i * gap, y });
  svg.text({ x: 40 + 1.5 * gap, y: 18 }, title);
  NB201_EDGES.forEach(([from, to], k) => {
    const a = node(from);
    const b = node(to);
    const span = to - from;
    // Neighbours: straight; longer edges arc above (0->2, 1->3) or below (0->3).
    const lift = span === 1 ? 0 : span === 2 ? -70 : 140;
    const start = { x: a.x + 20, y: a.y + (lift === 0 ? 0 : Math.sign(lift) * 12) };
    const end = { x: b.x - 20, y: b.y + (lift === 0 ? 0 : Math.sign(lift) * 12) };
    svg.arrow(start, end, {
      dim: !live[k], label: genome.edges[k],
      c1: { x: start.x + (end.x - start.x) / 4, y: start.y + lift }, c2: { x: end.x - (end.x - start.x) / 4, y: end.y + lift },
    });
  });
  for (let i = 0; i < 4; i++) svg.circle(node(i), 20, String(i), i === 0 ? 'input' : i === 3 ? 'output' : 'node');
  return svg.toString();
}

/** The label of a large-scale layer box. */
function lseLabel(layer: LargeScaleGenome['layers'][number]): string {
  if (layer.kind === 'conv') return `conv_${layer.id} ${layer.kernel[0]}x${layer.kernel[1]}/${layer.stride}, ${layer.filters}`;
  return layer.kind === 'bn-relu' ? `bn_${layer.id} + relu` : `identity_${layer.id}`;
}

/** A large-scale-evolution network as an SVG document. */
export function largeScaleSvg(genome: LargeScaleGenome, title = 'large-scale evolution network'): string {
  const svg = new SvgDocument();
  const x = 180;
  const w = 190;
  svg.text({ x, y: 18 }, `${title} (lr ${Number(genome.learningRate.toPrecision(3))})`);
  let row = 0;
  const at = (): Point => ({ x, y: TOP + row * (ROW - 12) });
  const points = new Map<number, Point & { half: number }>();
  let prev = at();
  svg.box(prev, w, BOX_H, 'input', 'input');
  points.set(0, { ...prev, half: w / 2 });
  const chain = (label: string, style: 'op' | 'node' | 'output'): Point => {
    row++;
    const p = at();
    svg.arrow({ x, y: prev.y + BOX_H / 2 }, { x, y: p.y - BOX_H / 2 });
    svg.box(p, w, BOX_H, label, style);
    prev = p;
    return p;
  };
  let lane = 0;
  for (const layer of genome.layers) {
    const p = chain(lseLabel(layer), 'op');
    const incoming = genome.skips.filter((s) => s.to === layer.id);
    if (incoming.length > 0) {
      row++;
      const add = at();
      svg.arrow({ x, y: p.y + BOX_H / 2 }, { x, y: add.y - 14 });
      for (const skip of incoming) {
        const src = points.get(skip.from) as Point & { half: number };
        const side = x + w / 2 + 64 + 28 * (lane++ % 6);
        svg.arrow({ x: x + src.half, y: src.y }, { x: x + 14, y: add.y }, { c1: { x: side, y: src.y }, c2: { x: side, y: add.y }, label: `skip_${skip.id}` });
      }
      svg.circle(add, 14, '+', 'node');
      prev = { x, y: add.y + 14 - BOX_H / 2 };
      points.set(layer.id, { ...add, half: 14 });
    } else {
      points.set(layer.id, { ...p, half: w / 2 });
    }
  }
  chain('global avg pool', 'node');
  chain('dense (logits)', 'op');
  chain('softmax', 'output');
  return svg.toString();
}

/** The diagrams of a genome, by file name: NASNet normal.svg + reduction.svg; NAS-Bench-201 cell.svg; large-scale network.svg. */
export function genomeDiagrams(genome: CellGenome | LargeScaleGenome): Record<string, string> {
  switch (genome.kind) {
    case 'nasnet':
      return { 'normal.svg': nasnetCellSvg(genome.normal, 'normal cell'), 'reduction.svg': nasnetCellSvg(genome.reduction, 'reduction cell') };
    case 'nb201':
      return { 'cell.svg': nb201CellSvg(genome) };
    case 'large-scale':
      return { 'network.svg': largeScaleSvg(genome) };
  }
}
