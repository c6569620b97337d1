/**
 * `nas doctor`: which backend runs and why, the versions (tfjs, TensorFlow, CUDA/cuDNN), the GPUs seen,
 * the thread counts, and a short training-throughput probe on the chosen backend.
 */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import type { BackendName } from './backend.ts';
import { selectBackend } from './backend.ts';
import { registerWasmTrainingKernels } from './wasm/index.ts';
import { configureWasmThreads } from './wasm/threads.ts';
import { activeFusedKernels } from './native/fused-kernels.ts';
import { chooseTrainPath } from './native/graph/path.ts';
import type { TrainPathChoice } from './native/graph/path.ts';
import { nativeInstallState, loadedNative } from './native/status.ts';
import type { NativeInstallState } from './native/status.ts';
import { trainingProbe } from './native/throughput.ts';
import type { ProbeResult } from './native/throughput.ts';

/** Options of {@link runDoctor}. */
export interface DoctorOptions {
  /** Backend to select, as `--backend` takes it. Default: auto. */
  backend?: BackendName;
  /** Timed steps of the throughput probe; 0 skips the probe. Default: 5. */
  probeSteps?: number;
  /** Images per probe step. Default: 32. */
  probeBatch?: number;
}

/** One GPU as nvidia-smi lists it. */
export interface GpuInfo {
  name: string;
  memoryMiB: number;
  driver: string;
}

/** Everything `nas doctor` reports. */
export interface DoctorReport {
  backend: { requested: string; active: string; description: string; skipped: string[] };
  versions: { tfjs: string; tfjsNode?: string; tensorflow?: string; cuda?: string; cudnn?: string; nvidiaDriver?: string };
  native: NativeInstallState[];
  gpus: GpuInfo[];
  /** Why no GPU is listed (nvidia-smi missing or failing). */
  gpuNote?: string;
  threads: { cpus: number; tfIntraOp: string; tfInterOp: string; wasm: number; wasmNote: string };
  /** The path training steps take on the chosen backend (one TensorFlow graph, or tfjs eagerly), and why. */
  trainPath: TrainPathChoice;
  /** The fused training kernels the chosen backend uses on the eager path (empty: tfjs's stock gradients). */
  fusedKernels: string[];
  probe?: ProbeResult;
}

/** Runs the checks and, unless `probeSteps` is 0, the throughput probe. */
export async function runDoctor(opts: DoctorOptions = {}): Promise<DoctorReport> {
  const wasm = await configureWasmThreads();
  const selection = await selectBackend(opts.backend ?? 'auto');
  const native = [nativeInstallState('cpu'), nativeInstallState('gpu')];
  const runtime = selection.backend === 'tensorflow' ? loadedNative() : undefined;
  const smi = nvidiaSmi();
  const stamp = native.find((s) => s.variant === runtime?.variant)?.stamp;
  const report: DoctorReport = {
    backend: { requested: selection.requested, active: selection.backend, description: selection.description, skipped: selection.skipped },
    versions: {
      tfjs: tf.version_core,
      tfjsNode: runtime?.packageVersion,
      tensorflow: runtime?.tfVersion,
      cuda: wheelVersion(stamp?.wheels, 'nvidia_cuda_runtime_cu12') ?? smi.cuda,
      cudnn: wheelVersion(stamp?.wheels, 'nvidia_cudnn_cu12'),
      nvidiaDriver: smi.gpus[0]?.driver,
    },
    native,
    gpus: smi.gpus,
    gpuNote: smi.note,
    threads: {
      cpus: cpus().length,
      tfIntraOp: process.env.TF_NUM_INTRAOP_THREADS ?? (runtime ? `${cpus().length} (default: one per logical CPU)` : 'n/a'),
      tfInterOp: process.env.TF_NUM_INTEROP_THREADS ?? (runtime ? `${cpus().length} (default: one per logical CPU)` : 'n/a'),
      wasm: wasm.threads,
      wasmNote: wasm.note,
    },
    trainPath: chooseTrainPath('auto'),
    fusedKernels: [],
  };
  const steps = opts.probeSteps ?? 5;
  // The stock wasm backend lacks convolution gradient kernels; training needs the project's.
  if (selection.backend === 'wasm') registerWasmTrainingKernels();
  report.fusedKernels = activeFusedKernels();
  if (steps > 0) report.probe = await trainingProbe({ steps, batch: opts.probeBatch ?? 32 });
  return report;
}

