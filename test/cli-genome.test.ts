import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { hashGenome, validateGenome } from '../src/genome/genome.ts';
import { nb201FromArch } from '../src/genome/nb201.ts';
import type { NasnetGenome } from '../src/genome/types.ts';
import { encodeGenome } from '../src/store/genome-codec.ts';
import { nas } from './helpers/run-cli.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), 'nas-cli-genome-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));



function write(name: string, content: unknown): string {
  const file = join(tmp, name);
  writeFileSync(file, typeof content === 'string' || content instanceof Uint8Array ? content : JSON.stringify(content));
  return file;
}

describe('nas genome random', () => {
  it('prints the same genome for the same seed and another for another seed', async () => {
    for (const space of ['nasnet-cell', 'nas-bench-201']) {
      const a = await nas('genome', 'random', '--space', space, '--seed', '42');
      const b = await nas('genome', 'random', '--space', space, '--seed', '42');
      const c = await nas('genome', 'random', '--space', space, '--seed', '43');
      expect(a.code).toBe(0);
      expect(a.out).toBe(b.out);
      expect(a.out).not.toBe(c.out);
      const g = validateGenome(JSON.parse(a.out));
      expect(g.kind).toBe(space === 'nasnet-cell' ? 'nasnet' : 'nb201');
      if (g.kind === 'nasnet') expect(g.normal.blocks).toHaveLength(5);
    }
  });

  it('takes a space file, and draws and prints a seed when none is given', async () => {
    const file = write('tiny.json', { type: 'nasnet-cell', ops: ['identity'], blocks: 2, cellsPerStack: 1, stacks: 1, initialFilters: 4 });
    const r = await nas('genome', 'random', '--space', file);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^seed: \d+\n$/);
    const g = JSON.parse(r.out) as NasnetGenome;
    expect(g.reduction.blocks.flatMap((b) => b.ops)).toEqual(['identity', 'identity', 'identity', 'identity']);
    const again = await nas('genome', 'random', '--space', file, '--seed', r.err.slice(6).trim());
    expect(again.out).toBe(r.out);
  });

  it('fails with a usage error without --space and with a clear error for an unknown space', async () => {
    expect((await nas('genome', 'random', '--seed', '1')).code).toBe(2);
    const r = await nas('genome', 'random', '--space', 'nope', '--seed', '1');
    expect(r.code).toBe(1);
    expect(r.err).toContain("unknown space 'nope'");
    expect(r.err).toContain('nasnet-cell');
  });
});

describe('nas genome mutate', () => {
  it('prints a child that differs by one mutation, the same for the same seed', async () => {
    const parentFile = write('parent.json', (await nas('genome', 'random', '--space', 'nasnet-cell', '--seed', '5')).out);
    const a = await nas('genome', 'mutate', parentFile, '--seed', '9');
    const b = await nas('genome', 'mutate', parentFile, '--seed', '9', '--space', 'nasnet-cell');
    expect(a.code).toBe(0);
    expect(a.out).toBe(b.out);
    const parent = validateGenome(JSON.parse((await nas('genome', 'random', '--space', 'nasnet-cell', '--seed', '5')).out)) as NasnetGenome;
    const child = validateGenome(JSON.parse(a.out)) as NasnetGenome;
    const diffs = (['normal', 'reduction'] as const).flatMap((cell) =>
      child[cell].blocks.flatMap((blk, i) => [0, 1].filter((s) => blk.inputs[s] !== parent[cell].blocks[i].inputs[s] || blk.ops[s] !== parent[cell].blocks[i].ops[s])),
    );
    expect(diffs).toHaveLength(1);
  });

  it('mutates NAS-Bench-201 cells given as a bare arch, and protobuf files', async () => {
    const arch = '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|';
    const r = await nas('genome', 'mutate', write('cell.json', { kind: 'nb201', arch }), '--seed', '1');
    const child = validateGenome(JSON.parse(r.out));
    expect(child.kind === 'nb201' && child.edges.filter((op, k) => op !== nb201FromArch(arch).edges[k])).toHaveLength(1);
    const pb = write('cell.pb', encodeGenome(nb201FromArch(arch)));
    expect((await nas('genome', 'mutate', pb, '--seed', '1')).out).toBe(r.out);
  });
});

