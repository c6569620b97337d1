/**
 * BOHB (Falkner et al. 2018) = Hyperband's bracket schedule + a KDE config generator, composed: the
 * MultiFidelity runner of hyperband.ts with the KdeGenerator below. Defaults are the paper's: eta 3,
 * top 15 %, 64 samples, a third of the configurations random, bandwidth factor 3, at least d + 1
 * points per model, minimum bandwidth 1e-3.
 */
import { Rng } from '../core/rng.ts';
import type { RngState } from '../core/rng.ts';
import type { EncodingDim, SearchSpace } from '../spaces/space.ts';
import { numberOption } from './gp/options.ts';
import { HYPERBAND_OPTIONS, hyperbandWith } from './hyperband.ts';
import type { ConfigGenerator } from './hyperband.ts';
import { ProductKde } from './kde.ts';
import type { KdeColumn } from './kde.ts';
import { registerStrategy } from './registry.ts';
import type { Outcome } from './strategy.ts';

/** Options of BOHB's config generator. */
export interface KdeGeneratorOptions {
  /** Percentage of the observations (by score) in the good model. Default 15. */
  topNPercent: number;
  /** Samples drawn from the good model per proposal; the best l/g wins. Default 64. */
  numSamples: number;
  /** Fraction of proposals drawn at random from the space. Default 1/3. */
  randomFraction: number;
  /** Factor widening the good model's bandwidths when sampling. Default 3. */
  bandwidthFactor: number;
  /** Fewest observations per model; at least d + 1 (d = encoding dimensions). Default d + 1. */
  minPointsInModel: number;
  /** Smallest bandwidth. Default 1e-3. */
  minBandwidth: number;
}

export function parseKdeOptions(options: Readonly<Record<string, unknown>>, d: number): KdeGeneratorOptions {
  return {
    topNPercent: numberOption(options, 'topNPercent', 15, { min: 1, max: 99 }),
    numSamples: numberOption(options, 'numSamples', 64, { integer: true, min: 1 }),
    randomFraction: numberOption(options, 'randomFraction', 1 / 3, { min: 0, max: 1 }),
    bandwidthFactor: numberOption(options, 'bandwidthFactor', 3, { min: 0, exclusiveMin: true }),
    minPointsInModel: Math.max(d + 1, numberOption(options, 'minPointsInModel', d + 1, { integer: true, min: 1 })),
    minBandwidth: numberOption(options, 'minBandwidth', 1e-3, { min: 0, exclusiveMin: true }),
  };
}

/** One observation: the space encoding (null: inactive) and the score (null: failed). */
interface Observation {
  v: Array<number | null>;
  score: number | null;
}

/** A good and a bad density, fitted on one budget's observations. */
export interface KdeModel {
  budget: number;
  good: ProductKde;
  bad: ProductKde;
}

/** BOHB's configuration generator: l(x)/g(x) over KDEs of the good and bad observations. */
export class KdeGenerator<C> implements ConfigGenerator<C> {
  private readonly dims: readonly EncodingDim[];
  private readonly columns: KdeColumn[];
  private observations = new Map<number, Observation[]>();
  /** Proposals that came from the model so far (for inspection and tests). */
  modelBased = 0;

  constructor(
    private readonly space: SearchSpace<C>,
    private rng: Rng,
    private readonly o: KdeGeneratorOptions,
  ) {
    this.dims = space.dims();
    this.columns = this.dims.map((d) => (d.kind === 'categorical' ? { kind: 'categorical', k: d.choices.length } : { kind: 'continuous' }));
  }

  propose(): C {
    const model = this.model();
    if (!model || this.rng.next() < this.o.randomFraction) return this.space.sample(this.rng);
    let best: number[] | null = null;
    let bestRatio = Infinity;
    for (let i = 0; i < this.o.numSamples; i++) {
      const v = model.good.sampleNear(this.rng, this.o.bandwidthFactor);
      const ratio = Math.max(1e-32, model.bad.pdf(v)) / Math.max(1e-32, model.good.pdf(v));
      if (ratio < bestRatio) {
        bestRatio = ratio;
        best = v;
      }
    }
    if (!best) return this.space.sample(this.rng);
    this.modelBased++;
    return this.space.decode(best);
  }

  observe(config: C, budget: number, outcome: Outcome): void {
    const v = this.space.encode(config).map((x) => (Number.isNaN(x) ? null : x));
    const score = outcome.status === 'ok' && typeof outcome.score === 'number' && Number.isFinite(outcome.score) ? outcome.score : null;
    const list = this.observations.get(budget) ?? [];
    list.push({ v, score });
    this.observations.set(budget, list);
  }

  /** The model of the largest budget with enough observations, or null when none has. */
  model(): KdeModel | null {
    const budgets = [...this.observations.keys()].sort((a, b) => b - a);
    for (const b of budgets) {
      const m = this.fit(b, this.observations.get(b) as Observation[]);
      if (m) return m;
    }
    return null;
  }

  private fit(budget: number, obs: readonly Observation[]): KdeModel | null {
    const n = obs.length;
    const d = this.dims.length;
    if (n < this.o.minPointsInModel) return null;
    const nGood = Math.max(this.o.minPointsInModel, Math.floor((this.o.topNPercent * n) / 100));
    const nBad = Math.max(this.o.minPointsInModel, Math.floor(((100 - this.o.topNPercent) * n) / 100));
    // Best first; failed (null) last; ties by arrival order.
    const order = obs.map((_, i) => i).sort((a, b) => (obs[b].score ?? -Infinity) - (obs[a].score ?? -Infinity) || a - b);
    const good = order.slice(0, nGood).map((i) => obs[i].v);
    const bad = order.slice(nGood, nGood + nBad).map((i) => obs[i].v);
    if (good.length <= d || bad.length <= d) return null;
    return {
      budget,
      good: new ProductKde(this.impute(good), this.columns, this.o.minBandwidth),
      bad: new ProductKde(this.impute(bad), this.columns, this.o.minBandwidth),
    };
  }

  /** Inactive values take the value of a random row where the dimension is active, else a random value. */
  private impute(rows: ReadonlyArray<Array<number | null>>): Float64Array[] {
    return rows.map((r) =>
      Float64Array.from(r, (x, j) => {
        if (x !== null) return x;
        const active = rows.filter((o) => o[j] !== null);
        if (active.length > 0) return active[this.rng.int(active.length)][j] as number;
        const c = this.columns[j];
        return c.kind === 'categorical' ? this.rng.int(c.k) : this.rng.next();
      }),
    );
  }

  saveState(): { rng: RngState; modelBased: number; observations: Array<[number, Observation[]]> } {
    return { rng: this.rng.state(), modelBased: this.modelBased, observations: [...this.observations.entries()] };
  }

  loadState(state: unknown): void {
    const s = state as ReturnType<KdeGenerator<C>['saveState']>;
    this.rng = Rng.fromState(s.rng);
    this.modelBased = s.modelBased;
    this.observations = new Map(s.observations.map(([b, list]) => [b, list.map((o) => ({ v: [...o.v], score: o.score }))]));
  }
}

/** The options of BOHB's KDE generator (also read by asha with `sampler: 'kde'`). */
export const KDE_OPTIONS: readonly string[] = ['topNPercent', 'numSamples', 'randomFraction', 'bandwidthFactor', 'minPointsInModel', 'minBandwidth'];

registerStrategy('bohb', (ctx) =>
  hyperbandWith('bohb', ctx, new KdeGenerator(ctx.space, ctx.rng, parseKdeOptions(ctx.options, ctx.space.dims().length))),
[...HYPERBAND_OPTIONS, ...KDE_OPTIONS]);
