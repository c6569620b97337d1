import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatStatus } from '../src/cli/status.ts';
import { Rng } from '../src/core/rng.ts';
import { mutationBetween, nasnetCellLine } from '../src/genome/notation.ts';
import { ancestry, bestSoFar, paretoFront, rungs, seedGroups } from '../src/report/analysis.ts';
import { importance, parameters } from '../src/report/choices.ts';
import { configLines } from '../src/report/notation.ts';
import { loadRunData, type RunData } from '../src/report/run-data.ts';
import { runStatus, type RunStatus } from '../src/run/status.ts';
import { loadSpace } from '../src/spaces/load.ts';
import type { NasnetGenome } from '../src/genome/types.ts';
import { makeReportRuns, type ReportRuns } from './helpers/report-runs.ts';
import { nas } from './helpers/run-cli.ts';

let dir: string;
let runs: ReportRuns;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'nas-report-data-'));
  runs = await makeReportRuns(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A digest of every file under `root` (names, sizes and contents). */
function digestTree(root: string): string {
  const h = createHash('sha256');
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else h.update(`${p}\n`).update(readFileSync(p));
    }
  };
  walk(root);
  return h.digest('hex');
}

describe('a run as the report reads it', () => {
  it('matches what the journal and nas status say: evaluations, best, population, best-so-far', () => {
    const run = loadRunData(runs.aging1);
    const status = runStatus(runs.aging1, 5);
    expect(run.evaluated.length).toBe(status.evaluated);
    expect(run.best?.id).toBe(status.best?.id);
    expect(run.best?.score).toBe(status.best?.score);
    expect(run.population.map((p) => p.id)).toEqual(status.population.map((p) => p.id));
    const curve = bestSoFar(run);
    expect(curve.length).toBe(run.evaluated.length);
    for (let i = 1; i < curve.length; i++) expect(curve[i].best).toBeGreaterThanOrEqual(curve[i - 1].best);
    expect(curve[curve.length - 1].best).toBe(status.best?.score);
    // Costs computed from the genomes: every evaluated child has them, and equal cells cost the same.
    expect(run.evaluated.every((c) => (c.params as number) > 0 && (c.madds as number) > 0)).toBe(true);
    expect(run.costNote).toMatch(/computed from each genome/);
  });

  it('names the mutation each child got: the NAS-Bench-201 edges that differ from its parent', () => {
    const run = loadRunData(runs.aging1);
    const mutated = run.children.filter((c) => c.parentId !== undefined);
    expect(mutated.length).toBeGreaterThan(100);
    for (const c of mutated) {
      const [a, b] = [(run.children[c.parentId as number].config as { edges: string[] }).edges, (c.config as { edges: string[] }).edges];
      const differ = a.filter((op, k) => op !== b[k]).length;
      const changes = c.change ?? [];
      if (differ === 0) expect(changes).toEqual([{ kind: 'same', text: 'no change' }]);
      else expect(changes.filter((x) => x.kind === 'edge').length).toBe(differ);
    }
  });

  it('the Pareto front: no child scores higher for fewer parameters, and every other child is dominated', () => {
    const run = loadRunData(runs.aging1);
    const front = paretoFront(run.evaluated, 'params');
    expect(front.length).toBeGreaterThan(1);
    for (const f of front) expect(run.evaluated.some((c) => (c.params as number) <= (f.params as number) && (c.score as number) > (f.score as number))).toBe(false);
    const onFront = new Set(front.map((f) => f.id));
    for (const c of run.evaluated.filter((x) => !onFront.has(x.id))) {
      expect(front.some((f) => (f.params as number) <= (c.params as number) && (f.score as number) >= (c.score as number))).toBe(true);
    }
  });

  it('the best child\'s ancestry runs from a child of the first population to the best, each the parent of the next', () => {
    const run = loadRunData(runs.aging1);
    const chain = ancestry(run, run.best?.id as number);
    expect(chain[chain.length - 1].id).toBe(run.best?.id);
    expect(chain[0].parentId).toBeUndefined();
    for (let i = 1; i < chain.length; i++) expect(chain[i].parentId).toBe(chain[i - 1].id);
  });

  it('Hyperband on Branin: the rungs the strategy proposed, replayed from the journal; promotions go up a rung', () => {
    const run = loadRunData(runs.hyperband);
    const found = rungs(run);
    expect(found.map((r) => r.fidelity)).toEqual([1, 3, 9, 27]);
    const promoted = run.children.filter((c) => c.parentId !== undefined);
    expect(promoted.length).toBeGreaterThan(0);
    for (const c of promoted) expect(c.proposedFidelity as number).toBeGreaterThan(run.children[c.parentId as number].proposedFidelity as number);
    expect(found.reduce((s, r) => s + r.children, 0)).toBe(run.children.length);
  });

  it('parameter importance: on a table that ignores hyperparameters, cell edges explain more than any hyperparameter', () => {
    const run = loadRunData(runs.joint);
    const params = parameters(run);
    expect(params.map((p) => p.name).sort()).toEqual(['batch_size', 'edge 0->1', 'edge 0->2', 'edge 0->3', 'edge 1->2', 'edge 1->3', 'edge 2->3', 'learning_rate', 'weight_decay']);
    expect(params.find((p) => p.name === 'learning_rate')).toMatchObject({ kind: 'numeric', log: true });
    const ranked = importance(run, params);
    for (const r of ranked) expect(r.importance).toBeGreaterThanOrEqual(0);
    expect(ranked.every((r) => r.importance <= 1)).toBe(true);
    const edges = ranked.filter((r) => r.name.startsWith('edge ')).map((r) => r.importance);
    const hparams = ranked.filter((r) => !r.name.startsWith('edge ')).map((r) => r.importance);
    expect(Math.max(...edges)).toBeGreaterThan(Math.max(...hparams));
  });

  it('parameter importance is 1 for a parameter the score is a function of, near 0 for noise', () => {
    const rng = Rng.seeded(5);
    const rows = Array.from({ length: 200 }, (_, id) => {
      const opt = ['sgd', 'adam', 'rmsprop'][id % 3];
      return { id, config: { opt, noise: rng.next() }, score: { sgd: 1, adam: 2, rmsprop: 3 }[opt] as number };
    });
    const run = { evaluated: rows, children: rows } as unknown as RunData;
    const ranked = importance(run, parameters(run));
    expect(ranked[0].name).toBe('opt');
    expect(ranked[0].importance).toBeCloseTo(1, 12);
    expect(ranked[1].name).toBe('noise');
    expect(ranked[1].importance).toBeLessThan(0.1);
  });

  it('runs that differ only by seed form one group whose curve is the mean of theirs', () => {
    const data = [runs.aging1, runs.aging2, runs.hyperband].map((d) => loadRunData(d));
    const groups = seedGroups(data, (r) => r.config.strategy);
    expect(groups.map((g) => [g.label, g.runs.length])).toEqual([['aging', 2], ['hyperband', 1]]);
    const [a, b] = [bestSoFar(data[0]), bestSoFar(data[1])];
    groups[0].curve.forEach((p, i) => {
      expect(p.mean).toBeCloseTo((a[i].best + b[i].best) / 2, 10);
      expect(p.min).toBe(Math.min(a[i].best, b[i].best));
    });
  });
});

