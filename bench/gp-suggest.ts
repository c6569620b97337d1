/**
 * Time of one GP-EI suggestion (`bo`) with many observations: 300 random Hartmann-6 points (6-D) and
 * 300 Branin points, then timed suggestions (the first fits the GP from cold starts, later ones also
 * start from the previous fit). Also times the two parts alone: the hyperparameter fit and EI search.
 *
 * Wall-clock times depend on what else the machine runs; the CPU time this process used is printed
 * beside them (what the suggestion takes on an idle core).
 *
 *   npx tsx bench/gp-suggest.ts [--n 300] [--repeats 3]
 */
import { Rng } from '../src/core/rng.ts';
import type { EncodingDim, SearchSpace } from '../src/spaces/space.ts';
import { BayesianOptimization } from '../src/search/bo.ts';
import { GaussianProcess } from '../src/search/gp/gp.ts';
import { SYNTHETIC_OBJECTIVES } from '../src/evaluators/synthetic.ts';
import { numberArg } from './args.ts';


/** A box of floats x1..xd whose configurations are coordinate arrays. */
function box(bounds: ReadonlyArray<readonly [number, number]>): SearchSpace<number[]> {
  const dims: EncodingDim[] = bounds.map(([low, high], i) => ({ kind: 'float', name: `x${i + 1}`, low, high }));
  const decode = (v: readonly number[]) => bounds.map(([lo, hi], i) => lo + Math.min(1, Math.max(0, v[i])) * (hi - lo));
  return {
    name: 'box',
    type: 'box',
    sample: (rng) => decode(bounds.map(() => rng.next())),
    mutate: (x) => x,
    validate: (v) => v as number[],
    hash: (x) => x.join(','),
    dims: () => dims,
    encode: (x) => x.map((v, i) => (v - bounds[i][0]) / (bounds[i][1] - bounds[i][0])),
    decode,
    toJSON: (x) => x,
    size: () => Infinity,
    describe: () => 'box',
  };
}

function ms(t0: number): number {
  return performance.now() - t0;
}

/** CPU milliseconds (user + system) this process has used: on a loaded machine, the time it would take alone. */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const n = numberArg('n', 300);
const repeats = numberArg('repeats', 3);
console.log(`GP-EI suggestion time with ${n} observations (defaults of bo; ${repeats} timed suggestions each)`);
for (const name of ['hartmann6', 'branin']) {
  const objective = SYNTHETIC_OBJECTIVES[name];
  const space = box(objective.bounds);
  const bo = new BayesianOptimization(space, Rng.seeded(1), { initialPoints: n });
  const X: number[][] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = bo.ask();
    if (a.kind !== 'suggestion') throw new Error('expected a suggestion');
    const v = objective.value(a.suggestion.config);
    X.push(space.encode(a.suggestion.config));
    y.push(-v);
    bo.tell(a.suggestion.id, { status: 'ok', score: -v });
  }
  const times: number[] = [];
  const cpu: number[] = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    const c0 = cpuMs();
    const a = bo.ask();
    times.push(ms(t0));
    cpu.push(cpuMs() - c0);
    if (a.kind !== 'suggestion') throw new Error('expected a suggestion');
    bo.tell(a.suggestion.id, { status: 'ok', score: -objective.value(a.suggestion.config) });
  }
  const t1 = performance.now();
  const gp = GaussianProcess.fit(Float64Array.from(X.flat()), y, X[0].length, Rng.seeded(2));
  const fitMs = ms(t1);
  const t2 = performance.now();
  for (let i = 0; i < 1000; i++) gp.predict(X[i % n]);
  const predictUs = (ms(t2) / 1000) * 1000;
  console.log(
    `${name.padEnd(10)} suggestion wall (cpu) ms: first, cold fit ${times[0].toFixed(0)} (${cpu[0].toFixed(0)}); later, warm fit ${times
      .slice(1)
      .map((t, i) => `${t.toFixed(0)} (${cpu[i + 1].toFixed(0)})`)
      .join(', ')} | cold fit alone ${fitMs.toFixed(0)} ms wall | one prediction ${predictUs.toFixed(0)} us wall`,
  );
}
