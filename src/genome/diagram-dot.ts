/**
 * Architecture diagrams as Graphviz DOT text, written from genomes alone; the layout (where boxes go,
 * how edges are routed around them) is left to Graphviz's `dot` engine (see diagram.ts), as DARTS and
 * NASNet drew their cells.
 *
 * - NASNet cells, drawn like the cell figures of the NASNet and AmoebaNet papers: the hidden states
 *   h_{i-2} and h_{i-1} on top, each block's two ops as boxes feeding the block's add node, the block
 *   outputs no later block uses joined in a concat node, and the cell's output h_{i} at the bottom.
 * - NAS-Bench-201 cells: the four nodes from left to right and the six edges labelled with their ops;
 *   edges that carry no signal (`none`, or dead: cut off from the input or the output) are dashed and grey.
 * - Large-scale-evolution networks: the backbone's layers top to bottom, an add node where skips join,
 *   then pooling, the classifier and softmax.
 */
import { canonicalNb201 } from './nb201.ts';
import { NB201_EDGES } from './types.ts';
import type { NasnetCell, Nb201Genome } from './types.ts';
import type { LargeScaleGenome, LseLayer } from './large-scale.ts';

/** Fill and outline of each kind of shape. */
const STYLES = {
  input: 'fillcolor="#cfe2f3", color="#3d6b99"',
  op: 'fillcolor="#fff2cc", color="#a68a2d"',
  node: 'fillcolor="#e2efda", color="#4f7b3a"',
  output: 'fillcolor="#f4cccc", color="#aa3333"',
  dim: 'fillcolor="#f3f3f3", color="#bbbbbb", fontcolor="#999999"',
} as const;

/** Escapes text for an HTML-like Graphviz label (`<...>`). */
export function escapeLabel(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A quoted DOT string. */
function quoted(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** The opening lines every diagram shares: fonts, colours, the title on top. */
function header(title: string, rankdir: 'TB' | 'LR'): string[] {
  return [
    'digraph G {',
    `  graph [rankdir=${rankdir}, label=<<b>${escapeLabel(title)}</b>>, labelloc=t, fontname="Helvetica", fontsize=14, bgcolor="white", pad=0.2, nodesep=0.3, ranksep=0.4, splines=true];`,
    '  node [fontname="Helvetica", fontsize=11, style="filled", penwidth=1.2, height=0.36];',
    '  edge [color="#555555", arrowsize=0.7, penwidth=1.1, fontname="Helvetica", fontsize=10];',
  ];
}

/** A hidden state's box: h with a subscript. */
function hiddenState(name: string, sub: string, style: 'input' | 'output'): string {
  return `  ${name} [shape=box, style="rounded,filled", ${STYLES[style]}, label=<h<sub>${escapeLabel(sub)}</sub>>];`;
}

/** A NASNet cell (normal or reduction) as DOT. Node names: h0, h1 (inputs), op{b}_{side}, add{b}, concat, out. */
export function nasnetCellDot(cell: NasnetCell, title: string): string {
  const lines = header(title, 'TB');
  lines.push(hiddenState('h0', 'i-2', 'input'), hiddenState('h1', 'i-1', 'input'), '  { rank=source; h0; h1; }', '  h0 -> h1 [style=invis];');
  const source = (h: number): string => (h < 2 ? `h${h}` : `add${h - 2}`);
  const used = new Set(cell.blocks.flatMap((b) => b.inputs.filter((i) => i >= 2)));
  cell.blocks.forEach((block, b) => {
    [0, 1].forEach((side) => {
      lines.push(`  op${b}_${side} [shape=box, ${STYLES.op}, label=${quoted(block.ops[side])}];`);
      lines.push(`  ${source(block.inputs[side])} -> op${b}_${side};`, `  op${b}_${side} -> add${b};`);
    });
    lines.push(`  add${b} [shape=circle, ${STYLES.node}, label="+", width=0.32, fixedsize=true, fontsize=13];`);
  });
  lines.push(`  concat [shape=ellipse, ${STYLES.node}, label="concat"];`);
  cell.blocks.forEach((_, b) => {
    if (!used.has(b + 2)) lines.push(`  add${b} -> concat;`);
  });
  lines.push(hiddenState('out', 'i', 'output'), '  concat -> out;', '  { rank=sink; out; }', '}');
  return `${lines.join('\n')}\n`;
}

/** A NAS-Bench-201 cell as DOT; `none` and dead edges are dashed and grey. Node names: n0..n3. */
export function nb201CellDot(genome: Nb201Genome, title = 'NAS-Bench-201 cell'): string {
  const lines = header(title, 'LR');
  const live = canonicalNb201(genome).edges.map((op) => op !== 'none');
  for (let i = 0; i < 4; i++) {
    const style = i === 0 ? 'input' : i === 3 ? 'output' : 'node';
    lines.push(`  n${i} [shape=circle, ${STYLES[style]}, label="${i}", width=0.45, fixedsize=true, fontsize=13];`);
  }
  NB201_EDGES.forEach(([from, to], k) => {
    const dim = live[k] ? '' : ', style=dashed, color="#bbbbbb", fontcolor="#999999"';
    lines.push(`  n${from} -> n${to} [label=${quoted(genome.edges[k])}${dim}];`);
  });
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** The label of a large-scale layer box. */
function lseLabel(layer: LseLayer): string {
  if (layer.kind === 'conv') return `conv_${layer.id} ${layer.kernel[0]}x${layer.kernel[1]}/${layer.stride}, ${layer.filters}`;
  return layer.kind === 'bn-relu' ? `bn_${layer.id} + relu` : `identity_${layer.id}`;
}

/**
 * A large-scale-evolution network as DOT. Node names: input, l{id} (layers), add{id} (where the skips
 * into layer id join), pool, dense, softmax.
 */
export function largeScaleDot(genome: LargeScaleGenome, title = 'large-scale evolution network'): string {
  const lines = header(`${title} (lr ${Number(genome.learningRate.toPrecision(3))})`, 'TB');
  lines.push(`  input [shape=box, style="rounded,filled", ${STYLES.input}, label="input"];`);
  // Where each point's output leaves from: the layer's box, or the add node after it.
  const point = new Map<number, string>([[0, 'input']]);
  let prev = 'input';
  for (const layer of genome.layers) {
    const name = `l${layer.id}`;
    lines.push(`  ${name} [shape=box, ${STYLES.op}, label=${quoted(lseLabel(layer))}];`, `  ${prev} -> ${name} [weight=10];`);
    prev = name;
    const incoming = genome.skips.filter((s) => s.to === layer.id);
    if (incoming.length > 0) {
      const add = `add${layer.id}`;
      lines.push(`  ${add} [shape=circle, ${STYLES.node}, label="+", width=0.32, fixedsize=true, fontsize=13];`, `  ${name} -> ${add} [weight=10];`);
      for (const skip of incoming) lines.push(`  ${point.get(skip.from)} -> ${add} [label=${quoted(`skip_${skip.id}`)}, style=dashed];`);
      prev = add;
    }
    point.set(layer.id, prev);
  }
  lines.push(
    `  pool [shape=box, ${STYLES.node}, label="global avg pool"];`, `  dense [shape=box, ${STYLES.op}, label="dense (logits)"];`,
    `  softmax [shape=box, style="rounded,filled", ${STYLES.output}, label="softmax"];`,
    `  ${prev} -> pool [weight=10];`, '  pool -> dense [weight=10];', '  dense -> softmax [weight=10];', '}',
  );
  return `${lines.join('\n')}\n`;
}
