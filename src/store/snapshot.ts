/**
 * Run snapshots (message `nas.v1.RunSnapshot` of nas.proto): the strategy's state after a known number
 * of journal events, its population and every rng state in it. Written atomically (temp file, fsync,
 * rename), so a reader, or a resume after a kill, sees the previous snapshot or the new one.
 */
import { existsSync, readFileSync } from 'node:fs';
import { FileFormatError } from '../core/errors.ts';
import type { RngState } from '../core/rng.ts';
import { writeFileAtomic } from './atomic.ts';
import { protoType } from './proto/root.ts';

/** A snapshot in memory. */
export interface RunSnapshot {
  /** Journal lines (events) the snapshot covers. */
  journalLines: number;
  /** Registry name of the strategy. */
  strategy: string;
  /** The strategy's saveState() (plain JSON). */
  strategyState: unknown;
  /** The population, oldest first (empty for strategies without one). */
  population: Array<{ id: number; hash: string; score: number }>;
  /** Every generator found in the strategy state, named by its path there. */
  rngs: Array<{ name: string; state: RngState }>;
  /** Children evaluated so far. */
  evaluations: number;
  /** Children asked so far. */
  children: number;
  /** When it was written (ms since the epoch). */
  writtenAtMs: number;
}

interface RunSnapshotProto {
  format?: number;
  journalLines?: number | { toNumber(): number };
  strategy?: string;
  strategyStateJson?: string;
  population?: Array<{ id?: number; hash?: string; score?: number }>;
  rngs?: Array<{ name?: string; seed?: string; c?: number; s0?: number; s1?: number; s2?: number }>;
  evaluations?: number;
  children?: number;
  writtenAtMs?: number;
}

function isRngState(v: unknown): v is RngState {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  const a = o.alea as Record<string, unknown> | undefined;
  return typeof o.seed === 'string' && typeof a === 'object' && a !== null && typeof a.s0 === 'number';
}

/** Finds every RngState inside a JSON value, named by its path (`rng`, `sampler.rng`, `arms.2.rng`). */
export function findRngStates(value: unknown, path = ''): Array<{ name: string; state: RngState }> {
  if (isRngState(value)) return [{ name: path || 'rng', state: value }];
  if (typeof value !== 'object' || value === null) return [];
  const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
  return entries.flatMap(([k, v]) => findRngStates(v, path ? `${path}.${k}` : k));
}

/** Encodes a snapshot as protobuf bytes. */
export function encodeSnapshot(s: RunSnapshot): Uint8Array {
  const type = protoType('RunSnapshot');
  const message: RunSnapshotProto = {
    format: 1,
    journalLines: s.journalLines,
    strategy: s.strategy,
    strategyStateJson: JSON.stringify(s.strategyState),
    population: s.population,
    rngs: s.rngs.map(({ name, state }) => ({ name, seed: state.seed, ...state.alea })),
    evaluations: s.evaluations,
    children: s.children,
    writtenAtMs: s.writtenAtMs,
  };
  return type.encode(type.fromObject(message)).finish();
}

/** Decodes snapshot bytes; anything malformed is a FileFormatError naming `file`. */
export function decodeSnapshot(bytes: Uint8Array, file: string): RunSnapshot {
  const type = protoType('RunSnapshot');
  let m: RunSnapshotProto;
  try {
    m = type.toObject(type.decode(bytes), { longs: Number, defaults: true }) as RunSnapshotProto;
  } catch (err) {
    throw new FileFormatError(file, `corrupt snapshot (${(err as Error).message}); delete it to resume from the journal alone`);
  }
  if (m.format !== 1) throw new FileFormatError(file, `unknown snapshot format ${String(m.format)} (accepted: 1)`);
  let strategyState: unknown;
  try {
    strategyState = JSON.parse(m.strategyStateJson ?? '');
  } catch {
    throw new FileFormatError(file, 'corrupt snapshot: the strategy state is not JSON; delete it to resume from the journal alone');
  }
  return {
    journalLines: Number(m.journalLines),
    strategy: m.strategy ?? '',
    strategyState,
    population: (m.population ?? []).map((p) => ({ id: p.id ?? 0, hash: p.hash ?? '', score: p.score ?? 0 })),
    rngs: (m.rngs ?? []).map((r) => ({ name: r.name ?? '', state: { seed: r.seed ?? '', alea: { c: r.c ?? 0, s0: r.s0 ?? 0, s1: r.s1 ?? 0, s2: r.s2 ?? 0 } } })),
    evaluations: m.evaluations ?? 0,
    children: m.children ?? 0,
    writtenAtMs: m.writtenAtMs ?? 0,
  };
}

/** Writes a snapshot atomically. */
export function writeSnapshot(file: string, s: RunSnapshot): void {
  writeFileAtomic(file, encodeSnapshot(s));
}

/** Reads a snapshot, or undefined when there is none yet. */
export function readSnapshot(file: string): RunSnapshot | undefined {
  if (!existsSync(file)) return undefined;
  return decodeSnapshot(readFileSync(file), file);
}
