/**
 * Matern 5/2 kernel with one length scale per input dimension (ARD) and a signal variance:
 *   k(x, y) = s2 (1 + sqrt5 r + 5/3 r^2) exp(-sqrt5 r),  r^2 = sum_d ((x_d - y_d) / l_d)^2.
 * Parameters live in log space: theta = [log l_1 .. log l_D, log s2, log noise]; the noise variance
 * is added on the diagonal of the training covariance only.
 */

const SQRT5 = Math.sqrt(5);

/** Matern 5/2 value for a scaled distance r and signal variance s2. */
export function matern52(r: number, s2: number): number {
  const sr = SQRT5 * r;
  return s2 * (1 + sr + (5 / 3) * r * r) * Math.exp(-sr);
}

/**
 * The factor g(r) = s2 * 5/3 * (1 + sqrt5 r) exp(-sqrt5 r), so that
 *   dk/d log l_d = g(r) (x_d - y_d)^2 / l_d^2   and   dk/dx_d = -g(r) (x_d - y_d) / l_d^2.
 */
export function matern52Slope(r: number, s2: number): number {
  const sr = SQRT5 * r;
  return s2 * (5 / 3) * (1 + sr) * Math.exp(-sr);
}

/** Unpacked kernel parameters. */
export interface KernelParams {
  /** Inverse squared length scales 1 / l_d^2, one per dimension. */
  invLen2: Float64Array;
  /** Signal variance s2. */
  signal: number;
  /** Noise variance added to the training diagonal. */
  noise: number;
}

/** Unpacks theta = [log l_1 .. log l_D, log s2, log noise]. */
export function unpackTheta(theta: ArrayLike<number>, d: number): KernelParams {
  const invLen2 = new Float64Array(d);
  for (let j = 0; j < d; j++) invLen2[j] = Math.exp(-2 * theta[j]);
  return { invLen2, signal: Math.exp(theta[d]), noise: Math.exp(theta[d + 1]) };
}

/** Scaled distance between row i of X (n-by-d, row-major) and the point x. */
export function scaledDistance(X: Float64Array, i: number, x: ArrayLike<number>, invLen2: Float64Array): number {
  const d = invLen2.length;
  const off = i * d;
  let s = 0;
  for (let j = 0; j < d; j++) {
    const diff = X[off + j] - x[j];
    s += diff * diff * invLen2[j];
  }
  return Math.sqrt(s);
}

/** The training covariance K + noise I for the n rows of X. */
export function trainingCovariance(X: Float64Array, n: number, p: KernelParams): Float64Array {
  const d = p.invLen2.length;
  const K = new Float64Array(n * n);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) row[j] = X[i * d + j];
    K[i * n + i] = p.signal + p.noise;
    for (let k = 0; k < i; k++) {
      const v = matern52(scaledDistance(X, k, row, p.invLen2), p.signal);
      K[i * n + k] = v;
      K[k * n + i] = v;
    }
  }
  return K;
}
