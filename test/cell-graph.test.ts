/**
 * Cells as graphs (src/genome/cell-graph.ts) and the spaces' graph views and neighbourhoods: the
 * path encoding names every input-output path of a cell, agrees with the canonical hash (equal
 * networks, equal paths), and the neighbourhoods list exactly the values one mutation away.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.ts';
import { graphPaths, largeScaleGraph, nasnetGraphs, nb201Graph } from '../src/genome/cell-graph.ts';
import { canonicalNasnet } from '../src/genome/nasnet-canonical.ts';
import { canonicalNb201, nb201FromArch, sampleNb201 } from '../src/genome/nb201.ts';
import type { NasnetGenome } from '../src/genome/types.ts';
import { LargeScaleSpace } from '../src/spaces/large-scale.ts';
import { loadSpace } from '../src/spaces/load.ts';
import { NasnetCellSpace } from '../src/spaces/nasnet-cell.ts';
import { Nb201Space } from '../src/spaces/nas-bench-201.ts';
import type { JointValue } from '../src/spaces/joint.ts';
import type { SearchSpace } from '../src/spaces/space.ts';

const pathsOf = (m: Map<string, number>): Record<string, number> => Object.fromEntries([...m].sort());

describe('NAS-Bench-201 cell graphs', () => {
  it('names the four input-output routes by their ops', () => {
    const g = nb201FromArch('|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|');
    expect(pathsOf(graphPaths(nb201Graph(g)))).toEqual({
      'in>skip_connect': 1,
      'in>nor_conv_3x3>nor_conv_1x1': 1,
      'in>nor_conv_3x3>nor_conv_3x3': 1,
      'in>nor_conv_3x3>nor_conv_3x3>nor_conv_3x3': 1,
    });
  });

  it('counts a path twice when two routes carry the same ops, and drops routes through none', () => {
    const g = nb201FromArch('|nor_conv_1x1~0|+|nor_conv_1x1~0|none~1|+|none~0|avg_pool_3x3~1|avg_pool_3x3~2|');
    expect(pathsOf(graphPaths(nb201Graph(g)))).toEqual({ 'in>nor_conv_1x1>avg_pool_3x3': 2 });
  });

  it('gives cells equal up to dead edges the same paths, over 300 random cells', () => {
    const rng = Rng.seeded(4);
    for (let i = 0; i < 300; i++) {
      const g = sampleNb201(rng);
      expect(pathsOf(graphPaths(nb201Graph(g)))).toEqual(pathsOf(graphPaths(nb201Graph(canonicalNb201(g)))));
    }
  });

  it('has no path at all when the output is cut off', () => {
    const g = nb201FromArch('|nor_conv_3x3~0|+|nor_conv_3x3~0|none~1|+|none~0|none~1|none~2|');
    expect(graphPaths(nb201Graph(g)).size).toBe(0);
  });
});

describe('NASNet cell graphs', () => {
  const space = new NasnetCellSpace({ blocks: 5 });

  it('names paths per cell, from either cell input, through each block to the output', () => {
    const g: NasnetGenome = {
      kind: 'nasnet',
      normal: { blocks: [{ inputs: [0, 1], ops: ['sep_conv_3x3', 'identity'] }, { inputs: [2, 1], ops: ['max_pool_3x3', 'sep_conv_5x5'] }] },
      reduction: { blocks: [{ inputs: [1, 1], ops: ['avg_pool_3x3', 'avg_pool_3x3'] }, { inputs: [0, 2], ops: ['identity', 'identity'] }] },
    };
    const [normal, reduction] = nasnetGraphs(g).map((c) => pathsOf(graphPaths(c)));
    // Block 0 feeds block 1, so only block 1 reaches the output.
    expect(normal).toEqual({
      'normal:in0>normal:sep_conv_3x3>normal:max_pool_3x3': 1,
      'normal:in1>normal:identity>normal:max_pool_3x3': 1,
      'normal:in1>normal:sep_conv_5x5': 1,
    });
    expect(reduction).toEqual({
      'reduction:in0>reduction:identity': 1,
      'reduction:in1>reduction:avg_pool_3x3>reduction:identity': 2,
    });
  });

  it('gives genomes with one canonical form the same paths, over 100 random genomes', () => {
    const rng = Rng.seeded(8);
    for (let i = 0; i < 100; i++) {
      const g = space.sample(rng);
      const a = nasnetGraphs(g).map((c) => pathsOf(graphPaths(c)));
      const b = nasnetGraphs(canonicalNasnet(g)).map((c) => pathsOf(graphPaths(c)));
      expect(a).toEqual(b);
    }
  });

  it('keeps at most maxPaths paths, the shortest first', () => {
    const chain: NasnetGenome['normal'] = { blocks: Array.from({ length: 8 }, (_, b) => ({ inputs: [b, b + 1] as [number, number], ops: ['identity', 'sep_conv_3x3'] as NasnetGenome['normal']['blocks'][number]['ops'] })) };
    const full = graphPaths(nasnetGraphs({ kind: 'nasnet', normal: chain, reduction: chain })[0]);
    const cut = graphPaths(nasnetGraphs({ kind: 'nasnet', normal: chain, reduction: chain })[0], { maxPaths: 5 });
    expect(full.size).toBeGreaterThan(5);
    expect(cut.size).toBe(5);
    const length = (p: string): number => p.split('>').length;
    const longestKept = Math.max(...[...cut.keys()].map(length));
    expect([...full.keys()].filter((p) => !cut.has(p)).every((p) => length(p) >= longestKept)).toBe(true);
  });
});

describe('large-scale graphs', () => {
  it('chains the layers and lets a skip bypass the layers it spans', () => {
    const space = new LargeScaleSpace();
    const g = space.validate({
      kind: 'large-scale', learningRate: 0.1, nextId: 4, lineage: '0123456789abcdef', origin: 'initial',
      layers: [{ kind: 'conv', id: 1, filters: 24, kernel: [3, 3], stride: 1 }, { kind: 'bn-relu', id: 2 }],
      skips: [{ id: 3, from: 0, to: 2 }],
    });
    expect(pathsOf(graphPaths(largeScaleGraph(g)))).toEqual({ 'in': 1, 'in>conv3x3/1:32>bn-relu': 1 });
    expect(space.graphView(g).numbers.learningRate).toBeCloseTo(space.encode(g)[0], 12);
  });
});

/** Number of positions in which two encodings differ. */
function changed(space: SearchSpace<unknown>, a: unknown, b: unknown): number {
  const x = space.encode(a);
  const y = space.encode(b);
  return x.filter((v, i) => v !== y[i]).length;
}

