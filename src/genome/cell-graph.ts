/**
 * Cells as labelled graphs, the one encoding that predictors share across genome kinds: every genome
 * becomes directed acyclic graphs whose nodes carry operations (op-on-node form) and whose edges carry
 * data, from input nodes to one output node. A path from an input to the output reads as the sequence
 * of operations a signal passes through; the multiset of such paths is the path encoding of BANANAS
 * (White et al. 2021), which src/search/predictor/features.ts turns into feature vectors.
 *
 * - NAS-Bench-201: node 0 is the input, node 3 the output; each edge i->j with an op other than `none`
 *   becomes a node labelled with its op between i and j (`skip_connect` included). Dead edges, which
 *   the canonical hash ignores, lie on no input-output path and so add no path.
 * - NASNet: each cell separately (labels prefixed `normal:` / `reduction:`); hidden states 0 and 1 are
 *   inputs (`in0`, `in1`), each (input, op) pair of a block is an op node, each block output a sum node
 *   without a label, the unused block outputs feed the output.
 * - Large-scale: the backbone as a chain of layer nodes (`conv<kh>x<kw>/<stride>:<channels as a power
 *   of two>`, `bn-relu`, identity layers unlabelled) with each skip as an edge that bypasses the layers
 *   it spans; the learning rate is not part of the graph.
 *
 * Pure data: no tfjs, no search.
 */
import type { LargeScaleGenome } from './large-scale.ts';
import { NB201_EDGES } from './types.ts';
import type { NasnetCell, NasnetGenome, Nb201Genome } from './types.ts';

/** A labelled DAG in op-on-node form; node ids are 0..labels.length-1 in a topological order. */
export interface CellGraph {
  /** The operation of each node; '' for structural nodes (sums, identities) that paths do not name. */
  labels: string[];
  /** Edges [from, to] with from < to. */
  edges: Array<[number, number]>;
  /** Input nodes; a path starts at one and names it by its label. */
  inputs: number[];
  /** The output node (its label is not part of any path). */
  output: number;
}

/** The NAS-Bench-201 cell as a graph (see the file comment). */
export function nb201Graph(genome: Nb201Genome): CellGraph {
  // Nodes 0..3 are the benchmark's nodes (structural, unlabelled but for the input); ops follow.
  const labels = ['in', '', '', ''];
  const edges: Array<[number, number]> = [];
  NB201_EDGES.forEach(([from, to], k) => {
    const op = genome.edges[k];
    if (op === 'none') return;
    const node = labels.length;
    labels.push(op);
    edges.push([from, node], [node, to]);
  });
  return reorder({ labels, edges, inputs: [0], output: 3 });
}

/** One NASNet cell as a graph; `prefix` names the cell in every label. */
export function nasnetCellGraph(cell: NasnetCell, prefix: string): CellGraph {
  const B = cell.blocks.length;
  // Nodes: 0, 1 cell inputs; 2 + b the sum of block b; then op nodes; then the output.
  const labels = [`${prefix}:in0`, `${prefix}:in1`, ...Array.from({ length: B }, () => '')];
  const edges: Array<[number, number]> = [];
  const used = new Set<number>();
  cell.blocks.forEach((block, b) => {
    for (const slot of [0, 1] as const) {
      const node = labels.length;
      labels.push(`${prefix}:${block.ops[slot]}`);
      edges.push([block.inputs[slot], node], [node, 2 + b]);
      used.add(block.inputs[slot]);
    }
  });
  const output = labels.length;
  labels.push('');
  for (let b = 0; b < B; b++) if (!used.has(2 + b)) edges.push([2 + b, output]);
  return reorder({ labels, edges, inputs: [0, 1], output });
}

/** Both cells of a NASNet genome. */
export function nasnetGraphs(genome: NasnetGenome): CellGraph[] {
  return [nasnetCellGraph(genome.normal, 'normal'), nasnetCellGraph(genome.reduction, 'reduction')];
}

/** Label of a large-scale layer: kind, kernel, stride and channels rounded to a power of two. */
function layerLabel(layer: LargeScaleGenome['layers'][number]): string {
  if (layer.kind !== 'conv') return layer.kind === 'bn-relu' ? 'bn-relu' : '';
  const channels = 2 ** Math.round(Math.log2(layer.filters));
  return `conv${layer.kernel[0]}x${layer.kernel[1]}/${layer.stride}:${channels}`;
}

/** The backbone of a large-scale genome as a graph (see the file comment). */
export function largeScaleGraph(genome: LargeScaleGenome): CellGraph {
  // Node 0 is the input, node k + 1 layer k, node L + 1 the classifier (output). A skip from point p to
  // layer t adds point p to t's output, so a signal may go from p straight to whatever follows t.
  const L = genome.layers.length;
  const labels = ['in', ...genome.layers.map(layerLabel), ''];
  const edges: Array<[number, number]> = [];
  for (let k = 0; k <= L; k++) edges.push([k, k + 1]);
  const point = new Map<number, number>([[0, 0]]);
  genome.layers.forEach((l, k) => point.set(l.id, k + 1));
  for (const s of genome.skips) {
    const from = point.get(s.from);
    const to = point.get(s.to);
    if (from !== undefined && to !== undefined && from < to) edges.push([from, to + 1]);
  }
  return { labels, edges, inputs: [0], output: L + 1 };
}

