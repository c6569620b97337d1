import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileFormatError } from '../src/core/errors.ts';
import { Rng } from '../src/core/rng.ts';
import { AgingEvolution } from '../src/search/evolution/aging.ts';
import { Nb201Space } from '../src/spaces/nas-bench-201.ts';
import { decodeSnapshot, findRngStates, readSnapshot, writeSnapshot, type RunSnapshot } from '../src/store/snapshot.ts';

function agingState(): { state: unknown; strategy: AgingEvolution<unknown> } {
  const space = new Nb201Space();
  const s = new AgingEvolution(space, Rng.seeded(3), { population: 4, sample: 2 }) as AgingEvolution<unknown>;
  for (let i = 0; i < 9; i++) {
    const r = s.ask();
    if (r.kind === 'suggestion') s.tell(r.suggestion.id, { status: 'ok', score: i * 1.5 });
  }
  return { state: s.saveState(), strategy: s };
}

describe('snapshots', () => {
  it('round-trip through protobuf exactly, rng states included, written atomically', () => {
    const d = mkdtempSync(join(tmpdir(), 'nas-snap-'));
    const { state, strategy } = agingState();
    const snap: RunSnapshot = {
      journalLines: 27, strategy: 'aging', strategyState: state,
      population: strategy.population!().map((m) => ({ id: m.id, hash: `h${m.id}`, score: m.score })),
      rngs: findRngStates(state), evaluations: 9, children: 9, writtenAtMs: 1234.5,
    };
    expect(snap.rngs.map((r) => r.name)).toEqual(['rng']);
    const file = join(d, 'snapshot.pb');
    writeSnapshot(file, snap);
    expect(readdirSync(d)).toEqual(['snapshot.pb']);
    expect(readSnapshot(file)).toEqual(snap);
    const restored = Rng.fromState(readSnapshot(file)!.rngs[0].state);
    expect(restored.next()).toBe(Rng.fromState((state as { rng: ReturnType<Rng['state']> }).rng).next());
  });

  it('finds every rng state nested in a strategy state', () => {
    const rng = Rng.seeded('a').state();
    expect(findRngStates({ rng, arms: [{ rng }, { x: 1 }], sampler: { inner: { rng } } }).map((r) => r.name)).toEqual(['rng', 'arms.0.rng', 'sampler.inner.rng']);
  });

  it('says which file is corrupt', () => {
    const d = mkdtempSync(join(tmpdir(), 'nas-snap-'));
    const file = join(d, 'snapshot.pb');
    writeFileSync(file, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    expect(() => readSnapshot(file)).toThrow(FileFormatError);
    expect(() => readSnapshot(file)).toThrow(/snapshot.pb: corrupt snapshot .*delete it to resume from the journal alone/);
    expect(readSnapshot(join(d, 'none.pb'))).toBeUndefined();
    expect(() => decodeSnapshot(readFileSync(file), 'x.pb')).toThrow(/^x.pb/);
  });
});
