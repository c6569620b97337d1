/**
 * Genomes in a compact notation a person reads at a glance (one line per cell), and what a mutation
 * changed between a parent and its child. Both work on the JSON forms a run's journal holds (what
 * `space.toJSON` gives), so they read any run without its space.
 *
 * NASNet cell: `2=sep3(0)+id(1) 3=max3(1)+sep5(2) 4=avg3(0)+dil3(3) cat(2,4)`: hidden state 2 + b is
 * block b's sum of two ops, each applied to the hidden state in brackets (0 = h_{i-2}, 1 = h_{i-1});
 * `cat` lists the block outputs no later block uses, concatenated as the cell's output.
 * NAS-Bench-201 cell: the benchmark's own string, `|nor_conv_3x3~0|+|...|`.
 * Large-scale network: `conv3x3/1:16,bnrelu skips 0>2 lr 0.1` (layers by position).
 */
import { largeScaleSummary, type LargeScaleGenome } from './large-scale.ts';
import { NB201_EDGES } from './types.ts';
import type { NasnetBlock, NasnetCell } from './types.ts';

/** Short names of the NASNet ops. */
export const NASNET_OP_SHORT: Readonly<Record<string, string>> = {
  identity: 'id', sep_conv_3x3: 'sep3', sep_conv_5x5: 'sep5', sep_conv_7x7: 'sep7', avg_pool_3x3: 'avg3',
  max_pool_3x3: 'max3', dil_sep_conv_3x3: 'dil3', conv_1x7_7x1: '1x7/7x1',
};

const short = (op: string): string => NASNET_OP_SHORT[op] ?? op;

/** One NASNet cell on one line. */
export function nasnetCellLine(cell: NasnetCell): string {
  const used = new Set(cell.blocks.flatMap((b) => b.inputs.filter((i) => i >= 2)));
  const blocks = cell.blocks.map((b, i) => `${i + 2}=${short(b.ops[0])}(${b.inputs[0]})+${short(b.ops[1])}(${b.inputs[1]})`);
  const loose = cell.blocks.map((_, i) => i + 2).filter((h) => !used.has(h));
  return `${blocks.join(' ')} cat(${loose.join(',')})`;
}

const record = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;

/** A genome's cells, one `[name, line]` pair each; undefined when `value` is not a genome's JSON form. */
export function genomeLines(value: unknown): Array<[string, string]> | undefined {
  const g = record(value);
  if (!g) return typeof value === 'string' && value.startsWith('|') ? [['cell', value]] : undefined;
  if (g.kind === 'nasnet' && record(g.normal) && record(g.reduction)) {
    return [['normal', nasnetCellLine(g.normal as unknown as NasnetCell)], ['reduction', nasnetCellLine(g.reduction as unknown as NasnetCell)]];
  }
  if (g.kind === 'nb201' && typeof g.arch === 'string') return [['cell', g.arch]];
  if (g.kind === 'large-scale' && Array.isArray(g.layers)) {
    return [['network', typeof g.arch === 'string' ? g.arch : largeScaleSummary(g as unknown as LargeScaleGenome)]];
  }
  return undefined;
}

/** What one mutation changed: a kind (for grouping and colour) and a readable description. */
export interface Change {
  /** `op`, `input` (a hidden state), `edge` (a NAS-Bench-201 edge's op), a large-scale mutation name, `hparams`, `same` or `other`. */
  kind: string;
  /** E.g. `normal 3: op sep3 -> max3 on input 1`. */
  text: string;
}

function blockChanges(cell: string, a: NasnetBlock[], b: NasnetBlock[]): Change[] {
  const out: Change[] = [];
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    for (const side of [0, 1]) {
      const [pa, pb] = [a[i], b[i]];
      if (pa.ops[side] !== pb.ops[side]) {
        out.push({ kind: 'op', text: `${cell} ${i + 2}: op ${short(pa.ops[side])} -> ${short(pb.ops[side])} on input ${pb.inputs[side]}` });
      }
      if (pa.inputs[side] !== pb.inputs[side]) {
        out.push({ kind: 'input', text: `${cell} ${i + 2}: input ${pa.inputs[side]} -> ${pb.inputs[side]} into ${short(pb.ops[side])}` });
      }
    }
  }
  return out;
}

const fmt = (v: unknown): string => (typeof v === 'number' ? String(Number(v.toPrecision(4))) : JSON.stringify(v));

function hparamChanges(a: Record<string, unknown>, b: Record<string, unknown>): Change[] {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
  return keys.filter((k) => JSON.stringify(a[k]) !== JSON.stringify(b[k])).map((k) => ({ kind: 'hparams', text: `${k} ${fmt(a[k])} -> ${fmt(b[k])}` }));
}

function genomeChanges(a: Record<string, unknown>, b: Record<string, unknown>): Change[] {
  if (a.kind === 'nasnet' && b.kind === 'nasnet') {
    return (['normal', 'reduction'] as const).flatMap((cell) =>
      blockChanges(cell, (record(a[cell])?.blocks ?? []) as NasnetBlock[], (record(b[cell])?.blocks ?? []) as NasnetBlock[]));
  }
  if (a.kind === 'nb201' && b.kind === 'nb201' && Array.isArray(a.edges) && Array.isArray(b.edges)) {
    const [ea, eb] = [a.edges as string[], b.edges as string[]];
    return NB201_EDGES.flatMap(([from, to], k) => (ea[k] !== eb[k] ? [{ kind: 'edge', text: `edge ${from}->${to}: ${ea[k]} -> ${eb[k]}` }] : []));
  }
  if (b.kind === 'large-scale' && typeof b.origin === 'string') {
    const detail = a.arch !== b.arch ? `: ${String(a.arch)} -> ${String(b.arch)}` : a.learningRate !== b.learningRate ? `: lr ${fmt(a.learningRate)} -> ${fmt(b.learningRate)}` : '';
    return [{ kind: b.origin, text: `${b.origin}${detail}` }];
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [{ kind: 'other', text: 'changed' }];
}

/**
 * What changed from `parent` to `child` (JSON forms): NASNet ops and inputs by cell and hidden state,
 * NAS-Bench-201 edge ops, the large-scale mutation applied, hyperparameters, or both parts of a joint
 * configuration. Equal configurations give `[{ kind: 'same', ... }]` (an identity mutation, or a
 * promotion to a higher fidelity).
 */
export function mutationBetween(parent: unknown, child: unknown): Change[] {
  const [a, b] = [record(parent), record(child)];
  let out: Change[];
  if (!a || !b) out = JSON.stringify(parent) === JSON.stringify(child) ? [] : [{ kind: 'other', text: `${fmt(parent)} -> ${fmt(child)}` }];
  else if ('arch' in a && 'hparams' in a && 'arch' in b && 'hparams' in b) {
    const [aa, ab] = [record(a.arch), record(b.arch)];
    out = [...(aa && ab ? genomeChanges(aa, ab) : []), ...hparamChanges(record(a.hparams) ?? {}, record(b.hparams) ?? {})];
  } else if (typeof a.kind === 'string' || typeof b.kind === 'string') out = genomeChanges(a, b);
  else out = hparamChanges(a, b);
  return out.length ? out : [{ kind: 'same', text: 'no change' }];
}
