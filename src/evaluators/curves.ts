/**
 * The learning-curve objective (`--objective curves`): synthetic training runs whose every epoch takes
 * microseconds, for testing and benchmarking multi-fidelity strategies. No tfjs.
 *
 * Each configuration has a learning curve from one fixed parametric family: after epoch t its accuracy is
 * y(t) = A - (A - 0.1) exp(-t / tau), computed epoch by epoch as y(t) = A - (A - y(t-1)) exp(-1 / tau), so
 * that a configuration changed between epochs (PBT) carries its accuracy over. A (the accuracy it tends to,
 * 0.1 to 0.95) and tau (1 to 12 epochs) are smooth functions of the configuration's encoding u in [0, 1]^d:
 * A = 0.1 + 0.85 exp(-|u - c|^2 / (0.05 d)) around fixed centres c, and tau follows a sine across two
 * coordinates, so configurations that learn fast are not the ones that end best. What the strategy
 * observes after epoch t is y(t) plus Gaussian noise (sd `noise`) drawn from the lineage's seed and t,
 * so a continued evaluation observes exactly what one trained straight through would. The noise-free
 * y(T) at the last epoch T is every configuration's known final accuracy; on the `curves` space (four
 * integers 0..9) its optimum is found by enumeration.
 *
 * Checkpoints hold the accuracy y, the epoch and the lineage's seed (in a run, under
 * `<run-dir>/checkpoints/`); the median rule is honoured.
 */
import { checkpointsDirOf, DirectoryCheckpointStore } from '../core/checkpoint-dir.ts';
import { MemoryCheckpointStore, type CheckpointStore, type TrainCheckpoint } from '../core/checkpoint.ts';
import type { Evaluator, EvaluatorOptions } from '../core/evaluator.ts';
import { ValidationError } from '../core/errors.ts';
import { Rng } from '../core/rng.ts';
import type { EvalRequest, EvalResult } from '../core/trial.ts';
import { hparamsGrid } from '../spaces/hparams-grid.ts';
import { HparamsSpace } from '../spaces/hparams.ts';
import { loadSpace } from '../spaces/load.ts';
import type { SearchSpace } from '../spaces/space.ts';

/** Accuracy before the first epoch (chance with ten classes). */
export const CURVE_START = 0.1;

/** The curve parameters of one configuration. */
export interface CurveParams {
  /** Accuracy the curve tends to. */
  asymptote: number;
  /** Time constant in epochs. */
  tau: number;
  /** Simulated duration of one epoch (0.5 to 1.5 units), for benchmarks of workers' time. */
  epochCost: number;
}

/** The fixed family of curves over a space's encoding. */
export class CurveFamily {
  private readonly d: number;

  constructor(readonly space: SearchSpace<unknown>) {
    this.d = space.dims().length;
  }

  /** The configuration's point in [0, 1]^d: normalised numbers, categoricals by index, inactive 0.5. */
  point(config: unknown): number[] {
    const dims = this.space.dims();
    return this.space.encode(config).map((x, i) => {
      if (!Number.isFinite(x)) return 0.5;
      const dim = dims[i];
      return dim.kind === 'categorical' ? (dim.choices.length > 1 ? x / (dim.choices.length - 1) : 0.5) : x;
    });
  }

  params(config: unknown): CurveParams {
    const u = this.point(config);
    let dist = 0;
    for (let i = 0; i < u.length; i++) dist += (u[i] - (0.2 + 0.6 * frac(0.618034 * (i + 1)))) ** 2;
    const asymptote = CURVE_START + 0.85 * Math.exp(-dist / (0.05 * Math.max(1, this.d)));
    const wave = (1 + Math.sin(2 * Math.PI * (u[0] + 0.7 * u[1 % this.d] + 0.3))) / 2;
    return { asymptote, tau: 1 + 11 * wave, epochCost: 0.5 + u[this.d - 1] };
  }

  /** The accuracy after one more epoch of `params` from accuracy `y`. */
  static step(y: number, p: CurveParams): number {
    return p.asymptote - (p.asymptote - y) * Math.exp(-1 / p.tau);
  }

  /** The noise-free accuracy after `epochs` epochs of one configuration. */
  valueAt(config: unknown, epochs: number): number {
    const p = this.params(config);
    let y = CURVE_START;
    for (let t = 0; t < epochs; t++) y = CurveFamily.step(y, p);
    return y;
  }
}

