/**
 * Any configuration a run's journal holds, in a compact readable notation: one line per cell for
 * genomes (src/genome/notation.ts), `name=value` pairs for hyperparameters, both for a joint
 * configuration. Used by `nas status`, the report and the dashboard.
 */
import { genomeLines } from '../genome/notation.ts';

const record = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** A number with at most four significant digits; other values as JSON. */
export function shortValue(v: unknown): string {
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(4)));
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Hyperparameters on one line: `lr=0.01 optimizer=adam`. */
export function hparamsLine(values: Record<string, unknown>): string {
  return Object.entries(values).map(([k, v]) => `${k}=${shortValue(v)}`).join(' ');
}

/** The lines of a configuration, each `[name, text]`: `normal`/`reduction`, `cell`, `network`, `hparams`. */
export function configLines(config: unknown): Array<[string, string]> {
  const genome = genomeLines(config);
  if (genome) return genome;
  const c = record(config);
  if (!c) return [['value', shortValue(config)]];
  if ('arch' in c && 'hparams' in c) {
    return [...(genomeLines(c.arch) ?? [['arch', shortValue(c.arch)]]), ['hparams', hparamsLine(record(c.hparams) ?? {})]];
  }
  return [['hparams', hparamsLine(c)]];
}
