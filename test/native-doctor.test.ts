import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { formatDoctor, runDoctor } from '../src/backends/doctor.ts';
import { nativeInstallState } from '../src/backends/native/status.ts';

const native = nativeInstallState('cpu');

describe('nas doctor', () => {
  it('names the backend auto picked, why better ones were not used, and measures a training probe', async () => {
    await tf.setBackend('cpu');
    const before = tf.memory().numTensors;
    const report = await runDoctor({ probeSteps: 1, probeBatch: 4 });
    expect(report.backend.requested).toBe('auto');
    expect(report.backend.active).toBe(tf.getBackend());
    if (native.installed) {
      // Native TensorFlow on CPU wins; the GPU candidate is skipped with its reason.
      expect(report.backend.active).toBe('tensorflow');
      expect(report.versions.tensorflow).toBe(native.stamp?.tfVersion);
      expect(report.threads.tfIntraOp).not.toBe('n/a');
      expect(report.fusedKernels).toEqual(['batch norm (fused forward and gradient)', 'ReLU gradient (ReluGrad)', 'max-pool gradient (oneDNN)']);
    } else {
      expect(['wasm', 'cpu']).toContain(report.backend.active);
      expect(report.backend.skipped.join('\n')).toMatch(/tensorflow \(CPU\): .*nas backend install/);
    }
    expect(report.backend.skipped.join('\n')).toMatch(/tensorflow \(GPU\): /);
    expect(report.versions.tfjs).toBe(tf.version_core);
    expect(report.threads.cpus).toBeGreaterThan(0);
    expect(report.probe?.backend).toBe(report.backend.active);
    expect(report.probe?.imagesPerSecond).toBeGreaterThan(0);
    expect(Number.isFinite(report.probe?.loss)).toBe(true);
    expect(tf.memory().numTensors).toBe(before);
    const text = formatDoctor(report);
    expect(text).toMatch(/^backend: /);
    expect(text).toMatch(/\nGPUs: /);
    expect(text).toMatch(/\nfused training kernels \(eager path\): /);
    expect(report.trainPath.path).toBe(native.installed ? 'graph' : 'eager');
    expect(text).toMatch(native.installed ? /\ntraining path: graph \(native TensorFlow runs each training step as one graph/ : /\ntraining path: eager \(the (wasm|cpu) backend has no TensorFlow session runtime/);
    expect(text).toMatch(/\nprobe: [\d.]+ images\/s/);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('reports the backend asked for', async () => {
    const report = await runDoctor({ backend: 'cpu', probeSteps: 0 });
    expect(report.backend.active).toBe('cpu');
    expect(report.probe).toBeUndefined();
    expect(report.fusedKernels).toEqual([]);
    expect(formatDoctor(report)).toMatch(/\nfused training kernels \(eager path\): none \(tfjs's stock gradients\)/);
    expect(report.trainPath).toEqual({ path: 'eager', reason: 'the cpu backend has no TensorFlow session runtime, so tfjs runs each step kernel by kernel' });
  });
});
