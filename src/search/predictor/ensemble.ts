/**
 * An ensemble of small MLPs (BANANAS, White et al. 2021): each member starts from its own seeded
 * weights and sees its own minibatches; the members' mean is the prediction and their spread the
 * uncertainty. Targets are standardised before the fit and predictions are returned in the targets'
 * units.
 */
import type { Rng } from '../../core/rng.ts';
import { Mlp, type MlpOptions, type SparseRow } from './mlp.ts';

/** Options of an ensemble: its size and each member's MLP options. */
export interface EnsembleOptions extends MlpOptions {
  /** Number of MLPs. Default 5 (BANANAS). */
  members?: number;
}

/** Every member's prediction for each row, and their mean and standard deviation. */
export interface EnsemblePrediction {
  /** members x rows, in member order. */
  perMember: Float64Array[];
  mean: Float64Array;
  std: Float64Array;
}

export class MlpEnsemble {
  private readonly members: Mlp[] = [];
  private center = 0;
  private scale = 1;

  /**
   * Fits `options.members` MLPs on `rows` (sparse features with `features` columns) and targets `y`,
   * all randomness from `rng`.
   */
  constructor(rows: readonly SparseRow[], y: readonly number[], features: number, rng: Rng, options: EnsembleOptions = {}) {
    const count = options.members ?? 5;
    const n = y.length;
    this.center = n > 0 ? y.reduce((a, b) => a + b, 0) / n : 0;
    const variance = n > 1 ? y.reduce((a, b) => a + (b - this.center) ** 2, 0) / (n - 1) : 0;
    this.scale = variance > 0 ? Math.sqrt(variance) : 1;
    const target = Float64Array.from(y, (v) => (v - this.center) / this.scale);
    for (let m = 0; m < count; m++) {
      const memberRng = rng.split(`member-${m}`);
      const mlp = new Mlp(features, memberRng, options);
      mlp.fit(rows, target, memberRng);
      this.members.push(mlp);
    }
  }

  /** Predictions for `rows` in the targets' units. */
  predict(rows: readonly SparseRow[]): EnsemblePrediction {
    const perMember = this.members.map((mlp) => {
      const p = mlp.predictAll(rows);
      for (let i = 0; i < p.length; i++) p[i] = this.center + this.scale * p[i];
      return p;
    });
    const mean = new Float64Array(rows.length);
    const std = new Float64Array(rows.length);
    const k = perMember.length;
    for (let i = 0; i < rows.length; i++) {
      let s = 0;
      for (const p of perMember) s += p[i];
      const m = s / k;
      let v = 0;
      for (const p of perMember) v += (p[i] - m) ** 2;
      mean[i] = m;
      std[i] = k > 1 ? Math.sqrt(v / (k - 1)) : 0;
    }
    return { perMember, mean, std };
  }
}
