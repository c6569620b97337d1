/**
 * Where the native TensorFlow backend lives and which TensorFlow build it uses.
 *
 * `@tensorflow/tfjs-node` 4.x builds its N-API binding against `deps/include` and links it to
 * `deps/lib/libtensorflow.so` + `libtensorflow_framework.so` inside its own package folder. We fill that
 * folder from TensorFlow's official Python wheels on PyPI (the C API is exported by the wheel's
 * `libtensorflow_cc.so.2`), so nothing comes from anywhere but a package registry.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `cpu`: `@tensorflow/tfjs-node` + `tensorflow-cpu`; `gpu`: `@tensorflow/tfjs-node-gpu` + `tensorflow` (CUDA). */
export type NativeVariant = 'cpu' | 'gpu';

/**
 * The TensorFlow release whose C API the tfjs-node 4.22 binding builds and runs against. 2.15.1 is the
 * newest release checked end to end (binding built, conv nets trained, gradients compared with tfjs' cpu
 * backend); its wheels export every `TF_*`/`TFE_*` symbol the binding calls from `libtensorflow_cc.so.2`,
 * and its CUDA build is the last one on CUDA 12.2 + cuDNN 8.9.
 */
export const TF_VERSION = '2.15.1';

/** The wheels carry libraries that do not depend on Python; these tags pick one wheel on any host. */
export const WHEEL_PYTHON_VERSION = '3.11';
export const WHEEL_PLATFORMS = ['manylinux2014_x86_64', 'manylinux_2_17_x86_64', 'manylinux_2_28_x86_64'];

/**
 * CUDA libraries the `tensorflow` 2.15.1 wheel's `and-cuda` extra pins (from its METADATA), minus the
 * compiler (nvcc) and NCCL, which a single-GPU tfjs process does not load.
 */
export const CUDA_WHEELS_2_15: readonly string[] = [
  'nvidia-cublas-cu12==12.2.5.6',
  'nvidia-cuda-cupti-cu12==12.2.142',
  'nvidia-cuda-nvrtc-cu12==12.2.140',
  'nvidia-cuda-runtime-cu12==12.2.140',
  'nvidia-cudnn-cu12==8.9.4.25',
  'nvidia-cufft-cu12==11.0.8.103',
  'nvidia-curand-cu12==10.3.3.141',
  'nvidia-cusolver-cu12==11.5.2.141',
  'nvidia-cusparse-cu12==12.1.2.141',
  'nvidia-nvjitlink-cu12==12.2.140',
];

/** The npm package that holds the binding for a variant. */
export function nativePackageName(variant: NativeVariant): string {
  return variant === 'gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
}

/** The PyPI project that carries the TensorFlow libraries for a variant. */
export function wheelProject(variant: NativeVariant): string {
  return variant === 'gpu' ? 'tensorflow' : 'tensorflow-cpu';
}

/** The package root of this project (the folder holding package.json and node_modules). */
export function projectRoot(): string {
  return fileURLToPath(new URL('../../../', import.meta.url));
}

/** Every path the installer reads or writes, for one variant. */
export interface NativeLayout {
  /** Project root; npm installs into its node_modules. */
  root: string;
  /** npm package name (`@tensorflow/tfjs-node` or `-gpu`). */
  packageName: string;
  /** node_modules/<package>. */
  packageDir: string;
  /**
   * <root>/.native/<tfjs-node|tfjs-node-gpu>: the libraries and the built binding live here, outside
   * node_modules, so `npm ci` or npm's pruning of the package costs a relink, not a rebuild.
   */
  nativeDir: string;
  /** <nativeDir>/deps: headers in include/, libraries in lib/, CUDA libraries in nvidia/. */
  depsDir: string;
  /** <nativeDir>/deps/lib. */
  libDir: string;
  /** <nativeDir>/deps/include. */
  includeDir: string;
  /** Folder of the built binding (node-gyp's `module_path`): <nativeDir>/lib/napi-v8. */
  bindingDir: string;
  /** <bindingDir>/tfjs_binding.node. */
  bindingFile: string;
  /**
   * Symlinks inside the package pointing into nativeDir: <package>/deps (where binding.gyp takes headers
   * and libraries) and <package>/lib (where tfjs-node's loader, node-pre-gyp `find`, looks for the binding).
   */
  links: ReadonlyArray<{ link: string; target: string }>;
  /** JSON stamp written after a verified install (see {@link InstallStamp}). */
  stampFile: string;
  /** Download cache for wheels: <root>/.native/wheels (ignored by git). */
  wheelDir: string;
}

/** The N-API version tfjs-node 4.22 builds for: the highest in its package.json list that Node 20 offers. */
export const NAPI_BUILD_VERSION = 8;

/** Paths for `variant` under `root` (default: this project). */
export function nativeLayout(variant: NativeVariant, root: string = projectRoot()): NativeLayout {
  const packageName = nativePackageName(variant);
  const packageDir = join(root, 'node_modules', ...packageName.split('/'));
  const nativeDir = join(root, '.native', packageName.split('/')[1] ?? packageName);
  const depsDir = join(nativeDir, 'deps');
  const bindingDir = join(nativeDir, 'lib', `napi-v${NAPI_BUILD_VERSION}`);
  return {
    root,
    packageName,
    packageDir,
    nativeDir,
    depsDir,
    libDir: join(depsDir, 'lib'),
    includeDir: join(depsDir, 'include'),
    bindingDir,
    bindingFile: join(bindingDir, 'tfjs_binding.node'),
    links: [
      { link: join(packageDir, 'deps'), target: depsDir },
      { link: join(packageDir, 'lib'), target: join(nativeDir, 'lib') },
    ],
    stampFile: join(nativeDir, 'nas-native.json'),
    wheelDir: join(root, '.native', 'wheels'),
  };
}

/** What a verified install recorded in {@link NativeLayout.stampFile}. */
export interface InstallStamp {
  /** cpu or gpu. */
  variant: NativeVariant;
  /** TensorFlow version of the libraries in deps/lib. */
  tfVersion: string;
  /** Version of the npm package the binding was built in. */
  packageVersion: string;
  /** Node.js version and N-API version the binding was built with. */
  node: string;
  napi: number;
  /** Wheel files the libraries came from. */
  wheels: string[];
  /** ISO time of the install. */
  installedAt: string;
}

/** The stamp of a finished install, or undefined when there is none or it cannot be read. */
export function readStamp(layout: NativeLayout): InstallStamp | undefined {
  if (!existsSync(layout.stampFile)) return undefined;
  try {
    return JSON.parse(readFileSync(layout.stampFile, 'utf8')) as InstallStamp;
  } catch {
    return undefined;
  }
}

/** Version field of an installed package's package.json, or undefined when it is not installed. */
export function installedVersion(root: string, packageName: string): string | undefined {
  const file = join(root, 'node_modules', ...packageName.split('/'), 'package.json');
  if (!existsSync(file)) return undefined;
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { version?: string };
  return parsed.version;
}
