import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { renderBar } from '../src/cli/step-bar.ts';
import { NASNET_OPS } from '../src/genome/types.ts';
import { loadModel } from '../src/model/file-io.ts';
import { writeCifar10Fixture } from './helpers/fixtures.ts';
import { nas } from './helpers/run-cli.ts';

const tmp = mkdtempSync(join(tmpdir(), 'nas-cli-train-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const CIFAR_DIR = writeCifar10Fixture(join(tmp, 'cifar-10-batches-bin'));


function write(name: string, content: unknown): string {
  const file = join(tmp, name);
  writeFileSync(file, JSON.stringify(content));
  return file;
}

const space = write('tiny-nasnet.json', {
  type: 'nasnet-cell', name: 'tiny-nasnet', ops: NASNET_OPS, blocks: 2, cellsPerStack: 1, stacks: 2, initialFilters: 2,
});
const genome = write('genome.json', {
  kind: 'nasnet',
  normal: { blocks: [{ inputs: [0, 1], ops: ['sep_conv_3x3', 'identity'] }, { inputs: [2, 0], ops: ['max_pool_3x3', 'avg_pool_3x3'] }] },
  reduction: { blocks: [{ inputs: [1, 0], ops: ['identity', 'avg_pool_3x3'] }, { inputs: [2, 1], ops: ['max_pool_3x3', 'identity'] }] },
});
const common = ['--space', space, '--batch-size', '10', '--backend', 'cpu', '--json'];

const lastJSON = (out: string): Record<string, unknown> => JSON.parse(out.trim().split('\n').pop() as string) as Record<string, unknown>;

describe('nas train', () => {
  it('trains a genome file on the Fashion-MNIST slice, prints epochs and accuracy, saves a loadable model', async () => {
    const dir = join(tmp, 'saved');
    const r = await nas('train', ...common, '--epochs', '1', '--genome', genome, '--limit', '30', '--seed', '4', '--save', dir);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^epoch 1\/1: loss \d+\.\d{4}, accuracy \d\.\d{4}, lr /m);
    expect(r.out).toMatch(/^validation accuracy \d\.\d{4}$/m);
    expect(r.err).toMatch(/space tiny-nasnet, genome [0-9a-f]{16}, seed 4: .* params/);
    expect(r.err).toMatch(/Fashion-MNIST mini .*: \d+ train, \d+ validation images of 28x28x1, 10 classes/);
    const json = lastJSON(r.out);
    expect(json).toMatchObject({ status: 'ok', backend: 'cpu', space: 'tiny-nasnet', savedTo: dir });
    for (const key of ['valAccuracy', 'trainSeconds', 'imagesPerSecond', 'params', 'madds']) expect(typeof json[key]).toBe('number');
    expect(existsSync(join(dir, 'model.json')) && existsSync(join(dir, 'weights.bin'))).toBe(true);
    const model = await loadModel(dir);
    expect(model.countParams()).toBe(json.params);
    const y = model.predict(tf.zeros([1, 28, 28, 1])) as tf.Tensor;
    expect(y.shape).toEqual([1, 10]);
    tf.dispose(y);
    model.dispose();
  });

  it('draws the same random genome and numbers for the same seed, on CIFAR-10 files', async () => {
    const args = ['train', ...common, '--epochs', '1', '--genome', 'random', '--dataset', `cifar10:${CIFAR_DIR}`, '--limit', '20', '--seed', '9'];
    const a = lastJSON((await nas(...args)).out);
    const b = lastJSON((await nas(...args)).out);
    expect(a.status).toBe('ok');
    expect(a.hash).toBe(b.hash);
    expect(a.valAccuracy).toBe(b.valAccuracy);
    expect(a.epochs).toHaveLength(1);
    expect((a.epochs as Array<{ loss: number }>)[0].loss).toBe((b.epochs as Array<{ loss: number }>)[0].loss);
  });

  it('rejects bad options with the accepted values', async () => {
    const bad = await nas('train', ...common, '--genome', genome, '--epochs', '0');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--epochs: got 0, out of range; accepted: an integer from 1 to 10000/);
    const opt = await nas('train', ...common, '--genome', genome, '--optimizer', 'rmsprop');
    expect(opt.code).toBe(2);
    expect(opt.err).toMatch(/sgd.*adam/);
    const missing = await nas('train', ...common, '--genome', join(tmp, 'nope.json'));
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/nope\.json: cannot read/);
  });

  it('says which training path ran and why; refuses the graph path on a backend without graphs', async () => {
    const r = await nas('train', ...common, '--genome', genome, '--limit', '20', '--seed', '2');
    expect(r.err).toMatch(/^training path eager: the cpu backend has no TensorFlow session runtime/m);
    expect(r.out).toMatch(/images\/s on cpu \(pure JavaScript\), eager path$/m);
    expect(lastJSON(r.out).trainPath).toBe('eager');
    const graph = await nas('train', ...common, '--genome', genome, '--limit', '20', '--train-path', 'graph');
    expect(graph.code).toBe(1);
    expect(graph.err).toMatch(/field 'trainPath': training as a graph needs native TensorFlow: the cpu backend has no TensorFlow session runtime/);
    const bad = await nas('train', ...common, '--genome', genome, '--train-path', 'fast');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/auto.*graph.*eager/);
  });

  it('draws a progress bar line', () => {
    expect(renderBar(3, 12, 8, 'epoch 1/2', 'loss 0.5')).toBe('epoch 1/2 [##......] 3/12 loss 0.5');
  });
});
