/**
 * Imports every strategy module so that each registers itself in registry.ts.
 * Import this file (not the registry alone) where strategies are built by name.
 */
import './asha.ts';
import './bananas.ts';
import './bo.ts';
import './bohb.ts';
import './evolution/aging.ts';
import './evolution/large-scale.ts';
import './grid.ts';
import './hyperband.ts';
import './local-search.ts';
import './pbt.ts';
import './random.ts';
import './screened-aging.ts';
import './tpe.ts';

export {};
