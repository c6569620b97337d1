/**
 * One GPU per worker process. Without help, every process that loads TensorFlow claims every GPU it can see
 * and nearly all of their memory, so K processes on one box fight over the same cards. A worker process is
 * given one GPU through CUDA_VISIBLE_DEVICES (it then sees that card alone, as device 0) and
 * TF_FORCE_GPU_ALLOW_GROWTH=true (TensorFlow takes memory as it needs it instead of all at once), so two
 * processes may also share a card when there are more processes than GPUs.
 */
import { spawnSync } from 'node:child_process';
import { ValidationError } from '../core/errors.ts';

/** What `--gpus` accepts, for error messages. */
export const GPUS_ACCEPTED = "'all' (every GPU nvidia-smi lists) or a comma-separated list of GPU indices or UUIDs, e.g. 0,1,3";

/** The GPUs nvidia-smi lists, as indices ('0', '1', ...); throws when nvidia-smi is missing or lists none. */
export function listGpus(): string[] {
  const r = spawnSync('nvidia-smi', ['--query-gpu=index', '--format=csv,noheader'], { encoding: 'utf8', timeout: 20_000 });
  if (r.error || r.status !== 0) {
    const why = r.error ? r.error.message : (r.stderr || r.stdout || `exit code ${r.status}`).trim();
    throw new ValidationError(`'all' needs nvidia-smi to list the GPUs, and it could not (${why})`, { field: '--gpus' }, GPUS_ACCEPTED);
  }
  const gpus = r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  if (gpus.length === 0) throw new ValidationError("'all': nvidia-smi lists no GPU", { field: '--gpus' }, GPUS_ACCEPTED);
  return gpus;
}

/**
 * Parses `--gpus`: `all` (asks `list`, nvidia-smi by default) or a list such as `0,1,3` or `GPU-8f2c...`.
 * Repeated or empty entries are refused.
 */
export function parseGpus(value: string, list: () => string[] = listGpus): string[] {
  const text = value.trim();
  if (text === 'all') return list();
  const gpus = text.split(',').map((s) => s.trim());
  for (const gpu of gpus) {
    if (!/^(\d+|(GPU|MIG)-[0-9A-Za-z/-]+)$/.test(gpu)) throw new ValidationError(`'${gpu}' in '${value}' is not a GPU`, { field: '--gpus' }, GPUS_ACCEPTED);
  }
  const seen = new Set<string>();
  for (const gpu of gpus) {
    if (seen.has(gpu)) throw new ValidationError(`GPU ${gpu} is listed twice in '${value}'`, { field: '--gpus' }, GPUS_ACCEPTED);
    seen.add(gpu);
  }
  return gpus;
}

/** The GPU of worker slot `slot` (slots take the GPUs in turn), or undefined without GPUs. */
export function gpuOfSlot(gpus: readonly string[] | undefined, slot: number): string | undefined {
  return gpus && gpus.length > 0 ? gpus[slot % gpus.length] : undefined;
}

/** The environment that gives a process `gpu` alone, with memory growth. */
export function gpuEnvironment(gpu: string): Record<string, string> {
  return { CUDA_VISIBLE_DEVICES: gpu, TF_FORCE_GPU_ALLOW_GROWTH: 'true' };
}