/** The version part of a wheel file name `<project>-<version>-...whl` from an install stamp. */
function wheelVersion(wheels: string[] | undefined, project: string): string | undefined {
  const hit = wheels?.find((w) => w.startsWith(`${project}-`));
  return hit?.split('-')[1];
}

interface SmiResult {
  gpus: GpuInfo[];
  cuda?: string;
  note?: string;
}

/** GPUs listed by nvidia-smi, when it is installed and answers. */
function nvidiaSmi(): SmiResult {
  const res = spawnSync('nvidia-smi', ['--query-gpu=name,memory.total,driver_version', '--format=csv,noheader,nounits'], { encoding: 'utf8' });
  if (res.error !== undefined) return { gpus: [], note: 'nvidia-smi not found: no NVIDIA driver on this machine' };
  if (res.status !== 0) return { gpus: [], note: `nvidia-smi failed: ${(res.stderr || res.stdout).trim().split('\n')[0] ?? ''}` };
  const gpus = res.stdout.trim().split('\n').filter((l) => l.trim() !== '').map((line) => {
    const [name, mem, driver] = line.split(',').map((s) => s.trim());
    return { name: name ?? '?', memoryMiB: Number(mem), driver: driver ?? '?' };
  });
  const header = spawnSync('nvidia-smi', [], { encoding: 'utf8' });
  const cuda = /CUDA Version:\s*([\d.]+)/.exec(header.stdout ?? '')?.[1];
  return { gpus, cuda: cuda === undefined ? undefined : `${cuda} (driver)` };
}

/** The report as text lines. */
export function formatDoctor(r: DoctorReport): string {
  const lines = [
    `backend: ${r.backend.description} (asked for ${r.backend.requested})`,
    ...r.backend.skipped.map((s) => `  not used: ${s}`),
    `versions: tfjs ${r.versions.tfjs}` +
      (r.versions.tfjsNode ? `, tfjs-node ${r.versions.tfjsNode}` : '') +
      (r.versions.tensorflow ? `, TensorFlow ${r.versions.tensorflow}` : '') +
      (r.versions.cuda ? `, CUDA ${r.versions.cuda}` : '') +
      (r.versions.cudnn ? `, cuDNN ${r.versions.cudnn}` : '') +
      (r.versions.nvidiaDriver ? `, NVIDIA driver ${r.versions.nvidiaDriver}` : ''),
    ...r.native.map((s) => `native ${s.packageName}: ${s.installed ? `installed (TensorFlow ${s.stamp?.tfVersion ?? '?'})` : s.reason ?? ''}`),
    r.gpus.length > 0 ? `GPUs: ${r.gpus.map((g) => `${g.name} (${g.memoryMiB} MiB)`).join(', ')}` : `GPUs: none (${r.gpuNote ?? ''})`,
    `threads: ${r.threads.cpus} CPUs; TensorFlow intra-op ${r.threads.tfIntraOp}, inter-op ${r.threads.tfInterOp}; ` +
      `wasm ${r.threads.wasm} (${r.threads.wasmNote})`,
    `training path: ${r.trainPath.path} (${r.trainPath.reason})`,
    `fused training kernels (eager path): ${r.fusedKernels.length > 0 ? r.fusedKernels.join(', ') : 'none (tfjs\'s stock gradients)'}`,
  ];
  if (r.probe) {
    const p = r.probe;
    lines.push(`probe: ${p.imagesPerSecond.toFixed(1)} images/s training a ${p.params}-parameter conv net on ${p.backend} with tfjs's model.fit ` +
      `(${p.size}x${p.size}x3, batch ${p.batch}, ${p.steps} steps, ${(p.secondsPerStep * 1000).toFixed(1)} ms/step)`);
  }
  return `${lines.join('\n')}\n`;
}
