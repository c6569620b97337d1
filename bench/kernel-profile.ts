/**
 * Where a training step's time goes: one step of a reference child (bench/reference-children.ts) under
 * tf.profile, kernel times summed by kernel name, largest first, with the step's own wall time and peak
 * tensor memory. Kernels that call other kernels (e.g. an op wrapping FusedConv2D) count both, so shares
 * can add up to a little more than 100%. `--stock` unregisters the native fused training kernels first,
 * which shows the step as tfjs computes it out of the box.
 *
 *   npx tsx bench/kernel-profile.ts [--model nasnet|nb201] [--backend tensorflow|wasm|cpu] [--batch 64]
 *        [--top 25] [--stock]
 */
import * as tf from '@tensorflow/tfjs';
import { selectBackend } from '../src/backends/backend.ts';
import type { BackendName } from '../src/backends/backend.ts';
import { buildModel } from '../src/model/builder.ts';
import { unregisterNativeTrainingKernels } from '../src/backends/native/fused-kernels.ts';
import { referenceChildren } from './reference-children.ts';
import { flagArg, numberArg, stringArg } from './args.ts';

const modelName = stringArg('model', 'nasnet');
const backend = stringArg('backend', 'tensorflow') as BackendName;
const batch = numberArg('batch', 64);
const top = numberArg('top', 25);
const stock = flagArg('stock');

const sel = await selectBackend(backend);
if (stock) unregisterNativeTrainingKernels();
const ref = referenceChildren().find((r) => r.name === modelName);
if (ref === undefined) throw new Error(`--model must be nasnet or nb201, got '${modelName}'`);
const built = buildModel(ref.genome, ref.network, { seed: 1 });
const logits = tf.model({ inputs: built.model.inputs, outputs: built.model.getLayer(built.plan.logits).output as tf.SymbolicTensor });
const x = tf.randomUniform([batch, 32, 32, 3], 0, 1, 'float32', 7);
const y = tf.tidy(() => tf.oneHot(tf.tensor1d(Array.from({ length: batch }, (_, i) => i % 10), 'int32'), 10));
const optimizer = tf.train.momentum(0.01, 0.9, true);
const step = (): tf.Scalar => optimizer.minimize(() =>
  tf.losses.softmaxCrossEntropy(y, logits.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true) as tf.Scalar;

tf.dispose(step()); // warm-up
const start = performance.now();
const repeats = 2;
for (let i = 0; i < repeats; i++) {
  const loss = step();
  await loss.data();
  loss.dispose();
}
const stepMs = (performance.now() - start) / repeats;
const profile = await tf.profile(() => { tf.dispose(step()); });
const byName = new Map<string, { calls: number; ms: number }>();
for (const k of profile.kernels) {
  const ms = Number(await (k.kernelTimeMs as number | Promise<number>));
  const entry = byName.get(k.name) ?? { calls: 0, ms: 0 };
  entry.calls++;
  entry.ms += ms;
  byName.set(k.name, entry);
}
console.log(`${ref.name} on ${sel.description}${stock ? ', stock tfjs kernels' : ''}; batch ${batch}`);
console.log(`step ${stepMs.toFixed(0)} ms (${((1000 * batch) / stepMs).toFixed(1)} img/s), ${profile.kernels.length} kernel calls, ` +
  `peak ${(profile.peakBytes / 2 ** 20).toFixed(0)} MiB`);
console.log('kernel                                   calls   total ms   share');
for (const [name, e] of [...byName].sort((a, b) => b[1].ms - a[1].ms).slice(0, top)) {
  console.log(`${name.padEnd(40)} ${String(e.calls).padStart(5)} ${e.ms.toFixed(1).padStart(10)} ${((100 * e.ms) / stepMs).toFixed(1).padStart(6)}%`);
}
tf.dispose([x, y]);
optimizer.dispose();
built.model.dispose();
