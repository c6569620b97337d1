/**
 * Builds tfjs-node's N-API binding with node-gyp against the libraries in deps/lib and the local Node.js
 * headers, then checks that it loads and trains in a fresh Node process.
 */
import { existsSync, lstatSync, readlinkSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { NativeLayout } from './layout.ts';
import { NAPI_BUILD_VERSION } from './layout.ts';
import { checkCompiler, NativeInstallError, nodeGypCommand, nodeHeadersDir, runTool, unresolvedLibraries } from './tools.ts';

/**
 * Library names the binding and tfjs-node's scripts look for, each pointing at a file from the wheel.
 * binding.gyp links `-ltensorflow -ltensorflow_framework`; the wheel's C API lives in libtensorflow_cc.so.2
 * (soname libtensorflow_cc.so.2, so the built binding records that name and finds it through its rpath
 * `$ORIGIN/../../deps/lib`). `libtensorflow.so.2.9.1` is the file tfjs-node's own install script checks
 * before it would download anything, so a later `npm rebuild` does not try the unreachable host.
 */
const LINKS: ReadonlyArray<readonly [string, string]> = [
  ['libtensorflow.so.2', 'libtensorflow_cc.so.2'],
  ['libtensorflow.so', 'libtensorflow.so.2'],
  ['libtensorflow_framework.so', 'libtensorflow_framework.so.2'],
  ['libtensorflow.so.2.9.1', 'libtensorflow.so.2'],
  ['libtensorflow_framework.so.2.9.1', 'libtensorflow_framework.so.2'],
];

/** Creates the library-name symlinks in deps/lib (replacing any stale ones). */
export function linkLibraries(layout: NativeLayout): void {
  for (const [name, target] of LINKS) {
    const path = join(layout.libDir, name);
    if (existsSync(path) || isLink(path)) rmSync(path, { force: true });
    symlinkSync(target, path);
  }
}

/**
 * Points the package's deps/ and lib/ at the native folder (relative symlinks), replacing whatever npm
 * left there. Returns true when a link had to be (re)made.
 */
export function linkPackage(layout: NativeLayout): boolean {
  let changed = false;
  for (const { link, target } of layout.links) {
    if (isLink(link) && resolve(dirname(link), readlinkSync(link)) === resolve(target)) continue;
    rmSync(link, { recursive: true, force: true });
    symlinkSync(relative(dirname(link), target), link);
    changed = true;
  }
  return changed;
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Runs `node-gyp rebuild` in the package folder with the local Node.js headers; throws on failure. */
export async function buildBinding(layout: NativeLayout, log: (line: string) => void): Promise<void> {
  checkCompiler();
  const nodedir = nodeHeadersDir();
  const gyp = nodeGypCommand();
  log(`building the binding with node-gyp (Node headers from ${join(nodedir, 'include', 'node')})`);
  const args = [...gyp.args, 'rebuild', `--nodedir=${nodedir}`, '--module_name=tfjs_binding',
    `--module_path=${layout.bindingDir}`, `--napi_build_version=${NAPI_BUILD_VERSION}`, '-j', 'max'];
  const res = await runTool(gyp.cmd, args, { cwd: layout.packageDir });
  if (res.code !== 0 || !existsSync(layout.bindingFile)) {
    throw new NativeInstallError(`node-gyp could not build ${layout.packageName}'s binding (exit ${res.code}).\n${res.tail.trim()}`);
  }
  const missing = unresolvedLibraries(layout.bindingFile);
  if (missing.length > 0) {
    throw new NativeInstallError(`the built binding ${layout.bindingFile} cannot resolve ${missing.join(', ')} (ldd)`);
  }
}

/** What the fresh-process check saw. */
export interface VerifyResult {
  /** TensorFlow version the binding reports (TF_Version). */
  tfVersion: string;
  /** Loss after two training steps of a tiny conv net; finite when the backend trains. */
  loss: number;
}

const VERIFY_JS = `
const tf = require(process.argv[1]);
const m = tf.sequential();
m.add(tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu' }));
m.add(tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same' }));
m.add(tf.layers.globalAveragePooling2d({}));
m.add(tf.layers.dense({ units: 2, activation: 'softmax' }));
m.compile({ optimizer: tf.train.sgd(0.1), loss: 'categoricalCrossentropy' });
const x = tf.ones([4, 8, 8, 3]);
const y = tf.oneHot(tf.tensor1d([0, 1, 0, 1], 'int32'), 2);
m.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 }).then((h) => {
  const out = { backend: tf.getBackend(), tfVersion: tf.backend().binding.TF_Version, loss: h.history.loss[1] };
  process.stdout.write('NAS_VERIFY ' + JSON.stringify(out) + '\\n');
});
`;

/** Loads the package in a fresh Node process and trains two steps of a conv net on it. */
export async function verifyBinding(layout: NativeLayout): Promise<VerifyResult> {
  const res = await runTool(process.execPath, ['-e', VERIFY_JS, layout.packageName], {
    cwd: layout.root,
    env: { TF_CPP_MIN_LOG_LEVEL: '2' },
  });
  const line = res.tail.split('\n').find((l) => l.startsWith('NAS_VERIFY '));
  if (res.code !== 0 || line === undefined) {
    throw new NativeInstallError(`${layout.packageName} does not load or train after the build (exit ${res.code}).\n${res.tail.trim()}`);
  }
  const parsed = JSON.parse(line.slice('NAS_VERIFY '.length)) as { backend: string; tfVersion: string; loss: number };
  if (parsed.backend !== 'tensorflow' || !Number.isFinite(parsed.loss)) {
    throw new NativeInstallError(`${layout.packageName} loaded but backend is '${parsed.backend}' and loss ${parsed.loss}`);
  }
  return { tfVersion: parsed.tfVersion, loss: parsed.loss };
}
