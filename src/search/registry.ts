/**
 * Strategies by name, so the CLI and benchmarks can build any of them from options.
 * Each strategy module adds its factory here.
 */
import { ValidationError } from '../core/errors.ts';
import type { Rng } from '../core/rng.ts';
import type { SearchSpace } from '../spaces/space.ts';
import type { Strategy } from './strategy.ts';

/** What every strategy factory receives. */
export interface StrategyContext {
  /** The space to search. */
  space: SearchSpace<unknown>;
  /** The strategy's own rng, split from the run's. */
  rng: Rng;
  /** Total number of evaluations the run will make (strategies may plan with it). */
  budget: number;
  /** Strategy-specific options (population, sample, eta, ...), already parsed from the CLI or a file. */
  options: Readonly<Record<string, unknown>>;
}

export type StrategyFactory = (ctx: StrategyContext) => Strategy<unknown>;

const FACTORIES = new Map<string, StrategyFactory>();
const OPTIONS = new Map<string, readonly string[]>();

/**
 * Adds a strategy under `name`, with the names of the options it reads; a second registration of one
 * name is a programming error.
 */
export function registerStrategy(name: string, factory: StrategyFactory, optionNames: readonly string[]): void {
  if (FACTORIES.has(name)) throw new Error(`strategy '${name}' is registered twice`);
  FACTORIES.set(name, factory);
  OPTIONS.set(name, optionNames);
}

/** The options the named strategy reads, or undefined for an unknown strategy. */
export function strategyOptionNames(name: string): readonly string[] | undefined {
  return OPTIONS.get(name);
}

/**
 * Refuses options the named strategy does not read (a misspelt option would otherwise be ignored
 * silently), naming the option and the accepted ones. Unknown strategies are left to createStrategy.
 */
export function checkStrategyOptions(name: string, options: Readonly<Record<string, unknown>>): void {
  const accepted = OPTIONS.get(name);
  if (accepted === undefined) return;
  for (const key of Object.keys(options)) {
    if (options[key] !== undefined && !accepted.includes(key)) {
      throw new ValidationError(`strategy '${name}' has no option '${key}'`, { field: `options.${key}` },
        accepted.length > 0 ? accepted.join(', ') : `none (${name} takes no options)`);
    }
  }
}

/** Names of every registered strategy. */
export function strategyNames(): string[] {
  return [...FACTORIES.keys()].sort();
}

/** Builds the named strategy; an unknown name fails with the list of known ones. */
export function createStrategy(name: string, ctx: StrategyContext): Strategy<unknown> {
  const factory = FACTORIES.get(name);
  if (!factory) throw new Error(`unknown strategy '${name}'; known: ${strategyNames().join(', ')}`);
  return factory(ctx);
}
