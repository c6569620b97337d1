/**
 * Is the native TensorFlow backend installed, does it load, and does it see a GPU? Used by backend
 * selection (`--backend auto`) and `nas doctor`. The only place that imports `@tensorflow/tfjs-node*`.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { InstallStamp, NativeVariant } from './layout.ts';
import { installedVersion, nativeLayout, projectRoot, readStamp } from './layout.ts';

/** Whether one variant's files are in place (without loading it). */
export interface NativeInstallState {
  variant: NativeVariant;
  /** npm package name. */
  packageName: string;
  /** True when the package, its built binding and the TensorFlow library are all present. */
  installed: boolean;
  /** Why not, in words a user can act on; undefined when installed. */
  reason?: string;
  /** The record of the install, when there is one. */
  stamp?: InstallStamp;
}

/** Checks the files of `variant` under `root` (default: this project). Never loads the library. */
export function nativeInstallState(variant: NativeVariant, root: string = projectRoot()): NativeInstallState {
  const layout = nativeLayout(variant, root);
  const base = { variant, packageName: layout.packageName };
  const flag = variant === 'gpu' ? ' --gpu' : '';
  if (installedVersion(root, layout.packageName) === undefined) {
    return { ...base, installed: false, reason: `${layout.packageName} is not installed (run \`nas backend install${flag}\`)` };
  }
  if (!existsSync(layout.bindingFile) || !existsSync(join(layout.libDir, 'libtensorflow.so.2'))) {
    return { ...base, installed: false, reason: `${layout.packageName} has no binding built against TensorFlow's wheel in ${layout.nativeDir} (run \`nas backend install${flag}\`)` };
  }
  if (!layout.links.every(({ link }) => existsSync(link))) {
    return { ...base, installed: false, reason: `${layout.packageName} is not linked to its build in ${layout.nativeDir} (run \`nas backend install${flag}\`; it relinks in seconds)` };
  }
  return { ...base, installed: true, stamp: readStamp(layout) };
}

/** What loading a native package told us. */
export interface NativeRuntime {
  variant: NativeVariant;
  packageName: string;
  /** tfjs-node version. */
  packageVersion: string;
  /** TensorFlow version of the loaded library (TF_Version). */
  tfVersion: string;
  /** True when TensorFlow placed the eager context on a GPU device. */
  usingGpu: boolean;
}

/** The surface of tfjs-node's backend that this module reads. */
interface NodeBackendLike {
  isUsingGpuDevice?: boolean;
  binding?: { TF_Version?: string };
}

/** The surface of the tfjs-node module that this module reads. */
interface TfjsNodeModule {
  version: Record<string, string>;
  findBackend(name: string): unknown;
}

let loaded: NativeRuntime | undefined;

/**
 * Loads the native package of `variant` (registering tfjs' 'tensorflow' backend) and reports what it
 * found. Only one native package can live in a process: once one is loaded, asking for the other throws.
 * Throws with the loader's message when the package is missing or its binding does not load.
 */
export async function loadNative(variant: NativeVariant): Promise<NativeRuntime> {
  const packageName = nativeLayout(variant).packageName;
  if (loaded !== undefined) {
    if (loaded.variant === variant) return loaded;
    throw new Error(`${loaded.packageName} is already loaded in this process; ${packageName} cannot load next to it`);
  }
  const state = nativeInstallState(variant);
  if (!state.installed) throw new Error(state.reason);
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
  // Resolved from the project root, where `nas backend install` put it.
  const require = createRequire(`${projectRoot()}package.json`);
  const mod = require(packageName) as TfjsNodeModule;
  const backend = mod.findBackend('tensorflow') as NodeBackendLike | null;
  loaded = {
    variant,
    packageName,
    packageVersion: mod.version['tfjs-node'] ?? 'unknown',
    tfVersion: backend?.binding?.TF_Version ?? 'unknown',
    usingGpu: backend?.isUsingGpuDevice === true,
  };
  return loaded;
}

/** The runtime loaded by {@link loadNative} in this process, if any. */
export function loadedNative(): NativeRuntime | undefined {
  return loaded;
}

/** Outcome of looking for the best native backend: the runtime, or why each variant was unavailable. */
export interface NativeChoice {
  /** The loaded runtime, when one variant loads. */
  runtime?: NativeRuntime;
  /** Why native TensorFlow with a GPU is not used (undefined when it is). */
  gpuUnavailable?: string;
  /** Why native TensorFlow on CPU is not used (undefined when it, or the GPU variant, is). */
  cpuUnavailable?: string;
}

/**
 * Picks the best native variant: the GPU package when it loads and sees a GPU, else the CPU package, else
 * the GPU package running on CPU. Says why each better option was not taken.
 */
export async function bestNative(): Promise<NativeChoice> {
  const gpuState = nativeInstallState('gpu');
  const cpuState = nativeInstallState('cpu');
  let gpuUnavailable = gpuState.reason;
  if (gpuState.installed && (loaded === undefined || loaded.variant === 'gpu') && !(cpuState.installed && !hasNvidiaGpu())) {
    try {
      const rt = await loadNative('gpu');
      if (rt.usingGpu) return { runtime: rt };
      gpuUnavailable = `${rt.packageName} loaded TensorFlow ${rt.tfVersion} but it sees no GPU`;
      return { runtime: rt, gpuUnavailable };
    } catch (err) {
      gpuUnavailable = `${gpuState.packageName} does not load: ${(err as Error).message.split('\n')[0]}`;
    }
  } else if (gpuState.installed) {
    gpuUnavailable = 'no NVIDIA GPU is visible (no /dev/nvidia0), so the CPU package is used';
  }
  if (!cpuState.installed) return { gpuUnavailable, cpuUnavailable: cpuState.reason };
  try {
    return { runtime: await loadNative('cpu'), gpuUnavailable };
  } catch (err) {
    return { gpuUnavailable, cpuUnavailable: `${cpuState.packageName} does not load: ${(err as Error).message.split('\n')[0]}` };
  }
}

/** True when the machine exposes an NVIDIA device node (a GPU the CUDA build could use). */
export function hasNvidiaGpu(): boolean {
  return existsSync('/dev/nvidia0');
}
