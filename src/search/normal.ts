/**
 * The standard normal distribution in log space, for truncated-normal kernels (TPE's Parzen
 * estimators): log CDF without underflow in the tails, log mass of an interval, inverse CDF, and
 * sampling from a truncated normal.
 */
import type { Rng } from '../core/rng.ts';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * log(erfc(z)) for z >= 0, from the Chebyshev fit of Numerical Recipes' erfcc (fractional error
 * below 1.2e-7 everywhere), kept in log form so it never underflows.
 */
function logErfcNonNegative(z: number): number {
  const t = 1 / (1 + 0.5 * z);
  const poly =
    -z * z -
    1.26551223 +
    t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return Math.log(t) + poly;
}

/** erfc(z) for any z. */
export function erfc(z: number): number {
  if (z >= 0) return Math.exp(logErfcNonNegative(z));
  return 2 - Math.exp(logErfcNonNegative(-z));
}

/** The standard normal CDF. */
export function ndtr(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** log of the standard normal CDF, accurate in the far left tail. */
export function logNdtr(x: number): number {
  if (x < 0) return Math.log(0.5) + logErfcNonNegative(-x / Math.SQRT2);
  return Math.log1p(-0.5 * Math.exp(logErfcNonNegative(x / Math.SQRT2)));
}

/** log of the standard normal density. */
export function logPhi(x: number): number {
  return -0.5 * x * x - LOG_SQRT_2PI;
}

/** log(1 - exp(v)) for v <= 0. */
function log1mexp(v: number): number {
  return v > -Math.LN2 ? Math.log(-Math.expm1(v)) : Math.log1p(-Math.exp(v));
}

/** log(Phi(b) - Phi(a)) for a <= b, stable in both tails; -Infinity when a == b. */
export function logGaussMass(a: number, b: number): number {
  if (a >= b) return Number.NEGATIVE_INFINITY;
  if (a >= 0) return logGaussMass(-b, -a);
  if (b <= 0) {
    const lb = logNdtr(b);
    return lb + log1mexp(logNdtr(a) - lb);
  }
  // a < 0 < b: the mass is at least Phi(b) - 1/2, far from underflow.
  return Math.log1p(-ndtr(a) - ndtr(-b));
}

/** The standard normal quantile (Acklam's rational approximation plus one Halley step). */
export function ndtri(p: number): number {
  if (p <= 0) return Number.NEGATIVE_INFINITY;
  if (p >= 1) return Number.POSITIVE_INFINITY;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pLow = 0.02425;
  let x: number;
  if (p < pLow) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - pLow) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  const e = ndtr(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp(0.5 * x * x);
  return x - u / (1 + 0.5 * x * u);
}

/** A draw from N(mu, sigma^2) truncated to [low, high] (inverse CDF; one uniform draw). */
export function sampleTruncNormal(rng: Rng, mu: number, sigma: number, low: number, high: number): number {
  let a = (low - mu) / sigma;
  let b = (high - mu) / sigma;
  const flip = a >= 0;
  if (flip) [a, b] = [-b, -a];
  const pa = ndtr(a);
  const pb = ndtr(b);
  let z = ndtri(pa + rng.next() * (pb - pa));
  if (!Number.isFinite(z)) z = (a + b) / 2;
  z = Math.min(b, Math.max(a, z));
  const x = mu + sigma * (flip ? -z : z);
  return Math.min(high, Math.max(low, x));
}

/** log(sum(exp(values))), -Infinity for an empty list or all -Infinity. */
export function logSumExp(values: readonly number[]): number {
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) if (v > max) max = v;
  if (max === Number.NEGATIVE_INFINITY) return max;
  let sum = 0;
  for (const v of values) sum += Math.exp(v - max);
  return max + Math.log(sum);
}
