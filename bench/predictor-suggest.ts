/**
 * Time of one suggestion of the predictor-guided strategies with many observations: each strategy is
 * told `--n` (300) random results of a synthetic score, then asked `--repeats` times (each ask fits
 * the predictor on every result and ranks the candidates). Per space (NAS-Bench-201 cells, NASNet
 * cells, Hartmann-6 hyperparameters) and predictor (the GP on path features, BANANAS's MLP ensemble,
 * the GP with a Weisfeiler-Lehman kernel, both GPs averaged), side by side; it also prints the features per value and the candidates ranked per ask.
 *
 * Wall-clock times depend on what else the machine runs; the CPU time this process used is printed
 * beside them (what the ask takes on an idle core).
 *
 *   npx tsx bench/predictor-suggest.ts [--n 300] [--repeats 3] [--spaces nas-bench-201,nasnet-cell,hartmann6]
 *        [--predictors gp,mlp,wl-gp,gp-wl] [--acquisition thompson] [--bananas-options '{"parentSpacing":0}']
 *
 * `--bananas-options` adds options (JSON) to bananas's, to time a setting against the default side by side.
 */
import { Rng } from '../src/core/rng.ts';
import { Bananas } from '../src/search/bananas.ts';
import { LocalSearch } from '../src/search/local-search.ts';
import { FeatureEncoder } from '../src/search/predictor/features.ts';
import { ACQUISITIONS, PREDICTORS, type Acquisition, type PredictorKind } from '../src/search/predictor/surrogate.ts';
import type { Strategy } from '../src/search/strategy.ts';
import { loadSpace } from '../src/spaces/load.ts';
import type { SearchSpace } from '../src/spaces/space.ts';
import { numberArg, stringArg } from './args.ts';

const n = numberArg('n', 300);
const repeats = numberArg('repeats', 3);
const spaces = stringArg('spaces', 'nas-bench-201,nasnet-cell,hartmann6').split(',');
const predictors = stringArg('predictors', PREDICTORS.join(',')).split(',') as PredictorKind[];
for (const p of predictors) if (!PREDICTORS.includes(p)) throw new Error(`--predictors: unknown predictor ${p}; accepted: ${PREDICTORS.join(', ')}`);
const acquisition = stringArg('acquisition', 'thompson') as Acquisition;
const bananasOptions = JSON.parse(stringArg('bananas-options', '{}')) as Record<string, unknown>;
if (!ACQUISITIONS.includes(acquisition)) throw new Error(`--acquisition: unknown acquisition ${acquisition}; accepted: ${ACQUISITIONS.join(', ')}`);

/** A deterministic score of any value: a hash of its encoding, smooth enough to be learnable. */
function score(space: SearchSpace<unknown>, value: unknown): number {
  return space.encode(value).reduce((s, x, i) => s + (Number.isFinite(x) ? Math.sin(1 + i + 2 * x) : 0), 0);
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Tells the results of the strategy's first `n` asks (random: both are built with `initial: n`). */
function warm(strategy: Strategy<unknown>, space: SearchSpace<unknown>): void {
  for (let i = 0; i < n; i++) {
    const r = strategy.ask();
    if (r.kind !== 'suggestion') throw new Error(`${strategy.name}: no suggestion after ${i} results`);
    strategy.tell(r.suggestion.id, { status: 'ok', score: score(space, r.suggestion.config) });
  }
}

function timeAsks(strategy: Strategy<unknown>): { wall: number[]; cpu: number[] } {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let k = 0; k < repeats; k++) {
    const [t0, c0] = [performance.now(), cpuMs()];
    const r = strategy.ask();
    wall.push(performance.now() - t0);
    cpu.push(cpuMs() - c0);
    if (r.kind !== 'suggestion') throw new Error(`${strategy.name}: ask ${k} gave ${r.kind}`);
    // A new best each time: local search moves and ranks the next neighbourhood at its next ask.
    strategy.tell(r.suggestion.id, { status: 'ok', score: 1e6 + k });
  }
  return { wall, cpu };
}

const fmt = (xs: number[]): string => xs.map((x) => x.toFixed(0)).join(', ');

console.log(`one ask after ${n} results, ${repeats} asks each, acquisition ${acquisition}, bananas options ${JSON.stringify(bananasOptions)} (ms; wall-clock, then CPU)`);
for (const name of spaces) {
  const space = loadSpace(name) as SearchSpace<unknown>;
  const encoder = new FeatureEncoder(space);
  const rng = Rng.seeded(1);
  const sample = Array.from({ length: n }, () => space.sample(rng));
  const features = encoder.vocabulary(sample).size;
  const perValue = sample.reduce<number>((s, v) => s + encoder.named(v).size, 0) / n;
  console.log(`\n${name}: ${features} features among ${n} random values (${perValue.toFixed(1)} per value)`);
  for (const predictor of predictors) {
    const makers: Array<[string, () => Strategy<unknown>]> = [
      ['bananas', () => new Bananas(space, Rng.seeded(2), { ...bananasOptions, predictor, acquisition, initial: n })],
      // Local search ranks a neighbourhood when it moves; its restart ranks 100 uniform draws.
      ['local-search', () => new LocalSearch(space, Rng.seeded(2), { predictor, acquisition, initial: n, order: 'predictor' })],
    ];
    for (const [label, make] of makers) {
      const s: Strategy<unknown> = make();
      warm(s, space);
      const { wall, cpu } = timeAsks(s);
      console.log(`  ${label.padEnd(13)} ${predictor.padEnd(6)} wall ${fmt(wall)}   cpu ${fmt(cpu)}`);
    }
  }
}