describe('nas genome validate and hash', () => {
  it('accepts a valid genome and prints its hash', async () => {
    const file = write('ok.json', (await nas('genome', 'random', '--space', 'nas-bench-201', '--seed', '2')).out);
    const v = await nas('genome', 'validate', file);
    expect(v.code).toBe(0);
    expect(v.out).toContain('valid in space nas-bench-201');
    const h = await nas('genome', 'hash', file);
    expect(h.out.trim()).toMatch(/^[0-9a-f]{16}$/);
    expect(v.out).toContain(h.out.trim());
  });

  it('names the file and field of what is wrong and exits non-zero', async () => {
    const g = JSON.parse((await nas('genome', 'random', '--space', 'nasnet-cell', '--seed', '3')).out);
    g.normal.blocks[2].inputs[1] = 7;
    const file = write('bad.json', g);
    const r = await nas('genome', 'validate', file);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain(`${file}, field 'normal.blocks[2].inputs[1]': got 7; accepted: an integer in [0, 3]`);
    expect((await nas('genome', 'hash', file)).code).toBe(1);
    const kindless = write('kindless.json', { normal: g.normal });
    expect((await nas('genome', 'validate', kindless)).err).toContain("field 'kind'");
    expect((await nas('genome', 'validate', write('notjson.json', '{'))).err).toContain('not valid JSON');
    expect((await nas('genome', 'validate', join(tmp, 'absent.json'))).code).toBe(1);
  });

  it('validates against a restricted space given with --space', async () => {
    const space = write('two-ops.json', { type: 'nas-bench-201', ops: ['none', 'skip_connect'], cellsPerStack: 1, stacks: 1, initialFilters: 8 });
    const cell = write('conv.json', { kind: 'nb201', arch: '|nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|skip_connect~2|' });
    const r = await nas('genome', 'validate', cell, '--space', space);
    expect(r.code).toBe(1);
    expect(r.err).toContain('accepted: one of none, skip_connect');
  });

  it('gives equal hashes to genomes that build the same network', async () => {
    const a = { kind: 'nb201', arch: '|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|none~1|none~2|' };
    const b = { kind: 'nb201', arch: '|none~0|+|none~0|nor_conv_1x1~1|+|skip_connect~0|none~1|none~2|' };
    const ha = (await nas('genome', 'hash', write('a.json', a))).out;
    expect((await nas('genome', 'hash', write('b.json', b))).out).toBe(ha);
    expect(ha.trim()).toBe(hashGenome(validateGenome(b)));
  });
});

describe('nas space show', () => {
  it('summarises the shipped spaces with their size', async () => {
    const nb = await nas('space', 'show', 'nas-bench-201');
    expect(nb.code).toBe(0);
    expect(nb.out).toContain('15,625 cells');
    const nn = await nas('space', 'show', 'nasnet-cell');
    expect(nn.out).toMatch(/B = 5 blocks/);
    expect(nn.out).toMatch(/size: [\d.e+]+ genomes/);
    expect((await nas('space', 'list')).out).toContain('nasnet-cell\n');
  });

  it('names the file and field of a bad space file', async () => {
    const file = write('neg.json', { type: 'nasnet-cell', ops: ['identity'], blocks: -2, cellsPerStack: 1, stacks: 1, initialFilters: 4 });
    const r = await nas('space', 'show', file);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${file}, field 'blocks': got -2; accepted: an integer in [1, 16]`);
  });
});

describe('the nas bin', () => {
  it('runs `node bin/nas.js --help` and lists the commands', () => {
    const r = spawnSync(process.execPath, ['bin/nas.js', '--help'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('nas genome');
    expect(r.stdout).toContain('nas space');
  });

  it('repeats a random genome across processes', () => {
    const run = (): string => spawnSync(process.execPath, ['bin/nas.js', 'genome', 'random', '--space', 'nasnet-cell', '--seed', '7'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 }).stdout;
    const first = run();
    expect(first).toContain('"kind": "nasnet"');
    expect(run()).toBe(first);
  });
});