describe('neighbourhoods', () => {
  it('NAS-Bench-201: the 24 cells that differ in one edge, all distinct', () => {
    const space = new Nb201Space() as unknown as SearchSpace<unknown>;
    const g = space.sample(Rng.seeded(3));
    const list = space.neighbours?.(g) ?? [];
    expect(list).toHaveLength(24);
    expect(new Set(list.map((v) => JSON.stringify(space.toJSON(v)))).size).toBe(24);
    for (const v of list) expect(changed(space, g, v)).toBe(1);
  });

  it('NASNet: every other input and every other op of every slot, each one mutation away and valid', () => {
    const space = new NasnetCellSpace({ blocks: 4 }) as unknown as SearchSpace<unknown>;
    const g = space.sample(Rng.seeded(5));
    const list = space.neighbours?.(g) ?? [];
    // Per cell: slots 2 per block, (1 + b) other inputs + 7 other ops each.
    const perCell = [0, 1, 2, 3].reduce((s, b) => s + 2 * (1 + b + 7), 0);
    expect(list).toHaveLength(2 * perCell);
    for (const v of list) {
      expect(changed(space, g, v)).toBe(1);
      expect(() => space.validate(JSON.parse(JSON.stringify(space.toJSON(v))))).not.toThrow();
    }
  });

  it('spaces without a finite neighbourhood list none', () => {
    expect((new LargeScaleSpace() as SearchSpace<unknown>).neighbours).toBeUndefined();
    expect(loadSpace('branin').neighbours).toBeUndefined();
  });
});

describe('joint spaces', () => {
  it('show the architecture as graphs and the hyperparameters as named numbers', () => {
    const space = loadSpace('joint-example') as SearchSpace<JointValue<unknown>>;
    const v = space.sample(Rng.seeded(2));
    const view = space.graphView?.(v);
    expect(view?.cells).toHaveLength(1);
    const names = Object.keys(view?.numbers ?? {});
    expect(names.length).toBeGreaterThan(0);
    expect(names.every((n) => n.startsWith('hparams.'))).toBe(true);
  });
});
