/**
 * The one source of randomness: a seeded, splittable generator whose state can be saved and restored.
 * Every component gets its own Rng split from the run's, so adding draws in one place never shifts
 * another component's sequence. Built on seedrandom's Alea.
 */
import seedrandom from 'seedrandom';

/** Serialisable state of an Rng (what a checkpoint stores). */
export interface RngState {
  /** The seed string the generator was created from (kept so `split` works after a restore). */
  seed: string;
  /** Alea's internal state. */
  alea: { c: number; s0: number; s1: number; s2: number };
}

type AleaPrng = seedrandom.PRNG & { state(): RngState['alea'] };

/** 32-bit FNV-1a hash of a string: used to derive seeds from names. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A deterministic unsigned 32-bit seed derived from a parent seed and any number of parts. */
export function deriveSeed(seed: number | string, ...parts: Array<number | string>): number {
  const g = seedrandom.alea([String(seed), ...parts.map(String)].join('/'));
  return g.int32() >>> 0;
}

/** Draws a fresh seed when the user gives 0 ("draw one"); callers print and store it. */
export function resolveSeed(seed: number | undefined, entropy: () => number = defaultEntropy): number {
  if (seed !== undefined && seed !== 0) return seed >>> 0;
  return (entropy() >>> 0) || 1;
}

function defaultEntropy(): number {
  // Time and pid are enough to make "draw a seed" differ between runs; the seed is then recorded.
  return hashString(`${process.hrtime.bigint()}:${process.pid}`);
}

export class Rng {
  private readonly prng: AleaPrng;
  readonly seed: string;

  private constructor(seed: string, state?: RngState['alea']) {
    this.seed = seed;
    this.prng = (state
      ? seedrandom.alea('', { state })
      : seedrandom.alea(seed, { state: true })) as unknown as AleaPrng;
  }

  /** A generator seeded with `seed`. Equal seeds give equal sequences. */
  static seeded(seed: number | string): Rng {
    return new Rng(String(seed));
  }

  /** Restores a generator saved with `state()`; it continues the saved sequence exactly. */
  static fromState(state: RngState): Rng {
    return new Rng(state.seed, { ...state.alea });
  }

  /** A copy of the generator's state, to store in a checkpoint. */
  state(): RngState {
    return { seed: this.seed, alea: { ...this.prng.state() } };
  }

  /** An independent generator for a named component. Depends only on this seed and the name. */
  split(name: string | number): Rng {
    return new Rng(`${this.seed}/${name}`);
  }

  /** Uniform float in [0, 1). */
  next(): number {
    return this.prng();
  }

  /** Uniform float in [low, high). */
  uniform(low: number, high: number): number {
    return low + (high - low) * this.prng();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!Number.isInteger(n) || n <= 0) throw new RangeError(`Rng.int needs a positive integer, got ${n}`);
    return Math.floor(this.prng() * n);
  }

  /** Uniform integer in [low, high] (both ends included). */
  intBetween(low: number, high: number): number {
    return low + this.int(high - low + 1);
  }

  /** A uniformly chosen element of a non-empty array. */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Rng.choice of an empty array');
    return items[this.int(items.length)];
  }

  /** A standard normal draw (Box-Muller; no cached spare, so the state stays a plain value). */
  normal(mean = 0, std = 1): number {
    let u = 0;
    while (u === 0) u = this.prng();
    const v = this.prng();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** A shuffled copy (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      [out[i], out[j]] = [out[j], out[i]];
    }
    return out;
  }

  /** `k` distinct indices from [0, n), in draw order. */
  sampleIndices(n: number, k: number): number[] {
    if (k > n) throw new RangeError(`cannot sample ${k} distinct indices from ${n}`);
    const pool = Array.from({ length: n }, (_, i) => i);
    for (let i = 0; i < k; i++) {
      const j = i + this.int(n - i);
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    return pool.slice(0, k);
  }

  /** A uint32 seed for a tfjs initializer or a child process, drawn from this sequence. */
  seedUint32(): number {
    return Math.floor(this.prng() * 0x100000000) >>> 0;
  }
}
