/**
 * What the search chose, over time: the share of each operation and connection among the children in
 * successive stretches of the run, and, for hyperparameters (and the cell edges of joint spaces), each
 * parameter's values against the score with a parameter importance.
 */
import { quantile } from './analysis.ts';
import { NB201_EDGES } from '../genome/types.ts';
import type { ChildRow, RunData } from './run-data.ts';

/** One point of a share-over-time chart. */
export interface ShareRow {
  /** Evaluations done at the end of the stretch. */
  evaluation: number;
  /** Which chart: `normal`, `reduction`, `cell`, `network`. */
  group: string;
  /** The operation, input or edge. */
  key: string;
  /** Share (0..1) among the stretch's choices, or a mean count for `network`. */
  value: number;
}

/** Choices over time: operations, and connections (inputs, live edges, skips). */
export interface ChoiceShares {
  /** Children per stretch. */
  stretch: number;
  ops: ShareRow[];
  connections: ShareRow[];
  /** What `connections` measures. */
  connectionMeaning: string;
}

const record = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});

/** The genome part of a configuration (a joint configuration's `arch`). */
export function genomePart(config: unknown): Record<string, unknown> {
  const c = record(config);
  return 'hparams' in c && 'arch' in c ? record(c.arch) : c;
}

type Counter = Map<string, number>;
const bump = (m: Counter, k: string, by = 1): void => void m.set(k, (m.get(k) ?? 0) + by);

/** Adds one child's choices to the counters of its stretch. */
function countChild(g: Record<string, unknown>, ops: Map<string, Counter>, links: Map<string, Counter>): string | undefined {
  const at = (m: Map<string, Counter>, group: string): Counter => m.get(group) ?? (m.set(group, new Map()), m.get(group) as Counter);
  if (g.kind === 'nasnet') {
    for (const cell of ['normal', 'reduction']) {
      for (const b of (record(g[cell]).blocks ?? []) as Array<{ inputs: number[]; ops: string[] }>) {
        b.ops.forEach((op) => bump(at(ops, cell), op));
        b.inputs.forEach((i) => bump(at(links, cell), i === 0 ? 'h(i-2)' : i === 1 ? 'h(i-1)' : `block ${i}`));
      }
    }
    return 'share of block inputs taken from each hidden state (0 = h(i-2), 1 = h(i-1), 2.. = block outputs)';
  }
  if (g.kind === 'nb201' && Array.isArray(g.edges)) {
    (g.edges as string[]).forEach((op, k) => {
      bump(at(ops, 'cell'), op);
      bump(at(links, 'cell'), `${NB201_EDGES[k][0]}->${NB201_EDGES[k][1]}`, op === 'none' ? 0 : 1);
    });
    return 'fraction of children whose edge carries an operation (not none)';
  }
  if (g.kind === 'large-scale' && Array.isArray(g.layers)) {
    for (const l of g.layers as Array<{ kind: string; kernel?: number[] }>) bump(at(ops, 'network'), l.kind === 'conv' ? `conv ${l.kernel?.join('x')}` : l.kind);
    bump(at(links, 'network'), 'skips per child', Array.isArray(g.skips) ? g.skips.length : 0);
    bump(at(links, 'network'), 'layers per child', (g.layers as unknown[]).length);
    return 'mean number of layers and skip connections per child';
  }
  return undefined;
}

/** Shares of operations and connections in stretches of children (the population size, at least 10 and at most about 30 stretches). */
export function choiceShares(run: RunData): ChoiceShares | undefined {
  const children = run.evaluated;
  const p = run.config.strategyOptions.population;
  const stretch = Math.max(typeof p === 'number' ? p : 1, Math.ceil(children.length / 30), Math.min(10, Math.ceil(children.length / 6)), 1);
  const ops: ShareRow[] = [];
  const connections: ShareRow[] = [];
  let meaning: string | undefined;
  for (let start = 0; start < children.length; start += stretch) {
    const part = children.slice(start, start + stretch);
    const opCount = new Map<string, Counter>();
    const linkCount = new Map<string, Counter>();
    for (const c of part) meaning = countChild(genomePart(c.config), opCount, linkCount) ?? meaning;
    const evaluation = start + part.length;
    for (const [group, m] of opCount) {
      const total = [...m.values()].reduce((s, v) => s + v, 0);
      for (const [key, v] of m) ops.push({ evaluation, group, key, value: v / total });
    }
    for (const [group, m] of linkCount) {
      const perChild = group === 'network' || group === 'cell';
      const total = perChild ? part.length : [...m.values()].reduce((s, v) => s + v, 0);
      for (const [key, v] of m) connections.push({ evaluation, group, key, value: v / total });
    }
  }
  return meaning ? { stretch, ops, connections, connectionMeaning: meaning } : undefined;
}