/** The best noise-free accuracy after `epochs` on an enumerable hyperparameter space (the `curves` space). */
export function curveOptimum(family: CurveFamily, epochs: number): { config: unknown; value: number } {
  if (!(family.space instanceof HparamsSpace)) throw new ValidationError('the optimum is known on hyperparameter spaces only', { field: 'space' }, 'the curves space');
  let best = { config: undefined as unknown, value: -Infinity };
  for (const config of hparamsGrid(family.space, { points: 10 })) {
    const value = family.valueAt(config, epochs);
    if (value > best.value) best = { config, value };
  }
  return best;
}

/** Settings of the curves objective (evaluator options). */
export interface CurveSettings {
  /** Epochs when a request names no fidelity. Default 27. */
  epochs: number;
  /** Standard deviation of the noise on each observed accuracy. Default 0.02. */
  noise: number;
}

/** Reads the settings; an unknown or bad option is an error naming it. */
export function curveSettings(extra: Record<string, unknown> = {}): CurveSettings {
  for (const key of Object.keys(extra)) {
    if (!['epochs', 'noise', 'description'].includes(key)) throw new ValidationError(`unknown option '${key}' of the curves objective`, { field: key }, 'epochs, noise');
  }
  const epochs = extra.epochs ?? 27;
  const noise = extra.noise ?? 0.02;
  if (!Number.isInteger(epochs) || (epochs as number) < 1) throw new ValidationError(`got ${JSON.stringify(epochs)}`, { field: 'epochs' }, 'a positive integer');
  if (typeof noise !== 'number' || !(noise >= 0)) throw new ValidationError(`got ${JSON.stringify(noise)}`, { field: 'noise' }, 'a number >= 0');
  return { epochs: epochs as number, noise };
}

/** The observed accuracy after epoch t of a lineage: the noise-free value plus its seeded noise. */
export function observe(y: number, seed: number, t: number, noise: number): number {
  return noise > 0 ? y + Rng.seeded(`${seed}/curve/${t}`).normal(0, noise) : y;
}

/** Evaluates one request: continues its checkpoint (if kept), steps epoch by epoch, honours the median rule. */
export function evaluateCurve(family: CurveFamily, settings: CurveSettings, store: CheckpointStore, request: EvalRequest): EvalResult {
  const config = family.space.validate(request.config);
  const p = family.params(config);
  const target = request.fidelity ?? settings.epochs;
  const from: TrainCheckpoint | undefined = request.continueFrom !== undefined ? store.load(request.continueFrom) : undefined;
  const seed = from?.seed ?? request.seed;
  let y = typeof from?.extra?.y === 'number' ? from.extra.y : CURVE_START;
  let epoch = from?.epoch ?? 0;
  const curve = [...(from?.curve ?? [])];
  let stoppedAt: number | undefined;
  const start = epoch;
  while (epoch < target) {
    y = CurveFamily.step(y, p);
    epoch++;
    curve[epoch - 1] = observe(y, seed, epoch, settings.noise);
    const median = request.medianStop?.medians[epoch - 1];
    if (epoch < target && typeof median === 'number' && curve[epoch - 1] < median) {
      stoppedAt = epoch;
      break;
    }
  }
  const score = epoch > 0 ? (curve[epoch - 1] ?? observe(y, seed, epoch, settings.noise)) : observe(y, seed, 0, settings.noise);
  if (request.checkpoint) {
    store.save(request.trialId, { format: 1, epoch, step: epoch, seed, horizon: request.horizon ?? target, curve, weights: [], extra: { y } });
  }
  return {
    trialId: request.trialId, status: 'ok', score, curve, epochsTrained: epoch - start, ...(stoppedAt !== undefined ? { stoppedAt } : {}),
    metrics: { value: y, epochs: epoch, simulatedSeconds: (epoch - start) * p.epochCost }, seconds: 0,
  };
}

/** Builds the `curves` evaluator: the space's family, checkpoints in the run directory (in memory outside a run). */
export function createCurvesEvaluator(_argument: string, options: EvaluatorOptions): Evaluator {
  const settings = curveSettings(options.extra);
  const family = new CurveFamily(loadSpace(options.space));
  const store: CheckpointStore = options.runDir !== undefined ? new DirectoryCheckpointStore(checkpointsDirOf(options.runDir)) : new MemoryCheckpointStore();
  return {
    evaluate: (request) => {
      try {
        return Promise.resolve(evaluateCurve(family, settings, store, request));
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        return Promise.resolve({ trialId: request.trialId, status: 'failed', failure: 'invalid', error: err.message });
      }
    },
  };
}

function frac(x: number): number {
  return x - Math.floor(x);
}
