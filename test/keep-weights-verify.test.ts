import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.ts';
import type { RunConfig } from '../src/run/config.ts';
import { exportRun } from '../src/run/export.ts';
import { startRun } from '../src/run/session.ts';
import { selectBackend } from '../src/backends/backend.ts';
import { trainSettings } from '../src/evaluators/train.ts';
import type { ProbeFile } from '../src/model/export.ts';
import { loadModel } from '../src/model/file-io.ts';
import { WeightKeeper } from '../src/model/keep-weights.ts';
import { maxAbsDifference, verifyExport } from '../src/model/verify.ts';

const SPACE = fileURLToPath(new URL('./fixtures/nb201-tiny.json', import.meta.url));
const TINY = { dataset: 'fashion-mnist-mini', limit: 60, valFraction: 0.25, epochs: 1, batchSize: 15, backend: 'cpu', augment: false };

const dirs: string[] = [];
const temp = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'nas-keep-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** Runs `nas` with `args`, returning its exit code and what it wrote to stderr. */
async function nas(args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
  const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    return { code: await main(args), stderr };
  } finally {
    spy.mockRestore();
    out.mockRestore();
  }
}

/** Predictions of the model saved in `dir` on the probe images of `probe`. */
async function predictSaved(dir: string, probe: ProbeFile): Promise<number[][]> {
  const model = await loadModel(dir);
  const x = tf.tensor4d(probe.inputs, probe.shape);
  const y = model.predict(x) as tf.Tensor;
  const rows = (await y.array()) as number[][];
  tf.dispose([x, y]);
  model.dispose();
  return rows;
}

describe('kept weights of train runs, and nas verify', () => {
  it("keeps the best child's trained weights; export uses them and nas verify checks the reload", async () => {
    const root = temp();
    const runDir = join(root, 'run');
    const config: RunConfig = {
      format: 1, command: 'evolve', space: SPACE, strategy: 'aging', strategyOptions: { population: 2, sample: 1 }, budget: 3, seed: 5,
      evaluator: 'train', workers: 1, baseDir: process.cwd(), evaluatorOptions: TINY,
    };
    const summary = await startRun(config, runDir, { executor: 'inline', log: () => {} });
    const best = summary.best;
    expect(best).toBeDefined();
    // One worker with keepWeights 'best': only its best child's weights remain.
    expect(readdirSync(join(runDir, 'weights'))).toEqual([String(best?.id)]);

    const out = join(root, 'out');
    const before = tf.memory().numTensors;
    const r = await exportRun({ runDir, out, backend: 'cpu' });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.source).toBe('kept');
    expect(r.id).toBe(best?.id);
    expect(r.valAccuracy).toBe(best?.score);
    expect(JSON.parse(readFileSync(join(out, 'export.json'), 'utf8'))).toMatchObject({ source: 'kept', id: best?.id });
    // The exported model predicts exactly as the run's own trained model does.
    const probe = JSON.parse(readFileSync(join(out, 'probe.json'), 'utf8')) as ProbeFile;
    expect(probe.shape).toEqual([4, 28, 28, 1]);
    expect(probe.outputs).toEqual(r.probe);
    expect(await predictSaved(join(runDir, 'weights', String(best?.id)), probe)).toEqual(r.probe);
    expect(await predictSaved(out, probe)).toEqual(r.probe);

    const ok = await verifyExport(out);
    expect(ok).toMatchObject({ ok: true, maxAbsDiff: 0, tolerance: 0, params: r.params, images: 4, backend: 'cpu', recordedBackend: 'cpu' });
    expect(tf.memory().numTensors).toBe(before);
    expect((await nas(['verify', out, '--backend', 'cpu'])).code).toBe(0);
    // Another backend computes the same model up to rounding: accepted within 1e-5.
    await selectBackend('wasm');
    try {
      const wasm = await verifyExport(out);
      expect(wasm).toMatchObject({ ok: true, tolerance: 1e-5, backend: 'wasm', recordedBackend: 'cpu' });
      expect(wasm.maxAbsDiff).toBeLessThanOrEqual(1e-5);
    } finally {
      await selectBackend('cpu');
    }

    // Changed weights (same length): the outputs differ and verify fails naming the files and the difference.
    const weightsFile = join(out, 'weights.bin');
    const bytes = readFileSync(weightsFile);
    const tampered = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    for (let i = 0; i < tampered.length; i += 7) tampered[i] += 0.5;
    writeFileSync(weightsFile, new Uint8Array(tampered.buffer));
    const bad = await nas(['verify', out, '--backend', 'cpu']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/weights\.bin does not reproduce the outputs recorded in probe\.json: max abs difference \d\.\d+e[-+]\d+ > tolerance 0/);
    // A truncated weights file: named, with the sizes.
    writeFileSync(weightsFile, bytes.subarray(0, bytes.length - 8));
    const cut = await nas(['verify', out, '--backend', 'cpu']);
    expect(cut.code).toBe(1);
    expect(cut.stderr).toContain(`${weightsFile}`);
    expect(cut.stderr).toMatch(/holds \d+ bytes, the manifest in model\.json needs \d+/);
    expect(tf.memory().numTensors).toBe(before);
  }, 180_000);

  it("keepWeights 'best' keeps only a worker's best so far, 'all' every child, 'none' nothing", async () => {
    const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
    const kept = async (mode: 'best' | 'all' | 'none', scores: number[]): Promise<string[]> => {
      const dir = join(temp(), 'weights');
      const keeper = new WeightKeeper(dir, mode);
      for (const [id, score] of scores.entries()) await keeper.hook(id)(model, { score });
      return existsSync(dir) ? readdirSync(dir).sort() : [];
    };
    expect(await kept('best', [0.5, 0.4, 0.7, 0.7, 0.6])).toEqual(['2']);
    expect(await kept('all', [0.5, 0.4, 0.7])).toEqual(['0', '1', '2']);
    expect(await kept('none', [0.5, 0.4, 0.7])).toEqual([]);
    model.dispose();
    expect(trainSettings({}).keepWeights).toBe('best');
    expect(() => trainSettings({ keepWeights: 'some' })).toThrow(/field 'keepWeights'.*best, all, none/);
  });

  it('measures differences and reports an unreadable probe', async () => {
    expect(maxAbsDifference([[0.1, 0.9]], [[0.1, 0.9]])).toBe(0);
    expect(maxAbsDifference([[0.1, 0.9]], [[0.2, 0.9]])).toBeCloseTo(0.1, 12);
    expect(maxAbsDifference([[0.1, Number.NaN]], [[0.1, 0.9]])).toBe(Number.POSITIVE_INFINITY);
    expect(maxAbsDifference([[0.1]], [[0.1], [0.2]])).toBe(Number.POSITIVE_INFINITY);
    const empty = temp();
    const r = await nas(['verify', empty, '--backend', 'cpu']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(join(empty, 'probe.json'));
  });
});
