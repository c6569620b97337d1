import { describe, expect, it } from 'vitest';
import { evolveDefaults } from '../src/cli/evolve.ts';
import '../src/search/all.ts';
import { checkStrategyOptions, strategyNames, strategyOptionNames } from '../src/search/registry.ts';
import { nas } from './helpers/run-cli.ts';

describe('nas evolve strategy options', () => {
  it('refuses --sample for large-scale evolution, whose tournaments are pairs', async () => {
    const r = await nas('evolve', '--space', 'large-scale', '--strategy', 'large-scale', '--sample', '5', '--budget', '1');
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/strategy 'large-scale' has no option 'sample'; accepted: population, historySize/);
  });

  it('starts large-scale runs from a population alone and aging runs from P and S', () => {
    expect(evolveDefaults('large-scale')).toEqual({ population: 100 });
    expect(evolveDefaults('aging')).toEqual({ population: 100, sample: 25 });
    expect(evolveDefaults(undefined)).toEqual({ population: 100, sample: 25 });
  });
});

describe('strategy options of a new run', () => {
  it('refuses a misspelt option, naming it and the accepted ones', async () => {
    const r = await nas('search', '--objective', 'branin', '--strategy', 'tpe', '--options', '{"nStartupTrial":5}', '--budget', '2');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/field '--options': strategy 'tpe' has no option 'nStartupTrial'/);
    expect(r.err).toMatch(/strategy 'tpe' has no option 'nStartupTrial'/);
    expect(r.err).toMatch(/nStartupTrials/);
  });

  it('refuses a flag the strategy does not read (--sample for large-scale, --eta for bo)', async () => {
    const ls = await nas('search', '--objective', 'branin', '--strategy', 'large-scale', '--sample', '3', '--budget', '2');
    expect(ls.code).toBe(2);
    expect(ls.err).toMatch(/field '--sample': strategy 'large-scale' has no option 'sample'.*population, historySize/s);
    const bo = await nas('search', '--objective', 'branin', '--strategy', 'bo', '--eta', '3', '--budget', '2');
    expect(bo.err).toMatch(/strategy 'bo' has no option 'eta'/);
  });

  it('lists options for every strategy and accepts each listed one', () => {
    for (const name of strategyNames()) {
      const names = strategyOptionNames(name);
      expect(names, name).toBeDefined();
      for (const option of names ?? []) expect(() => checkStrategyOptions(name, { [option]: 1 })).not.toThrow();
    }
    expect(() => checkStrategyOptions('random', { points: 3 })).toThrow(/none \(random takes no options\)/);
    // Options left undefined (flags not given) are not options.
    expect(() => checkStrategyOptions('random', { sample: undefined })).not.toThrow();
  });
});
