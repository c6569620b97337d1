/**
 * The ConfigProto of nas's graph sessions. On CPU Grappler is off: measured on the reference children,
 * its passes change nothing in these graphs that matters at run time (the oneDNN layout and fusion
 * rewrites are a separate graph pass, which stays), while they cost about a second of CPU per child
 * before its first step (NAS-Bench-201) and two (NASNet). On a GPU it stays on (its layout optimiser puts
 * convolutions in cuDNN's NCHW) and GPU memory is allocated as needed instead of all at once.
 */
import { tfGraphProto } from './graph-def.ts';

/** Options of {@link sessionConfigBytes}. */
export interface SessionConfigOptions {
  /** The session runs on a GPU (memory then grows as needed). Default false. */
  gpu?: boolean;
  /** Run Grappler's passes. Default: on with a GPU, off on CPU. */
  grappler?: boolean;
}

/** The serialised ConfigProto of a session. */
export function sessionConfigBytes(options: SessionConfigOptions = {}): Uint8Array {
  const type = tfGraphProto().lookupType('tensorflow.ConfigProto');
  const gpu = options.gpu ?? false;
  const config = {
    ...(gpu ? { gpuOptions: { allowGrowth: true } } : {}),
    ...((options.grappler ?? gpu) ? {} : { graphOptions: { rewriteOptions: { disableMetaOptimizer: true } } }),
  };
  return type.encode(type.fromObject(config)).finish();
}
