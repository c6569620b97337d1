/**
 * Small dense linear algebra on row-major Float64Array matrices, enough for Gaussian processes:
 * Cholesky factorisation, triangular solves, the inverse of an SPD matrix from its factor.
 */

/** Row-major n-by-n matrix. */
export interface Matrix {
  n: number;
  data: Float64Array;
}

/** A zero n-by-n matrix. */
export function zeros(n: number): Matrix {
  return { n, data: new Float64Array(n * n) };
}

/**
 * Lower-triangular Cholesky factor L with A = L L^T. Reads only the lower triangle of `a`.
 * Returns null when `a` is not (numerically) positive definite.
 */
export function cholesky(a: Matrix): Matrix | null {
  const { n } = a;
  const A = a.data;
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = A[rj + j];
    for (let k = 0; k < j; k++) d -= L[rj + k] * L[rj + k];
    if (!(d > 0) || !Number.isFinite(d)) return null;
    const ljj = Math.sqrt(d);
    L[rj + j] = ljj;
    const inv = 1 / ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = A[ri + j];
      for (let k = 0; k < j; k++) s -= L[ri + k] * L[rj + k];
      L[ri + j] = s * inv;
    }
  }
  return { n, data: L };
}

/**
 * Cholesky with growing diagonal jitter: tries `a`, then a + jitter I for jitter 1e-10 * mean diag,
 * times 10 each retry. Returns the factor and the jitter added (0 when none was needed).
 */
export function choleskyJitter(a: Matrix, maxTries = 8): { L: Matrix; jitter: number } | null {
  const first = cholesky(a);
  if (first) return { L: first, jitter: 0 };
  const { n } = a;
  let meanDiag = 0;
  for (let i = 0; i < n; i++) meanDiag += a.data[i * n + i];
  meanDiag = Math.max(meanDiag / Math.max(n, 1), 1e-300);
  let jitter = 1e-10 * meanDiag;
  for (let t = 0; t < maxTries; t++, jitter *= 10) {
    const b = { n, data: Float64Array.from(a.data) };
    for (let i = 0; i < n; i++) b.data[i * n + i] += jitter;
    const L = cholesky(b);
    if (L) return { L, jitter };
  }
  return null;
}

/** Solves L x = b for lower-triangular L (forward substitution). */
export function solveLower(L: Matrix, b: ArrayLike<number>, out = new Float64Array(L.n)): Float64Array {
  const { n, data } = L;
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    let s = b[i];
    for (let k = 0; k < i; k++) s -= data[ri + k] * out[k];
    out[i] = s / data[ri + i];
  }
  return out;
}

/** Solves L^T x = b for lower-triangular L (back substitution). */
export function solveUpperT(L: Matrix, b: ArrayLike<number>, out = new Float64Array(L.n)): Float64Array {
  const { n, data } = L;
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i];
    for (let k = i + 1; k < n; k++) s -= data[k * n + i] * out[k];
    out[i] = s / data[i * n + i];
  }
  return out;
}

/** Solves A x = b given A's Cholesky factor L. */
export function cholSolve(L: Matrix, b: ArrayLike<number>): Float64Array {
  return solveUpperT(L, solveLower(L, b));
}

/** log det A = 2 sum log L_ii. */
export function cholLogDet(L: Matrix): number {
  let s = 0;
  for (let i = 0; i < L.n; i++) s += Math.log(L.data[i * L.n + i]);
  return 2 * s;
}

/** A^{-1} from A's Cholesky factor L, as a full symmetric matrix. */
export function cholInverse(L: Matrix): Matrix {
  const { n, data } = L;
  // Linv: inverse of the lower-triangular factor, column by column.
  const Li = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    Li[j * n + j] = 1 / data[j * n + j];
    for (let i = j + 1; i < n; i++) {
      let s = 0;
      const ri = i * n;
      for (let k = j; k < i; k++) s -= data[ri + k] * Li[k * n + j];
      Li[ri + j] = s / data[ri + i];
    }
  }
  // A^{-1} = Linv^T Linv.
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < n; k++) s += Li[k * n + i] * Li[k * n + j];
      out[i * n + j] = s;
      out[j * n + i] = s;
    }
  }
  return { n, data: out };
}

/** Matrix product A B of two n-by-n matrices (for tests and checks). */
export function matMul(a: Matrix, b: Matrix): Matrix {
  const { n } = a;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a.data[i * n + k];
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += aik * b.data[k * n + j];
    }
  }
  return { n, data: out };
}

/** Transpose of an n-by-n matrix. */
export function transpose(a: Matrix): Matrix {
  const { n } = a;
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[j * n + i] = a.data[i * n + j];
  return { n, data: out };
}
