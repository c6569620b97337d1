import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileFormatError } from '../src/core/errors.ts';
import { Rng } from '../src/core/rng.ts';
import type { NasnetGenome } from '../src/genome/types.ts';
import { buildModel } from '../src/model/builder.ts';
import { loadModel, MODEL_FILE, saveModel, WEIGHTS_FILE, writeFileAtomic } from '../src/model/file-io.ts';

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'nas-file-io-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const genome: NasnetGenome = {
  kind: 'nasnet',
  normal: { blocks: [{ inputs: [0, 1], ops: ['sep_conv_3x3', 'max_pool_3x3'] }, { inputs: [2, 0], ops: ['identity', 'conv_1x7_7x1'] }] },
  reduction: { blocks: [{ inputs: [0, 1], ops: ['identity', 'dil_sep_conv_3x3'] }, { inputs: [2, 1], ops: ['avg_pool_3x3', 'sep_conv_5x5'] }] },
};
const network = { inputShape: [8, 8, 3] as [number, number, number], numClasses: 4, cellsPerStack: 1, stacks: 2, initialFilters: 4 };

function randomInput(): tf.Tensor4D {
  const rng = Rng.seeded('input');
  return tf.tensor4d(Float32Array.from({ length: 3 * 8 * 8 * 3 }, () => rng.normal()), [3, 8, 8, 3]);
}

describe('file IO handler', () => {
  it('saves model.json + weights.bin and reloads a model with identical predictions', async () => {
    const { model } = buildModel(genome, network, { seed: 7 });
    // Move the batch-norm statistics away from their initial values so they are checked too.
    const x = randomInput();
    tf.tidy(() => {
      model.apply(x, { training: true });
    });
    const before = model.predict(x) as tf.Tensor;
    const target = join(dir, 'child');
    await saveModel(model, target);
    expect((await readdir(target)).sort()).toEqual([MODEL_FILE, WEIGHTS_FILE]);
    const json = JSON.parse(await readFile(join(target, MODEL_FILE), 'utf8')) as tf.io.ModelJSON;
    expect(json.format).toBe('layers-model');
    expect(json.weightsManifest[0].paths).toEqual([WEIGHTS_FILE]);
    const loaded = await loadModel(target);
    const after = loaded.predict(x) as tf.Tensor;
    expect(Array.from(await after.data())).toEqual(Array.from(await before.data()));
    expect(loaded.countParams()).toBe(model.countParams());
    expect(loaded.layers.map((l) => l.name)).toEqual(model.layers.map((l) => l.name));
    tf.dispose([x, before, after]);
    model.dispose();
    loaded.dispose();
  });

  it('overwrites atomically: no temporary files are left behind', async () => {
    const target = join(dir, 'atomic');
    await writeFileAtomic(join(dir, 'x.txt'), 'one');
    await writeFileAtomic(join(dir, 'x.txt'), 'two');
    expect(await readFile(join(dir, 'x.txt'), 'utf8')).toBe('two');
    const { model } = buildModel(genome, network, { seed: 1 });
    await saveModel(model, target);
    await saveModel(model, target);
    model.dispose();
    expect((await readdir(target)).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('names the file when the model is missing, corrupt or its weights are truncated', async () => {
    await expect(loadModel(join(dir, 'nothing-here'))).rejects.toThrow(FileFormatError);
    await expect(loadModel(join(dir, 'nothing-here'))).rejects.toThrow(/nothing-here\/model\.json: cannot read/);
    const target = join(dir, 'truncated');
    const { model } = buildModel(genome, network, { seed: 1 });
    await saveModel(model, target);
    model.dispose();
    await truncate(join(target, WEIGHTS_FILE), 100);
    const baseline = tf.memory().numTensors;
    await expect(loadModel(target)).rejects.toThrow(/weights\.bin: holds 100 bytes, the manifest in model\.json needs \d+/);
    expect(tf.memory().numTensors).toBe(baseline);
    await writeFile(join(target, MODEL_FILE), '{"modelTopology": ');
    await expect(loadModel(target)).rejects.toThrow(/model\.json: not valid JSON/);
  });
});