describe('compact notation', () => {
  it('a NASNet cell on one line: each block its two ops and inputs, then the concatenated outputs', () => {
    const g = loadSpace('nasnet-cell').sample(Rng.seeded(3)) as NasnetGenome;
    const line = nasnetCellLine(g.normal);
    const blocks = line.split(' ');
    expect(blocks.length).toBe(g.normal.blocks.length + 1);
    g.normal.blocks.forEach((b, i) => expect(blocks[i]).toMatch(new RegExp(`^${i + 2}=[a-z0-9/x]+\\(${b.inputs[0]}\\)\\+[a-z0-9/x]+\\(${b.inputs[1]}\\)$`)));
    const used = new Set(g.normal.blocks.flatMap((b) => b.inputs));
    expect(blocks[blocks.length - 1]).toBe(`cat(${g.normal.blocks.map((_, i) => i + 2).filter((h) => !used.has(h)).join(',')})`);
    expect(configLines(g).map(([name]) => name)).toEqual(['normal', 'reduction']);
  });

  it('mutations of NASNet genomes are named by cell, hidden state and what changed', () => {
    const space = loadSpace('nasnet-cell');
    const rng = Rng.seeded(9);
    for (let i = 0; i < 40; i++) {
      const parent = space.sample(rng);
      const child = space.mutate(parent, rng);
      const changes = mutationBetween(space.toJSON(parent), space.toJSON(child));
      const same = JSON.stringify(space.toJSON(parent)) === JSON.stringify(space.toJSON(child));
      if (same) expect(changes).toEqual([{ kind: 'same', text: 'no change' }]);
      else for (const c of changes) expect(c.text).toMatch(/^(normal|reduction) \d+: (op \S+ -> \S+ on input \d+|input \d+ -> \d+ into \S+)$/);
    }
    expect(mutationBetween({ arch: { kind: 'nb201', edges: ['none', 'none', 'none', 'none', 'none', 'none'] }, hparams: { lr: 0.1 } },
      { arch: { kind: 'nb201', edges: ['none', 'none', 'none', 'none', 'none', 'nor_conv_3x3'] }, hparams: { lr: 0.05 } }))
      .toEqual([{ kind: 'edge', text: 'edge 2->3: none -> nor_conv_3x3' }, { kind: 'hparams', text: 'lr 0.1 -> 0.05' }]);
  });

  it('nas status shows every cell on its own line, whole, and a joint configuration\'s hyperparameters on the next', async () => {
    const r = await nas('status', runs.joint, '--top', '3');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    const top = lines.findIndex((l) => l.startsWith('top 3:'));
    for (let i = 0; i < 3; i++) {
      expect(lines[top + 1 + 2 * i]).toMatch(/^ {2}#\d+ +\d+\.\d{4} .* cell +\|[a-z_0-9~|+]+\|$/);
      expect(lines[top + 2 + 2 * i]).toMatch(/^ +hparams learning_rate=\S+ weight_decay=\S+ batch_size=\d+$/);
    }
    const g = loadSpace('nasnet-cell').sample(Rng.seeded(1));
    const s = { ...runStatus(runs.aging1, 1), top: [{ id: 7, hash: 'h', score: 0.5, config: loadSpace('nasnet-cell').toJSON(g) }], population: [] } as RunStatus;
    const text = formatStatus(s).split('\n');
    const at = text.findIndex((l) => l.startsWith('top 1:'));
    expect(text[at + 1]).toMatch(/^ {2}#7 +0\.5000 +normal +2=/);
    expect(text[at + 2]).toMatch(/^ +reduction 2=/);
    expect(text[at + 2].indexOf('reduction')).toBe(text[at + 1].indexOf('normal'));
  });
});

describe('nas report', () => {
  it('writes one file with no script and nothing to load, and never writes to the runs it reads', async () => {
    const before = digestTree(join(dir, 'runs'));
    const out = join(dir, 'all.html');
    const r = await nas('report', runs.aging1, runs.aging2, runs.hyperband, runs.joint, '--out', out, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out.trim().split('\n').pop() as string)).toMatchObject({ runs: 4 });
    expect(digestTree(join(dir, 'runs'))).toBe(before);
    const html = readFileSync(out, 'utf8');
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\s(src|srcset)=/i);
    expect([...html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]).filter((h) => !h.startsWith('#'))).toEqual([]);
    expect(html).toMatch(/Content-Security-Policy" content="default-src &#39;none&#39;/);
  });

  it('refuses to write inside a run, and names a directory that is not a run', async () => {
    const inside = await nas('report', runs.aging1, '--out', join(runs.aging1, 'report.html'));
    expect(inside.code).toBe(1);
    expect(inside.err).toMatch(/refusing to write the report inside the run directory .*aging1/);
    const empty = join(dir, 'empty');
    mkdirSync(empty);
    const notRun = await nas('report', empty, '--out', join(dir, 'x.html'));
    expect(notRun.code).toBe(1);
    expect(notRun.err).toMatch(/empty is not a run directory \(no config\.json\)/);
  });
});
