/**
 * Paired comparison of two pick files of bench/nas-bench-201.ts (`--out`): runs of the same strategy
 * and rule share their seeds, so the difference of their test_200 seed by seed has a paired t (far
 * sharper than Welch's when the runs share their first, random, children). Prints each file's mean ±
 * std and how many picks reach the best test_200 of both, then the mean difference (second minus
 * first), its standard deviation and the paired t.
 *
 *   npx tsx bench/paired-picks.ts <first.json> <second.json> [--rule counted]
 */
import { readFileSync } from 'node:fs';
import { stringArg } from './args.ts';
import { mean, std } from './stats.ts';

interface Pick {
  strategy: string;
  rule: string;
  seed: number;
  valid_12: number;
  test_200: number;
}

const [firstPath, secondPath] = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
if (!firstPath || !secondPath) throw new Error('usage: npx tsx bench/paired-picks.ts <first.json> <second.json> [--rule counted]');
const rule = stringArg('rule', 'counted');

function picks(path: string): Map<number, Pick> {
  const list = JSON.parse(readFileSync(path, 'utf8')) as Pick[];
  const chosen = list.filter((p) => p.rule === rule);
  const strategies = new Set(chosen.map((p) => p.strategy));
  if (strategies.size !== 1) throw new Error(`${path}: expected the picks of one strategy under rule ${rule}, found ${[...strategies].join(', ') || 'none'}`);
  return new Map(chosen.map((p) => [p.seed, p]));
}

const a = picks(firstPath);
const b = picks(secondPath);
const seeds = [...a.keys()].filter((s) => b.has(s));
if (seeds.length < 2) throw new Error(`${firstPath} and ${secondPath} share ${seeds.length} seed(s); a paired t needs two or more`);
const ta = seeds.map((s) => (a.get(s) as Pick).test_200);
const tb = seeds.map((s) => (b.get(s) as Pick).test_200);
const top = Math.max(...ta, ...tb);
const hits = (xs: number[]): number => xs.filter((x) => x === top).length;
const diff = tb.map((x, i) => x - ta[i]);
const sd = std(diff);
const t = sd > 0 ? mean(diff) / (sd / Math.sqrt(diff.length)) : 0;
const line = (path: string, xs: number[]): string => `${path}: ${mean(xs).toFixed(3)} ± ${std(xs).toFixed(3)}, ${hits(xs)} picks at ${top.toFixed(2)}`;
console.log(`${seeds.length} shared seeds, rule ${rule}`);
console.log(line(firstPath, ta));
console.log(line(secondPath, tb));
console.log(`second minus first: ${mean(diff) >= 0 ? '+' : ''}${mean(diff).toFixed(4)} ± ${sd.toFixed(3)}, paired t ${t.toFixed(2)} (${diff.filter((d) => d > 0).length} better, ${diff.filter((d) => d < 0).length} worse)`);
