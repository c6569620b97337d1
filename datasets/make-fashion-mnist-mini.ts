/**
 * Regenerates datasets/fashion-mnist-mini/ from the original Fashion-MNIST IDX files:
 *
 *   npx tsx datasets/make-fashion-mnist-mini.ts [source-dir] [out-dir]
 *
 * source-dir defaults to /usr/share/datasets/fashion-mnist (Debian package `dataset-fashion-mnist`),
 * out-dir to datasets/fashion-mnist-mini next to this script.
 */
import { fileURLToPath } from 'node:url';
import { makeFashionMnistMini } from '../src/data/fashion-mnist-mini.ts';

const source = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';
const out = process.argv[3] ?? fileURLToPath(new URL('./fashion-mnist-mini/', import.meta.url));
const counts = await makeFashionMnistMini(source, out);
console.log(`wrote ${counts.train} training and ${counts.test} test images to ${out}`);
