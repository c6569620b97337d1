import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../src/cli/main.ts';
import type { RunConfig } from '../src/run/config.ts';
import { exportRun } from '../src/run/export.ts';
import { startRun } from '../src/run/session.ts';
import { readJournal } from '../src/store/journal.ts';
import { loadSpace } from '../src/spaces/load.ts';
import { loadModel } from '../src/model/file-io.ts';
import { nb201TableFixture } from './helpers/fixtures.ts';

const dirs: string[] = [];
const temp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'nas-export-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const TINY = { dataset: 'fashion-mnist-mini', limit: 60, valFraction: 0.25, epochs: 1, batchSize: 15, backend: 'cpu' };

function runConfig(fields: Partial<RunConfig>): RunConfig {
  return {
    format: 1, command: 'evolve', space: 'large-scale', strategy: 'large-scale', strategyOptions: { population: 2 }, budget: 4, seed: 7,
    evaluator: 'train', workers: 1, evaluatorOptions: TINY, baseDir: process.cwd(), ...fields,
  };
}

/** Predictions of the model saved in `dir` (loaded by tf.loadLayersModel through the file IOHandler) on `x`. */
async function reloadAndPredict(dir: string, x: number[][][][]): Promise<number[][]> {
  const model = await loadModel(dir);
  try {
    const input = tf.tensor4d(x);
    const y = model.predict(input) as tf.Tensor;
    const rows = (await y.array()) as number[][];
    tf.dispose([input, y]);
    return rows;
  } finally {
    model.dispose();
  }
}

/** The first validation images of the data `extra` names, normalised as the trainer does. */
async function probeInputs(n: number, extra: Record<string, unknown> = TINY): Promise<number[][][][]> {
  const { loadSettingsData, largeScaleSettings } = await import('../src/evaluators/large-scale.ts');
  const { batches } = await import('../src/data/batches.ts');
  const s = largeScaleSettings(extra);
  const data = await loadSettingsData(s);
  const b = batches(data.val, { batchSize: n, normalization: data.info.normalization }).next().value;
  if (!b) throw new Error('no validation images');
  const t = tf.tensor4d(b.x, [b.size, b.shape[0], b.shape[1], b.shape[2]]);
  const out = (await t.array()) as number[][][][];
  t.dispose();
  return out;
}

