/**
 * The NASBOWL predictor (src/search/predictor/wl-gp.ts) and the acquisitions: Weisfeiler-Lehman labels
 * name the subtrees that feed each node, the WL GP ranks cells by a score it was shown on every cell
 * space (graph numbers included), cells with the same WL features get the same prediction, and
 * expected improvement and UCB pick what they promise.
 */
import { describe, expect, it } from 'vitest';
import { Rng } from '../src/core/rng.ts';
import { nasnetGraphs, nb201Graph, wlLabelIds, wlLabels } from '../src/genome/cell-graph.ts';
import type { NasnetGenome } from '../src/genome/types.ts';
import { nb201FromArch } from '../src/genome/nb201.ts';
import { acquisitionPick, averagePosterior, expectedImprovement, Predictor } from '../src/search/predictor/surrogate.ts';
import { WlEncoder, WlGp } from '../src/search/predictor/wl-gp.ts';
import { loadSpace } from '../src/spaces/load.ts';
import { Nb201Space } from '../src/spaces/nas-bench-201.ts';
import type { GraphView, SearchSpace } from '../src/spaces/space.ts';

const sorted = (m: Map<string, number>): Record<string, number> => Object.fromEntries([...m].sort());

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  const ma = Array.from(a).reduce((s, x) => s + x, 0) / n;
  const mb = Array.from(b).reduce((s, x) => s + x, 0) / n;
  let [sab, saa, sbb] = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    sab += (a[i] - ma) * (b[i] - mb);
    saa += (a[i] - ma) ** 2;
    sbb += (b[i] - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

describe('wlLabels', () => {
  it('counts node labels, then each label with the sorted labels of its predecessors', () => {
    // Edges 0->1 conv3, 0->2 none, 1->2 none, 0->3 skip, 1->3 conv1, 2->3 pool (node 2 is fed by nothing).
    const g = nb201Graph(nb201FromArch('|nor_conv_3x3~0|+|none~0|none~1|+|skip_connect~0|nor_conv_1x1~1|avg_pool_3x3~2|'));
    const [d0, d1, d2] = wlLabels(g, 2);
    expect(sorted(d0)).toEqual({ '+': 2, avg_pool_3x3: 1, in: 1, nor_conv_1x1: 1, nor_conv_3x3: 1, out: 1, skip_connect: 1 });
    expect(sorted(d1)).toEqual({
      '+()': 1,
      '+(nor_conv_3x3)': 1,
      'avg_pool_3x3(+)': 1,
      'in()': 1,
      'nor_conv_1x1(+)': 1,
      'nor_conv_3x3(in)': 1,
      'out(avg_pool_3x3,nor_conv_1x1,skip_connect)': 1,
      'skip_connect(in)': 1,
    });
    expect(d2.get('nor_conv_1x1(+)(+(nor_conv_3x3))')).toBe(1);
    expect([...d2.values()].reduce((a, b) => a + b, 0)).toBe(g.labels.length);
  });

  it('as interned ids, partitions the nodes as the labels do, on random NAS-Bench-201 and NASNet cells', () => {
    const rng = Rng.seeded(9);
    const nb = new Nb201Space();
    const nasnet = loadSpace('nasnet-cell') as SearchSpace<NasnetGenome>;
    const graphs = [
      ...Array.from({ length: 30 }, () => nb201Graph(nb.sample(rng))),
      ...Array.from({ length: 30 }, () => nasnetGraphs(nasnet.sample(rng))).flat(),
    ];
    const ids = new Map<string, number>();
    const intern = (key: string): number => ids.get(key) ?? (ids.set(key, ids.size), ids.size - 1);
    // Label -> id must be a bijection across every graph, depth by depth.
    for (let d = 0; d <= 2; d++) {
      const idOf = new Map<string, number>();
      const labelOf = new Map<number, string>();
      for (const g of graphs) {
        const n = g.labels.length;
        const labels = labelsPerNode(g, d);
        const nodeIds = wlLabelIds(g, 2, '', intern)[d];
        expect(nodeIds).toHaveLength(n);
        labels.forEach((label, v) => {
          expect(idOf.get(label) ?? nodeIds[v]).toBe(nodeIds[v]);
          expect(labelOf.get(nodeIds[v]) ?? label).toBe(label);
          idOf.set(label, nodeIds[v]);
          labelOf.set(nodeIds[v], label);
        });
      }
    }
  });
});

/** Each node's `wlLabels` label at depth d (recomputed per node from the multisets' definition). */
function labelsPerNode(g: ReturnType<typeof nb201Graph>, depth: number): string[] {
  const into: number[][] = g.labels.map(() => []);
  for (const [a, b] of g.edges) into[b].push(a);
  let current = g.labels.map((label, v) => (v === g.output ? 'out' : label === '' ? '+' : label));
  for (let d = 1; d <= depth; d++) {
    const previous = current;
    current = previous.map((label, v) => `${label}(${into[v].map((u) => previous[u]).sort().join(',')})`);
  }
  const counts = new Map<string, number>();
  for (const label of current) counts.set(label, (counts.get(label) ?? 0) + 1);
  expect(counts).toEqual(wlLabels(g, depth)[depth]);
  return current;
}

describe('WlGp', () => {
  it('predicts its training cells, and equal WL features get equal predictions', () => {
    const space = new Nb201Space();
    const encoder = new WlEncoder(space);
    const rng = Rng.seeded(3);
    const cells = Array.from({ length: 40 }, () => space.sample(rng));
    const y = cells.map((c) => c.edges.filter((op) => op === 'nor_conv_3x3').length);
    const gp = new WlGp(cells.map((c) => encoder.row(c)), y);
    const p = gp.predict(cells.map((c) => encoder.row(c)));
    expect(correlation(p.mean, y)).toBeGreaterThan(0.95);
    const copy = structuredClone(cells[0]);
    const again = gp.predict([encoder.row(copy)]);
    expect(again.mean[0]).toBeCloseTo(p.mean[0], 12);
    expect(again.std[0]).toBeCloseTo(p.std[0], 12);
    expect(gp.hyperparameters.depth).toBeGreaterThanOrEqual(0);
    expect(gp.hyperparameters.depth).toBeLessThanOrEqual(2);
  });

  it('refuses a space without graphs and mismatched targets', () => {
    expect(() => new WlEncoder(loadSpace('branin') as SearchSpace<unknown>)).toThrow(/no graph view/);
    const space = new Nb201Space();
    const encoder = new WlEncoder(space);
    expect(() => new WlGp([encoder.row(space.sample(Rng.seeded(1)))], [1, 2])).toThrow(/matching rows and targets/);
  });

  it.each(['nas-bench-201', 'nasnet-cell', 'large-scale', 'joint-example'])('ranks %s values by a score it was shown (predictor wl-gp)', (name) => {
    const space = loadSpace(name) as SearchSpace<unknown>;
    const rng = Rng.seeded(21);
    // A score of what the graphs show: convolutions count, pools cost; plus the view's numbers.
    const score = (v: unknown): number => {
      const view = (space.graphView as (x: unknown) => GraphView)(v);
      const labels = view.cells.flatMap((c) => c.labels);
      const numbers = Object.values(view.numbers).reduce((a, b) => a + b, 0);
      return labels.filter((l) => l.includes('conv')).length - 0.5 * labels.filter((l) => l.includes('pool')).length + numbers;
    };
    // Up to six mutations of a sample, so growing networks differ too.
    const draw = (): unknown => {
      let v = space.sample(rng);
      for (let k = rng.int(7); k > 0; k--) v = space.mutate(v, rng);
      return v;
    };
    const train = Array.from({ length: 120 }, draw);
    const test = Array.from({ length: 80 }, draw);
    const fitted = new Predictor(space, { predictor: 'wl-gp', members: 1, steps: 1 }).fit(train, train.map(score), 1);
    const p = fitted.predict(test);
    expect(p.std.every((s) => s > 0 && Number.isFinite(s))).toBe(true);
    expect(correlation(p.mean, test.map(score))).toBeGreaterThan(0.3);
  });

  it('falls back to the encoding GP on a space without graphs (wl-gp and gp-wl alike)', () => {
    const space = loadSpace('branin') as SearchSpace<unknown>;
    const rng = Rng.seeded(5);
    const train = Array.from({ length: 30 }, () => space.sample(rng));
    const score = (v: unknown): number => -space.encode(v).reduce((s, x) => s + (x - 0.5) ** 2, 0);
    const wl = new Predictor(space, { predictor: 'wl-gp', members: 1, steps: 1 }).fit(train, train.map(score), 1).predict(train);
    const gp = new Predictor(space, { predictor: 'gp', members: 1, steps: 1 }).fit(train, train.map(score), 1).predict(train);
    const both = new Predictor(space, { predictor: 'gp-wl', members: 1, steps: 1 }).fit(train, train.map(score), 1).predict(train);
    expect(Array.from(wl.mean)).toEqual(Array.from(gp.mean));
    expect(Array.from(both.mean)).toEqual(Array.from(gp.mean));
    expect(Array.from(both.std)).toEqual(Array.from(gp.std));
  });
});

describe('gp-wl', () => {
  it('averages the two GPs: the mixture mean, and a spread that counts their disagreement', () => {
    const m = averagePosterior({ mean: Float64Array.from([1, 0]), std: Float64Array.from([1, 0]) }, { mean: Float64Array.from([3, 0]), std: Float64Array.from([1, 2]) });
    expect(Array.from(m.mean)).toEqual([2, 0]);
    expect(m.std[0]).toBeCloseTo(Math.sqrt(1 + 1), 12);
    expect(m.std[1]).toBeCloseTo(Math.sqrt(2), 12);
    const space = new Nb201Space();
    const rng = Rng.seeded(8);
    const train = Array.from({ length: 60 }, () => space.sample(rng));
    const test = Array.from({ length: 20 }, () => space.sample(rng));
    const score = (c: ReturnType<Nb201Space['sample']>): number => c.edges.filter((op) => op === 'nor_conv_3x3').length;
    const fit = (predictor: 'gp' | 'wl-gp' | 'gp-wl') => new Predictor(space, { predictor, members: 1, steps: 1 }).fit(train, train.map(score), 1).predict(test);
    const [gp, wl, both] = [fit('gp'), fit('wl-gp'), fit('gp-wl')];
    expect(Array.from(both.mean)).toEqual(Array.from(averagePosterior(gp, wl).mean));
    expect(Array.from(both.std)).toEqual(Array.from(averagePosterior(gp, wl).std));
  });
});

describe('acquisitions', () => {
  const p = { mean: Float64Array.from([1, 0.8, 0]), std: Float64Array.from([0.01, 0.5, 2]) };

  it('expected improvement: the improvement itself without spread, and more with spread', () => {
    expect(expectedImprovement(2, 0, 1)).toBe(1);
    expect(expectedImprovement(0, 0, 1)).toBe(0);
    // At the incumbent EI is std / sqrt(2 pi).
    expect(expectedImprovement(1, 2, 1)).toBeCloseTo(2 / Math.sqrt(2 * Math.PI), 12);
    expect(expectedImprovement(0, 2, 1)).toBeGreaterThan(expectedImprovement(0, 1, 1));
  });

  it('ei and ucb pick by their formulas; thompson draws', () => {
    const rng = Rng.seeded(1);
    expect(acquisitionPick(p, 1, { acquisition: 'ei', kappa: 2 }, rng)).toBe(2);
    expect(acquisitionPick(p, 1, { acquisition: 'ucb', kappa: 0 }, rng)).toBe(0);
    expect(acquisitionPick(p, 1, { acquisition: 'ucb', kappa: 2 }, rng)).toBe(2);
    const picks = new Set(Array.from({ length: 50 }, () => acquisitionPick(p, 1, { acquisition: 'thompson', kappa: 2 }, rng)));
    expect(picks.size).toBeGreaterThan(1);
    expect(acquisitionPick({ mean: new Float64Array(0), std: new Float64Array(0) }, 0, { acquisition: 'ei', kappa: 2 }, rng)).toBe(-1);
  });
});