/** One searched parameter: its values for each evaluated child (undefined where inactive). */
export interface Parameter {
  name: string;
  kind: 'numeric' | 'categorical';
  /** Numeric values spanning more than two decades, all positive: plot on a log axis. */
  log: boolean;
  values: Array<number | string | undefined>;
}

/** The hyperparameters of a run's evaluated children (and a joint space's NAS-Bench-201 edges). */
export function parameters(run: RunData): Parameter[] {
  const rows = run.evaluated.map((c) => paramValues(c));
  const names = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  return names.map((name) => {
    const values = rows.map((r) => r[name]);
    const present = values.filter((v) => v !== undefined);
    const numeric = present.length > 0 && present.every((v) => typeof v === 'number');
    const nums = present.filter((v): v is number => typeof v === 'number');
    const log = numeric && Math.min(...nums) > 0 && Math.max(...nums) / Math.min(...nums) > 100;
    return { name, kind: numeric ? 'numeric' : 'categorical', log, values: numeric ? values : values.map((v) => (v === undefined ? undefined : String(v))) };
  });
}

function paramValues(c: ChildRow): Record<string, number | string> {
  const config = record(c.config);
  const joint = 'hparams' in config && 'arch' in config;
  const hp = joint ? record(config.hparams) : typeof config.kind === 'string' ? {} : config;
  const out: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(hp)) if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') out[k] = typeof v === 'boolean' ? String(v) : v;
  const arch = genomePart(c.config);
  if (joint && arch.kind === 'nb201' && Array.isArray(arch.edges)) {
    (arch.edges as string[]).forEach((op, k) => (out[`edge ${NB201_EDGES[k][0]}->${NB201_EDGES[k][1]}`] = op));
  }
  return out;
}

/**
 * Parameter importance: the share of the score's variance each parameter explains on its own, as omega
 * squared (the between-group sum of squares less what chance gives k groups, over the total: eta squared
 * corrected for the number of groups, clipped at 0). Categorical values are groups, numeric values fall in
 * up to 10 quantile bins, an inactive (conditional) parameter is a group of its own. Main effects only;
 * interactions are credited to no parameter.
 */
export function importance(run: RunData, params: readonly Parameter[]): Array<{ name: string; importance: number }> {
  const scores = run.evaluated.map((c) => c.score as number);
  const n = scores.length;
  const mean = scores.reduce((s, v) => s + v, 0) / Math.max(1, n);
  const total = scores.reduce((s, v) => s + (v - mean) ** 2, 0);
  return params.map((p) => {
    const groups = new Map<string, number[]>();
    const cuts = p.kind === 'numeric' ? binEdges(p.values.filter((v): v is number => typeof v === 'number')) : [];
    p.values.forEach((v, i) => {
      const key = v === undefined ? 'inactive' : typeof v === 'number' ? String(cuts.filter((c) => v > c).length) : v;
      const g = groups.get(key);
      if (g) g.push(scores[i]);
      else groups.set(key, [scores[i]]);
    });
    let between = 0;
    for (const g of groups.values()) {
      const m = g.reduce((s, v) => s + v, 0) / g.length;
      between += g.length * (m - mean) ** 2;
    }
    const k = groups.size;
    const within = n > k ? (total - between) / (n - k) : 0;
    const omega = total > 0 ? (between - (k - 1) * within) / (total + within) : 0;
    return { name: p.name, importance: Math.max(0, omega) };
  }).sort((a, b) => b.importance - a.importance || a.name.localeCompare(b.name));
}

/** Up to 9 distinct inner quantile cut points (10 bins). */
function binEdges(values: number[]): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  return [...new Set(Array.from({ length: 9 }, (_, i) => quantile(sorted, (i + 1) / 10)))];
}
