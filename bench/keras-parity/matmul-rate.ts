/**
 * The reference arithmetic rate of bench/keras-parity.ts: a 2048 x 2048 float32 matrix product through
 * TensorFlow (tfjs-node), the densest work its CPU kernels do. Prints one JSON line: multiply-adds (in
 * billions) per CPU-second of the process and per second of wall-clock time.
 *
 *   node --import tsx bench/keras-parity/matmul-rate.ts [--size 2048] [--repeats 10]
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../../src/backends/backend.ts';
import { numberArg } from '../args.ts';

const n = numberArg('size', 2048);
const repeats = numberArg('repeats', 10);
await selectBackend('tensorflow');
const a = tf.randomUniform([n, n], -1, 1, 'float32', 1);
const b = tf.randomUniform([n, n], -1, 1, 'float32', 2);
tf.matMul(a, b).dispose();
const cpu = process.cpuUsage();
const start = performance.now();
for (let i = 0; i < repeats; i++) {
  const c = tf.matMul(a, b);
  c.dataSync();
  c.dispose();
}
const u = process.cpuUsage(cpu);
const macs = (repeats * n ** 3) / 1e9;
tf.dispose([a, b]);
console.log(JSON.stringify({ gmac_cpu: macs / ((u.user + u.system) / 1e6), gmac_wall: macs / ((performance.now() - start) / 1000) }));
