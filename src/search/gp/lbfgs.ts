/**
 * Box-constrained limited-memory BFGS (a projected variant in the spirit of L-BFGS-B): the two-loop
 * recursion on the free variables, a projected backtracking Armijo line search, and variables held at a
 * bound while the gradient pushes them outward. Deterministic; no randomness.
 */

/** Computes f(x) and writes its gradient into `grad`. */
export type Objective = (x: Float64Array, grad: Float64Array) => number;

/** Options of `minimizeBox`. */
export interface LbfgsOptions {
  /** Maximum iterations. Default 100. */
  maxIter?: number;
  /** Number of correction pairs kept. Default 7. */
  memory?: number;
  /** Stop when the projected gradient's largest component is below this. Default 1e-6. */
  gradTol?: number;
  /** Stop when the relative decrease of f in one step is below this. Default 1e-10. */
  relTol?: number;
}

/** Result of `minimizeBox`. */
export interface LbfgsResult {
  x: Float64Array;
  f: number;
  iterations: number;
  evaluations: number;
}

function clampInto(x: Float64Array, lo: ArrayLike<number>, hi: ArrayLike<number>): void {
  for (let i = 0; i < x.length; i++) x[i] = Math.min(hi[i], Math.max(lo[i], x[i]));
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Two-loop recursion: returns -H g for the stored pairs (H0 scaled by the latest s.y / y.y). */
function direction(g: Float64Array, S: Float64Array[], Y: Float64Array[]): Float64Array {
  const q = Float64Array.from(g);
  const k = S.length;
  const alpha = new Float64Array(k);
  const rho = new Float64Array(k);
  for (let i = k - 1; i >= 0; i--) {
    rho[i] = 1 / dot(Y[i], S[i]);
    alpha[i] = rho[i] * dot(S[i], q);
    for (let j = 0; j < q.length; j++) q[j] -= alpha[i] * Y[i][j];
  }
  if (k > 0) {
    const gamma = dot(S[k - 1], Y[k - 1]) / dot(Y[k - 1], Y[k - 1]);
    for (let j = 0; j < q.length; j++) q[j] *= gamma;
  }
  for (let i = 0; i < k; i++) {
    const beta = rho[i] * dot(Y[i], q);
    for (let j = 0; j < q.length; j++) q[j] += S[i][j] * (alpha[i] - beta);
  }
  for (let j = 0; j < q.length; j++) q[j] = -q[j];
  return q;
}

/** Projected gradient: zero where a variable sits at a bound and the gradient pushes it outward. */
function projectedGradient(x: Float64Array, g: Float64Array, lo: ArrayLike<number>, hi: ArrayLike<number>): Float64Array {
  const gf = Float64Array.from(g);
  for (let i = 0; i < x.length; i++) if ((x[i] <= lo[i] && g[i] > 0) || (x[i] >= hi[i] && g[i] < 0)) gf[i] = 0;
  return gf;
}

/** Backtracking Armijo search along the projected path x(t) = P(x + t d); null when no step decreases f. */
function lineSearch(
  f: Objective,
  x: Float64Array,
  fx: number,
  g: Float64Array,
  d: Float64Array,
  t0: number,
  box: { lo: ArrayLike<number>; hi: ArrayLike<number> },
): { x: Float64Array; f: number; g: Float64Array; evaluations: number } | null {
  const n = x.length;
  let t = t0;
  for (let ls = 0; ls < 40; ls++) {
    const xn = new Float64Array(n);
    for (let i = 0; i < n; i++) xn[i] = x[i] + t * d[i];
    clampInto(xn, box.lo, box.hi);
    let decrease = 0;
    for (let i = 0; i < n; i++) decrease += g[i] * (xn[i] - x[i]);
    const gn = new Float64Array(n);
    const fn = f(xn, gn);
    if (Number.isFinite(fn) && fn <= fx + 1e-4 * decrease) return { x: xn, f: fn, g: gn, evaluations: ls + 1 };
    t *= 0.5;
  }
  return null;
}

/** Minimises `f` over the box [lo, hi] starting from `x0` (clamped into the box). */
export function minimizeBox(
  f: Objective,
  x0: ArrayLike<number>,
  lo: ArrayLike<number>,
  hi: ArrayLike<number>,
  options: LbfgsOptions = {},
): LbfgsResult {
  const maxIter = options.maxIter ?? 100;
  const memory = options.memory ?? 7;
  const gradTol = options.gradTol ?? 1e-6;
  const relTol = options.relTol ?? 1e-10;
  let x: Float64Array = Float64Array.from(x0);
  clampInto(x, lo, hi);
  let g: Float64Array = new Float64Array(x.length);
  let fx = f(x, g);
  let evaluations = 1;
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  let it = 0;
  for (; it < maxIter && Number.isFinite(fx); it++) {
    const gf = projectedGradient(x, g, lo, hi);
    if (gf.reduce((m, v) => Math.max(m, Math.abs(v)), 0) < gradTol) break;
    let d = direction(gf, S, Y);
    for (let i = 0; i < d.length; i++) if (gf[i] === 0) d[i] = 0;
    if (dot(d, gf) >= 0) {
      S.length = 0;
      Y.length = 0;
      d = gf.map((v) => -v);
    }
    const t0 = S.length === 0 ? Math.min(1, 1 / Math.sqrt(dot(gf, gf))) : 1;
    const step = lineSearch(f, x, fx, g, d, t0, { lo, hi });
    if (!step) break;
    evaluations += step.evaluations;
    const s = step.x.map((v, i) => v - x[i]);
    const y = step.g.map((v, i) => v - g[i]);
    if (dot(s, y) > 1e-12 * Math.max(dot(y, y), 1e-300)) {
      S.push(s);
      Y.push(y);
      if (S.length > memory) {
        S.shift();
        Y.shift();
      }
    }
    const rel = Math.abs(fx - step.f) / Math.max(Math.abs(fx), Math.abs(step.f), 1e-12);
    x = step.x;
    fx = step.f;
    g = step.g;
    if (rel < relTol) {
      it++;
      break;
    }
  }
  return { x, f: fx, iterations: it, evaluations };
}
