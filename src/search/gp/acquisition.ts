/**
 * Expected improvement for maximisation, with the standard normal density and distribution it needs.
 */

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Standard normal density. */
export function normalPdf(z: number): number {
  return INV_SQRT_2PI * Math.exp(-0.5 * z * z);
}

/** Complementary error function (Chebyshev fit, relative error below 1.2e-7 everywhere). */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}

/** Standard normal distribution function. */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/**
 * Expected improvement of a Gaussian N(mean, sd^2) over `best` + `xi` (higher is better):
 *   EI = (mean - best - xi) Phi(z) + sd phi(z),  z = (mean - best - xi) / sd;  max(mean - best - xi, 0) when sd = 0.
 */
export function expectedImprovement(mean: number, sd: number, best: number, xi = 0): number {
  const imp = mean - best - xi;
  if (!(sd > 0)) return Math.max(imp, 0);
  const z = imp / sd;
  return Math.max(imp * normalCdf(z) + sd * normalPdf(z), 0);
}

/** d EI / d mean and d EI / d sd at the same arguments (Phi(z) and phi(z)). */
export function expectedImprovementPartials(mean: number, sd: number, best: number, xi = 0): { dMean: number; dSd: number } {
  if (!(sd > 0)) return { dMean: mean - best - xi > 0 ? 1 : 0, dSd: 0 };
  const z = (mean - best - xi) / sd;
  return { dMean: normalCdf(z), dSd: normalPdf(z) };
}
