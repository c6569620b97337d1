/**
 * Backend selection: `tensorflow` (native TensorFlow through tfjs-node, GPU or CPU), `wasm`
 * (@tensorflow/tfjs-backend-wasm) and `cpu` (pure JavaScript). `auto` takes the best one that loads,
 * in the order native GPU, native CPU, wasm, cpu, and records why each better one was unavailable.
 * Each candidate is one small loader below; adding a backend is adding a loader to the list.
 */
import * as tf from '@tensorflow/tfjs';
import { NasError, ValidationError } from '../core/errors.ts';
import { bestNative } from './native/status.ts';

export const BACKEND_NAMES = ['auto', 'tensorflow', 'wasm', 'cpu'] as const;
/** What a user asks for with `--backend`. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** The backend in use after `selectBackend`. */
export interface BackendSelection {
  /** What was asked for. */
  requested: BackendName;
  /** The tfjs backend now active (`tf.getBackend()`): `tensorflow`, `wasm` or `cpu`. */
  backend: string;
  /** A readable description, e.g. `tensorflow (GPU)`, `wasm (simd)`, `cpu (pure JavaScript)`. */
  description: string;
  /** Why each better candidate was not used (empty when the first choice loaded). */
  skipped: string[];
}

/** A backend the selector could not load, with the reason. */
export class BackendUnavailableError extends NasError {}

/** One candidate: loads (registers) its backend and activates it, or throws saying why not. */
interface Candidate {
  /** Label used in messages, e.g. `tensorflow (GPU)`. */
  label: string;
  load(): Promise<string>;
}

async function activate(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend('${name}') failed to initialise`);
  await tf.ready();
}

/**
 * Native TensorFlow through tfjs-node (installed by `nas backend install [--gpu]`): the GPU candidate
 * takes @tensorflow/tfjs-node-gpu only when TensorFlow sees a GPU; the CPU candidate takes
 * @tensorflow/tfjs-node, or the GPU package running on CPU. native/status.ts says why each was unavailable.
 */
function nativeCandidate(device: 'GPU' | 'CPU'): Candidate {
  return {
    label: `tensorflow (${device})`,
    async load() {
      const choice = await bestNative();
      const rt = choice.runtime;
      if (device === 'GPU' && rt?.usingGpu !== true) throw new Error(choice.gpuUnavailable ?? 'TensorFlow sees no GPU');
      if (rt === undefined) throw new Error(choice.cpuUnavailable ?? 'native TensorFlow is not installed (run `nas backend install`)');
      await activate('tensorflow');
      (await import('./native/fused-kernels.ts')).registerNativeTrainingKernels({ gpu: rt.usingGpu });
      return `tensorflow (${device}; TensorFlow ${rt.tfVersion} via ${rt.packageName} ${rt.packageVersion})`;
    },
  };
}

const wasmCandidate: Candidate = {
  label: 'wasm',
  async load() {
    // Registers the wasm backend and the kernels it needs to train convnets (see wasm/index.ts).
    const wasm = await import('./wasm/index.ts');
    wasm.registerWasmTrainingKernels();
    (await import('./pool-grads.ts')).registerPoolGradients();
    await activate('wasm');
    return 'wasm';
  },
};

const cpuCandidate: Candidate = {
  label: 'cpu',
  async load() {
    await activate('cpu');
    return 'cpu (pure JavaScript)';
  },
};

function candidatesFor(name: BackendName): Candidate[] {
  switch (name) {
    case 'auto':
      return [nativeCandidate('GPU'), nativeCandidate('CPU'), wasmCandidate, cpuCandidate];
    case 'tensorflow':
      return [nativeCandidate('GPU'), nativeCandidate('CPU')];
    case 'wasm':
      return [wasmCandidate];
    case 'cpu':
      return [cpuCandidate];
    default:
      throw new ValidationError(`unknown backend '${String(name)}'`, { field: 'backend' }, BACKEND_NAMES.join(', '));
  }
}

/**
 * tfjs's cpu backend prints "install our node backend" on its first use in Node, even when the native
 * backend runs and the cpu backend only holds a constant; `auto` and `nas doctor` say what to install.
 */
export function silenceCpuBanner(): void {
  const cpu = tf.findBackend('cpu') as unknown as { firstUse?: boolean } | null;
  if (cpu) cpu.firstUse = false;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0];
}

/**
 * Activates the backend `name` (default `auto`) and says which one runs. Throws a
 * BackendUnavailableError naming each reason when no candidate loads.
 */
export async function selectBackend(name: BackendName = 'auto'): Promise<BackendSelection> {
  silenceCpuBanner();
  const skipped: string[] = [];
  for (const candidate of candidatesFor(name)) {
    try {
      const description = await candidate.load();
      return { requested: name, backend: tf.getBackend(), description, skipped };
    } catch (err) {
      skipped.push(`${candidate.label}: ${firstLine(err)}`);
    }
  }
  const hint =
    name === 'tensorflow'
      ? '; install the native backend (tfjs-node) or choose --backend wasm or cpu'
      : '';
  throw new BackendUnavailableError(`backend '${name}' is unavailable: ${skipped.join('; ')}${hint}`);
}
