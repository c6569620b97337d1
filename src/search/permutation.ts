/**
 * A seeded pseudo-random permutation of [0, n) evaluated lazily: a balanced Feistel network over the
 * smallest even-bit domain that holds n, with cycle walking back into [0, n). O(1) memory, so a grid
 * of any size can be visited in shuffled order, and its state is just the keys.
 */
import type { Rng } from '../core/rng.ts';

/** Largest n a permutation supports (2^52). */
export const MAX_PERMUTATION_SIZE = 2 ** 52;

const ROUNDS = 4;

function mix(x: number, key: number): number {
  let h = (x ^ key) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class FeistelPermutation {
  readonly n: number;
  readonly keys: readonly number[];
  private readonly halfBits: number;
  private readonly halfSize: number;

  /** A permutation of [0, n) with the given round keys (uint32, ROUNDS of them). */
  constructor(n: number, keys: readonly number[]) {
    if (!Number.isInteger(n) || n < 1 || n > MAX_PERMUTATION_SIZE) throw new RangeError(`permutation size ${n} outside [1, 2^52]`);
    if (keys.length !== ROUNDS) throw new RangeError(`a permutation needs ${ROUNDS} keys`);
    this.n = n;
    this.keys = keys;
    const bits = Math.max(2, Math.ceil(Math.log2(n)));
    this.halfBits = Math.ceil(bits / 2);
    this.halfSize = 2 ** this.halfBits;
  }

  /** A permutation with keys drawn from `rng`. */
  static random(n: number, rng: Rng): FeistelPermutation {
    return new FeistelPermutation(n, Array.from({ length: ROUNDS }, () => rng.seedUint32()));
  }

  /** The i-th element of the permuted order. */
  at(i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= this.n) throw new RangeError(`index ${i} outside [0, ${this.n})`);
    let x = i;
    do x = this.encrypt(x);
    while (x >= this.n);
    return x;
  }

  private encrypt(x: number): number {
    const mask = this.halfSize - 1;
    let left = Math.floor(x / this.halfSize);
    let right = x % this.halfSize;
    for (const key of this.keys) {
      const next = (left ^ (mix(right, key) & mask)) >>> 0;
      left = right;
      right = next;
    }
    return left * this.halfSize + right;
  }
}