describe('nas export', () => {
  it('exports a large-scale child with the weights the run kept: reload gives identical predictions and the same accuracy', async () => {
    const runDir = join(temp(), 'run');
    const summary = await startRun(runConfig({}), runDir, { executor: 'inline', log: () => {} });
    expect(summary.best).not.toBeNull();
    const out = join(temp(), 'out');
    const before = tf.memory().numTensors;
    const r = await exportRun({ runDir, out, backend: 'cpu' });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.source).toBe('kept');
    expect(r.id).toBe(summary.best?.id);
    // The kept weights are the child's trained weights: the exported model scores exactly what the run recorded.
    expect(r.valAccuracy).toBe(summary.best?.score);
    expect(await reloadAndPredict(out, await probeInputs(4))).toEqual(r.probe);
    const genome = JSON.parse(readFileSync(join(out, 'genome.json'), 'utf8')) as unknown;
    expect(genome).toEqual(summary.best?.config);
    const svg = readFileSync(join(out, 'network.svg'), 'utf8');
    expect(svg.startsWith('<?xml')).toBe(true);
    expect(svg).toContain('dense (logits)');
    expect(JSON.parse(readFileSync(join(out, 'export.json'), 'utf8'))).toMatchObject({ source: 'kept', id: r.id, hash: r.hash });
  }, 120_000);

  it('retrains a NASNet child of a train run with its seed, writes normal.svg and reduction.svg, and reloads identically', async () => {
    const dir = temp();
    const spaceFile = join(dir, 'tiny-nasnet.json');
    const base = JSON.parse(readFileSync(new URL('../search-spaces/nasnet-cell.json', import.meta.url), 'utf8')) as Record<string, unknown>;
    writeFileSync(spaceFile, JSON.stringify({ ...base, name: 'tiny-nasnet', blocks: 2, cellsPerStack: 1, stacks: 2, initialFilters: 2 }));
    const runDir = join(dir, 'run');
    const summary = await startRun(
      runConfig({ space: spaceFile, strategy: 'aging', strategyOptions: { population: 2, sample: 1 }, budget: 2 }),
      runDir, { executor: 'inline', log: () => {} },
    );
    expect(summary.best).not.toBeNull();
    const out = join(dir, 'out');
    const code = await main(['export', runDir, '--out', out, '--retrain', '--retrain-epochs', '1', '--backend', 'cpu', '--json']);
    expect(code).toBe(0);
    const r = JSON.parse(readFileSync(join(out, 'export.json'), 'utf8')) as { source: string; epochs: number; valAccuracy: number; probe: number[][]; id: number };
    expect(r.source).toBe('retrained');
    expect(r.epochs).toBe(1);
    // Same seed, same data, same backend, the run's own epoch count: the retrain reproduces the run's score.
    expect(r.valAccuracy).toBe(summary.best?.score);
    expect(await reloadAndPredict(out, await probeInputs(4))).toEqual(r.probe);
    const genome = loadSpace(spaceFile).validate(JSON.parse(readFileSync(join(out, 'genome.json'), 'utf8'))) as { normal: { blocks: Array<{ ops: string[] }> }; reduction: { blocks: Array<{ ops: string[] }> } };
    for (const cell of ['normal', 'reduction'] as const) {
      const svg = readFileSync(join(out, `${cell}.svg`), 'utf8');
      expect(svg).toMatch(/^<\?xml[^>]*>\n<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
      for (const op of genome[cell].blocks.flatMap((b) => b.ops)) expect(svg).toContain(`>${op}</text>`);
    }
    const events = readJournal(join(runDir, 'journal.jsonl')).events;
    expect(events.filter((e) => e.e === 'finished' || e.e === 'failed').length).toBe(2);
    expect(events.some((e) => e.e === 'finished' && e.id === r.id)).toBe(true);
  }, 180_000);

  it('retrains a NAS-Bench-201 child of a table run (which has no weights) and draws its cell', async () => {
    const dir = temp();
    const spaceFile = join(dir, 'tiny-nb201.json');
    writeFileSync(spaceFile, JSON.stringify({ type: 'nas-bench-201', ops: ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'], cellsPerStack: 1, stacks: 3, initialFilters: 4 }));
    const csv = nb201TableFixture();
    const runDir = join(dir, 'run');
    const summary = await startRun(
      runConfig({ space: spaceFile, strategy: 'aging', strategyOptions: { population: 3, sample: 2 }, budget: 6, evaluator: `table:${csv}`, evaluatorOptions: { ...TINY, limit: 40 } }),
      runDir, { executor: 'inline', log: () => {} },
    );
    const out = join(dir, 'out');
    const r = await exportRun({ runDir, out, retrainEpochs: 1, backend: 'cpu' });
    expect(r.source).toBe('retrained');
    expect(r.id).toBe(summary.best?.id);
    expect(r.files).toContain('cell.svg');
    const svg = readFileSync(join(out, 'cell.svg'), 'utf8');
    const arch = (summary.best?.config as { edges: string[] }).edges;
    for (const op of arch) expect(svg).toContain(`>${op}</text>`);
    const model = await loadModel(out);
    expect(model.countParams()).toBe(r.params);
    model.dispose();
  }, 180_000);

  it('exports a child of a joint (architecture + hyperparameters) table search, its cell drawn from the architecture part', async () => {
    const dir = temp();
    const nb201 = { type: 'nas-bench-201', ops: ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'], cellsPerStack: 1, stacks: 3, initialFilters: 4 };
    const hyperparameters = { parameters: { learning_rate: { kind: 'float', low: 0.001, high: 0.3, log: true }, batch_size: { kind: 'categorical', choices: [8, 16] } } };
    const spaceFile = join(dir, 'tiny-joint.json');
    writeFileSync(spaceFile, JSON.stringify({ type: 'joint', architecture: nb201, hyperparameters }));
    const csv = nb201TableFixture();
    const runDir = join(dir, 'run');
    const summary = await startRun(
      runConfig({ space: spaceFile, strategy: 'random', strategyOptions: {}, budget: 3, evaluator: `table:${csv}`, evaluatorOptions: { ...TINY, limit: 40 } }),
      runDir, { executor: 'inline', log: () => {} },
    );
    const out = join(dir, 'out');
    const r = await exportRun({ runDir, out, backend: 'cpu' });
    expect(r.source).toBe('retrained');
    const genome = JSON.parse(readFileSync(join(out, 'genome.json'), 'utf8')) as { arch: { edges: string[] }; hparams: Record<string, number> };
    expect(genome).toEqual(summary.best?.config);
    const svg = readFileSync(join(out, 'cell.svg'), 'utf8');
    for (const op of genome.arch.edges) expect(svg).toContain(`>${op}</text>`);
    expect(await reloadAndPredict(out, await probeInputs(4, { ...TINY, limit: 40 }))).toEqual(r.probe);
  }, 180_000);

  it('names what is wrong: an unknown child id, a directory that is not a run', async () => {
    const runDir = join(temp(), 'run');
    await startRun(runConfig({ budget: 1, strategyOptions: { population: 1 } }), runDir, { executor: 'inline', log: () => {} });
    await expect(exportRun({ runDir, out: join(temp(), 'o'), id: 99, backend: 'cpu' })).rejects.toThrow(/no child 99/);
    await expect(exportRun({ runDir: temp(), out: join(temp(), 'o'), backend: 'cpu' })).rejects.toThrow(/not a run directory/);
  }, 60_000);
});
