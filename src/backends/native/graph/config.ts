/**
 * The ConfigProto of nas's graph sessions. On CPU Grappler is off: measured on the reference children,
 * its passes change nothing in these graphs that matters at run time (the oneDNN layout and fusion
 * rewrites are a separate graph pass, which stays), while they cost about a second of CPU per child
 * before its first step (NAS-Bench-201) and two (NASNet). On a GPU it stays on (its layout optimiser puts
 * convolutions in cuDNN's NCHW) and GPU memory is allocated as needed instead of all at once. `'remapper'`
 * runs Grappler's remapper alone, once (it fuses a training batch norm with the ReLU after it), for
 * measuring it against the graph builder's own fusions.
 */
import { tfGraphProto } from './graph-def.ts';

/** Which of Grappler's passes a session runs: all of them, none, or only the remapper. */
export type GrapplerChoice = boolean | 'remapper';

/** Options of {@link sessionConfigBytes}. */
export interface SessionConfigOptions {
  /** The session runs on a GPU (memory then grows as needed). Default false. */
  gpu?: boolean;
  /** Grappler's passes: `true` all, `false` none, `'remapper'` the remapper alone, once. Default: all with a GPU, none on CPU. */
  grappler?: GrapplerChoice;
  /**
   * Threads running independent operations of a step side by side (ConfigProto's
   * inter_op_parallelism_threads; TensorFlow reads it from the first session of a process, whose pool the
   * later ones share). Default 0: TensorFlow's choice, the number of cores.
   */
  interOpThreads?: number;
}

/** Grappler's passes that are on unless turned off (RewriterConfig's toggles), all turned off but the remapper. */
const OFF = 2;
const ON = 1;
const REMAPPER_ONLY = {
  layoutOptimizer: OFF, constantFolding: OFF, arithmeticOptimization: OFF, dependencyOptimization: OFF, loopOptimization: OFF,
  functionOptimization: OFF, debugStripper: OFF, shapeOptimization: OFF, scopedAllocatorOptimization: OFF, pinToHostOptimization: OFF,
  implementationSelector: OFF, commonSubgraphElimination: OFF, usePluginOptimizers: OFF, remapping: ON,
  disableModelPruning: true, memoryOptimization: 1, metaOptimizerIterations: 1,
};

function rewriteOptions(grappler: GrapplerChoice): object | undefined {
  if (grappler === 'remapper') return REMAPPER_ONLY;
  return grappler ? undefined : { disableMetaOptimizer: true };
}

/** The serialised ConfigProto of a session. */
export function sessionConfigBytes(options: SessionConfigOptions = {}): Uint8Array {
  const type = tfGraphProto().lookupType('tensorflow.ConfigProto');
  const gpu = options.gpu ?? false;
  const rewrite = rewriteOptions(options.grappler ?? gpu);
  const config = {
    ...(options.interOpThreads !== undefined && options.interOpThreads > 0 ? { interOpParallelismThreads: options.interOpThreads } : {}),
    ...(gpu ? { gpuOptions: { allowGrowth: true } } : {}),
    ...(rewrite === undefined ? {} : { graphOptions: { rewriteOptions: rewrite } }),
  };
  return type.encode(type.fromObject(config)).finish();
}

/**
 * Whether the loaded TensorFlow runs its oneDNN graph rewrites and kernels: on by default on x86-64
 * Linux, off when TF_ENABLE_ONEDNN_OPTS is 0 or false or TF_DISABLE_MKL is 1 (TensorFlow reads them once,
 * when it loads). Some fused kernels (a training batch norm with its ReLU) exist only there.
 */
export function oneDnnKernels(env: NodeJS.ProcessEnv = process.env): boolean {
  const opts = (env.TF_ENABLE_ONEDNN_OPTS ?? '').trim().toLowerCase();
  if (opts === '0' || opts === 'false' || env.TF_DISABLE_MKL === '1') return false;
  return opts === '1' || opts === 'true' || (process.arch === 'x64' && process.platform === 'linux');
}
