/**
 * Maximises expected improvement over a space: many random candidates (uniform in the space's encoding,
 * mapped through decode/encode so they are real members), then box-constrained L-BFGS on the relaxed
 * model vector from the best candidates and from the best observed points; every local optimum is mapped
 * back to a member of the space and scored again. Duplicates of earlier trials are skipped.
 */
import type { Rng } from '../../core/rng.ts';
import type { SearchSpace } from '../../spaces/space.ts';
import { expectedImprovement, expectedImprovementPartials } from './acquisition.ts';
import type { ModelEncoding } from './encoding.ts';
import type { GaussianProcess } from './gp.ts';
import { minimizeBox } from './lbfgs.ts';

/** How hard the acquisition is optimised. */
export interface EiSearchOptions {
  /** Random candidates scored. */
  candidates: number;
  /** Local L-BFGS runs started from the best random candidates. */
  localStarts: number;
  /** Local runs started from the best observed points. */
  observedStarts: number;
  /** Exploration margin xi of EI, in normalised target units. */
  xi: number;
  /** L-BFGS iterations per local run. */
  localIter: number;
}

/** A scored member of the space: its space encoding, model vector and EI. */
interface Scored {
  encoded: number[];
  model: Float64Array;
  ei: number;
}

/** What the optimiser needs from its caller. */
export interface EiProblem {
  space: SearchSpace<unknown>;
  encoding: ModelEncoding;
  gp: GaussianProcess;
  /** Best normalised target so far. */
  best: number;
  /** Model vectors of the best observed points, best first. */
  observedStarts: Float64Array[];
  /** True when a model vector repeats an earlier trial. */
  isDuplicate(model: Float64Array): boolean;
}

function randomEncoded(space: SearchSpace<unknown>, rng: Rng): number[] {
  return space.dims().map((d) => (d.kind === 'categorical' ? rng.int(d.choices.length) : rng.next()));
}

function canonical(p: EiProblem, encoded: readonly number[]): Scored {
  const member = p.space.encode(p.space.decode(encoded));
  const model = p.encoding.toModel(member);
  return { encoded: member, model, ei: 0 };
}

function score(p: EiProblem, s: Scored, xi: number): Scored {
  const pr = p.gp.predict(s.model);
  s.ei = expectedImprovement(pr.mean, pr.sd, p.best, xi);
  return s;
}

/** -EI times `scale` and its gradient, for L-BFGS (the scale keeps tiny EI values well conditioned). */
function negEi(p: EiProblem, xi: number, scale: number) {
  return (x: Float64Array, g: Float64Array): number => {
    const pr = p.gp.predict(x, true);
    const ei = expectedImprovement(pr.mean, pr.sd, p.best, xi);
    const { dMean, dSd } = expectedImprovementPartials(pr.mean, pr.sd, p.best, xi);
    for (let j = 0; j < g.length; j++) g[j] = -scale * (dMean * pr.dMean![j] + dSd * pr.dSd![j]);
    return -scale * ei;
  };
}

/**
 * Scores random candidates, keeping the best `keep` by EI exactly; a candidate whose EI bound (exact
 * mean, bounded sd) cannot beat the current keep-th best gets EI -Infinity without its O(n^2) part.
 */
function screenCandidates(p: EiProblem, rng: Rng, o: EiSearchOptions, keep: number): Scored[] {
  const pool: Scored[] = [];
  const top: number[] = []; // best EIs so far, descending, at most `keep`
  for (let c = 0; c < o.candidates; c++) {
    const s = canonical(p, randomEncoded(p.space, rng));
    const q = p.gp.screen(s.model);
    const full = top.length < keep;
    if (!full && expectedImprovement(q.mean, q.sdBound, p.best, o.xi) <= top[keep - 1]) s.ei = -Infinity;
    else {
      s.ei = expectedImprovement(q.mean, q.finish(), p.best, o.xi);
      let i = top.length;
      while (i > 0 && top[i - 1] < s.ei) i--;
      top.splice(i, 0, s.ei);
      if (top.length > keep) top.pop();
    }
    pool.push(s);
  }
  return pool.sort((a, b) => b.ei - a.ei);
}

/** The member of the space with the highest EI found, or null when every one found is a duplicate. */
export function maximizeEi(p: EiProblem, rng: Rng, o: EiSearchOptions): number[] | null {
  const pool = screenCandidates(p, rng, o, Math.max(o.localStarts, 1));
  const starts = pool.slice(0, o.localStarts).map((s) => s.model);
  for (const m of p.observedStarts.slice(0, o.observedStarts)) starts.push(m);
  const D = p.encoding.width;
  const lo = new Float64Array(D);
  const hi = new Float64Array(D).fill(1);
  const topEi = pool[0]?.ei ?? 0;
  const f = negEi(p, o.xi, topEi > 1e-300 ? 1 / topEi : 1);
  for (const s of starts) {
    const res = minimizeBox(f, s, lo, hi, { maxIter: o.localIter, gradTol: 1e-12, relTol: 1e-12 });
    pool.push(score(p, canonical(p, p.encoding.fromModel(res.x)), o.xi));
  }
  pool.sort((a, b) => b.ei - a.ei);
  for (const s of pool) if (!p.isDuplicate(s.model)) return s.encoded;
  return null;
}
