import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';
import { ValidationError } from '../src/core/errors.ts';
import { BackendUnavailableError, selectBackend } from '../src/backends/backend.ts';
import type { BackendName } from '../src/backends/backend.ts';

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('selectBackend', () => {
  it('activates the pure-JavaScript cpu backend', async () => {
    const s = await selectBackend('cpu');
    expect(s).toMatchObject({ requested: 'cpu', backend: 'cpu', skipped: [] });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('activates wasm, whose binaries load from node_modules', async () => {
    const s = await selectBackend('wasm');
    expect(s.backend).toBe('wasm');
    const y = tf.matMul(tf.tensor2d([[1, 2]]), tf.tensor2d([[3], [4]]));
    expect(Array.from(await y.data())).toEqual([11]);
    tf.dispose(y);
  });

  it('takes native TensorFlow when it loads, else fails with what to install', async () => {
    try {
      const s = await selectBackend('tensorflow');
      expect(s.backend).toBe('tensorflow');
    } catch (err) {
      expect(err).toBeInstanceOf(BackendUnavailableError);
      expect((err as Error).message).toMatch(/backend 'tensorflow' is unavailable: tensorflow \(GPU\): .*; tensorflow \(CPU\): /);
      expect((err as Error).message).toMatch(/install/);
    }
  });

  it('with auto, says why each better backend was skipped', async () => {
    const s = await selectBackend('auto');
    expect(['tensorflow', 'wasm', 'cpu']).toContain(s.backend);
    // Every candidate before the chosen one (native GPU, native CPU, wasm) is listed with a reason.
    if (s.backend === 'wasm') expect(s.skipped).toHaveLength(2);
    if (s.backend === 'cpu') expect(s.skipped).toHaveLength(3);
    for (const line of s.skipped) expect(line).toMatch(/^(tensorflow \((GPU|CPU)\)|wasm): .+/);
  });

  it('rejects an unknown name with the accepted ones', async () => {
    await expect(selectBackend('webgl' as BackendName)).rejects.toThrow(ValidationError);
    await expect(selectBackend('webgl' as BackendName)).rejects.toThrow(/accepted: auto, tensorflow, wasm, cpu/);
  });
});
