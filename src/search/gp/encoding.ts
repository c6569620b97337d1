/**
 * The GP's input space, built from a SearchSpace's encoding: float and int dimensions stay one column in
 * [0, 1]; a categorical with k choices becomes k one-hot columns (a continuous relaxation in [0, 1]^k
 * whose argmax is the choice). Inactive (NaN) dimensions get values no active one takes: -1 for a numeric
 * column, all zeros for a one-hot group.
 */
import type { EncodingDim } from '../../spaces/space.ts';

/** Where one space dimension lives in the model vector. */
interface Slot {
  kind: 'numeric' | 'categorical';
  /** First model column. */
  offset: number;
  /** Number of model columns (1, or the number of choices). */
  width: number;
}

/** Value given to an inactive numeric column. */
export const INACTIVE_NUMERIC = -1;

export class ModelEncoding {
  /** Number of model columns. */
  readonly width: number;
  private readonly slots: Slot[];

  constructor(dims: readonly EncodingDim[]) {
    let offset = 0;
    this.slots = dims.map((dim) => {
      const width = dim.kind === 'categorical' ? dim.choices.length : 1;
      const slot: Slot = { kind: dim.kind === 'categorical' ? 'categorical' : 'numeric', offset, width };
      offset += width;
      return slot;
    });
    this.width = offset;
  }

  /** Model vector of a space encoding (NaN marks an inactive dimension). */
  toModel(encoded: readonly number[], out = new Float64Array(this.width)): Float64Array {
    out.fill(0);
    this.slots.forEach((s, i) => {
      const v = encoded[i];
      if (s.kind === 'numeric') out[s.offset] = Number.isNaN(v) ? INACTIVE_NUMERIC : v;
      else if (!Number.isNaN(v)) out[s.offset + Math.min(s.width - 1, Math.max(0, Math.round(v)))] = 1;
    });
    return out;
  }

  /** Space encoding of a (relaxed) model vector: numeric columns clamped to [0, 1], one-hot groups by argmax. */
  fromModel(x: ArrayLike<number>): number[] {
    return this.slots.map((s) => {
      if (s.kind === 'numeric') return Math.min(1, Math.max(0, x[s.offset]));
      let best = 0;
      for (let k = 1; k < s.width; k++) if (x[s.offset + k] > x[s.offset + best]) best = k;
      return best;
    });
  }
}