/** Renumbers nodes into a topological order (Kahn's algorithm, smallest id first). */
function reorder(graph: CellGraph): CellGraph {
  const n = graph.labels.length;
  const indegree = new Array<number>(n).fill(0);
  const out: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of graph.edges) {
    out[a].push(b);
    indegree[b]++;
  }
  const order: number[] = [];
  const ready = [...Array(n).keys()].filter((v) => indegree[v] === 0);
  while (ready.length > 0) {
    ready.sort((a, b) => a - b);
    const v = ready.shift() as number;
    order.push(v);
    for (const w of out[v]) if (--indegree[w] === 0) ready.push(w);
  }
  if (order.length !== n) throw new Error('cell graph has a cycle');
  const id = new Array<number>(n);
  order.forEach((v, i) => (id[v] = i));
  return {
    labels: order.map((v) => graph.labels[v]),
    edges: graph.edges.map(([a, b]) => [id[a], id[b]] as [number, number]).sort((x, y) => x[0] - y[0] || x[1] - y[1]),
    inputs: graph.inputs.map((v) => id[v]),
    output: id[graph.output],
  };
}

/** Limits of `graphPaths`. */
export interface PathLimits {
  /** Most paths counted per graph; beyond it the rest are dropped (shortest paths are kept). Default 4096. */
  maxPaths?: number;
  /** Longest path counted, in labelled nodes after the input. Default 12. */
  maxLength?: number;
}

/**
 * Every path from an input to the output as the text of its labels (the input's label, then each
 * labelled node on the way, joined by `>`), with how many times it occurs. Unlabelled nodes are
 * passed through silently. Paths longer than `maxLength` labels are dropped; when more than `maxPaths`
 * paths remain, the longest are dropped first (ties in text order), so the result is deterministic.
 */
export function graphPaths(graph: CellGraph, limits: PathLimits = {}): Map<string, number> {
  const maxPaths = limits.maxPaths ?? 4096;
  const maxLength = limits.maxLength ?? 12;
  const n = graph.labels.length;
  const into: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of graph.edges) into[b].push(a);
  // Paths reaching each node, grouped by text, with their length in labels; built in topological order.
  const at: Array<Map<string, { count: number; length: number }>> = Array.from({ length: n }, () => new Map());
  for (const v of graph.inputs) at[v].set(graph.labels[v], { count: 1, length: 0 });
  for (let v = 0; v < n; v++) {
    if (graph.inputs.includes(v)) continue;
    const label = v === graph.output ? '' : graph.labels[v];
    const here = at[v];
    for (const u of into[v]) {
      for (const [text, p] of at[u]) {
        const length = p.length + (label ? 1 : 0);
        if (length > maxLength) continue;
        const key = label ? `${text}>${label}` : text;
        const prev = here.get(key);
        if (prev) prev.count += p.count;
        else here.set(key, { count: p.count, length });
      }
    }
    if (here.size > maxPaths) at[v] = trim(here, maxPaths);
  }
  const result = new Map<string, number>();
  const kept = trim(at[graph.output], maxPaths);
  for (const [text, p] of kept) result.set(text, p.count);
  return result;
}

function trim(paths: Map<string, { count: number; length: number }>, limit: number): Map<string, { count: number; length: number }> {
  if (paths.size <= limit) return paths;
  const sorted = [...paths].sort((a, b) => a[1].length - b[1].length || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return new Map(sorted.slice(0, limit));
}

/**
 * Weisfeiler-Lehman subtree labels of a graph (Shervashidze et al. 2011; the graph kernel of NASBOWL,
 * Ru et al. 2021), one multiset per depth 0..`depth`: at depth 0 each node's own label (structural
 * nodes read `+`, the output `out`), at depth d + 1 its depth-d label followed by the sorted depth-d
 * labels of its predecessors, so a label names the subtree of operations that feeds the node. Each
 * multiset maps a label to how many nodes carry it.
 */
export function wlLabels(graph: CellGraph, depth: number): Array<Map<string, number>> {
  const n = graph.labels.length;
  const into: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of graph.edges) into[b].push(a);
  let current = graph.labels.map((label, v) => (v === graph.output ? 'out' : label === '' ? '+' : label));
  const result: Array<Map<string, number>> = [];
  for (let d = 0; d <= depth; d++) {
    if (d > 0) {
      const previous = current;
      current = previous.map((label, v) => `${label}(${into[v].map((u) => previous[u]).sort().join(',')})`);
    }
    const counts = new Map<string, number>();
    for (const label of current) counts.set(label, (counts.get(label) ?? 0) + 1);
    result.push(counts);
  }
  return result;
}

/**
 * The labels of `wlLabels` as integer ids, per depth and node: `intern` maps a key to an id, the same
 * id for the same key. Depth 0 interns `<prefix>0:<label>`, depth d the node's id at depth d - 1 with
 * the sorted ids of its predecessors, so equal ids mean equal `wlLabels` labels (at the same depth and
 * prefix) while keys stay short however deep the subtree.
 */
export function wlLabelIds(graph: CellGraph, depth: number, prefix: string, intern: (key: string) => number): Int32Array[] {
  const n = graph.labels.length;
  const into: number[][] = Array.from({ length: n }, () => []);
  for (const [a, b] of graph.edges) into[b].push(a);
  const first = Int32Array.from(graph.labels, (label, v) => intern(`${prefix}0:${v === graph.output ? 'out' : label === '' ? '+' : label}`));
  const result = [first];
  for (let d = 1; d <= depth; d++) {
    const previous = result[d - 1];
    result.push(Int32Array.from(previous, (own, v) => intern(`${d}:${own}(${into[v].map((u) => previous[u]).sort((a, b) => a - b).join(',')})`)));
  }
  return result;
}
