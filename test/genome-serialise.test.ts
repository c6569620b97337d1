import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FileFormatError, ValidationError } from '../src/core/errors.ts';
import { Rng } from '../src/core/rng.ts';
import { genomeKindOf, genomeToJSON, hashGenome, validateGenome } from '../src/genome/genome.ts';
import { sampleNasnet } from '../src/genome/nasnet.ts';
import { nb201FromArch, sampleNb201 } from '../src/genome/nb201.ts';
import { NASNET_OPS, NB201_OPS } from '../src/genome/types.ts';
import type { CellGenome } from '../src/genome/types.ts';
import { decodeGenome, encodeGenome, genomeFromProto } from '../src/store/genome-codec.ts';
import { NAS_PROTO_FILE, protoEnum, protoType } from '../src/store/proto/root.ts';

function genomes(n: number): CellGenome[] {
  const rng = Rng.seeded('ser');
  return Array.from({ length: n }, (_, i) => (i % 2 === 0 ? sampleNasnet(rng, { blocks: 1 + (i % 7), ops: NASNET_OPS }) : sampleNb201(rng)));
}

describe('genome JSON form', () => {
  it('round-trips through JSON text', () => {
    for (const g of genomes(200)) {
      const text = JSON.stringify(genomeToJSON(g), null, 2);
      expect(validateGenome(JSON.parse(text))).toEqual(g);
    }
  });

  it('prints NAS-Bench-201 cells with their benchmark string', () => {
    const arch = '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|';
    expect(genomeToJSON(nb201FromArch(arch))).toMatchObject({ kind: 'nb201', arch });
  });

  it('needs a known kind', () => {
    expect(() => genomeKindOf({ normal: {} })).toThrow(/field 'kind'.*accepted: one of nasnet, nb201/);
    expect(() => validateGenome({ kind: 'darts' })).toThrow(ValidationError);
  });
});

describe('genome protobuf form', () => {
  it('round-trips every genome and keeps its hash', () => {
    for (const g of genomes(200)) {
      const bytes = encodeGenome(g);
      expect(bytes).toBeInstanceOf(Uint8Array);
      const back = decodeGenome(bytes);
      expect(back).toEqual(g);
      expect(hashGenome(back)).toBe(hashGenome(g));
    }
  });

  it('is compact: a B=5 NASNet genome takes well under 100 bytes', () => {
    const g = sampleNasnet(Rng.seeded(1), { blocks: 5, ops: NASNET_OPS });
    expect(encodeGenome(g).length).toBeLessThan(100);
    expect(encodeGenome(g).length).toBeLessThan(JSON.stringify(g).length / 4);
  });

  it('rejects bytes that are not a message, and messages that are not a valid genome', () => {
    expect(() => decodeGenome(Uint8Array.from([0x0a, 0xff, 0xff, 0xff]), 'x.bin')).toThrow(FileFormatError);
    expect(() => decodeGenome(new Uint8Array(0), 'empty.bin')).toThrow(/empty\.bin, field 'kind'/);
    // Block 0 reading hidden state 5 does not build a network.
    const bad = protoType('Genome').encode(
      protoType('Genome').fromObject({
        nasnet: {
          normal: { blocks: [{ input0: 5, input1: 0, op0: 'NASNET_OP_IDENTITY', op1: 'NASNET_OP_IDENTITY' }] },
          reduction: { blocks: [{ input0: 0, input1: 1, op0: 'NASNET_OP_IDENTITY', op1: 'NASNET_OP_IDENTITY' }] },
        },
      }),
    ).finish();
    expect(() => decodeGenome(bad, 'bad.bin')).toThrow(/bad\.bin, field 'normal\.blocks\[0\]\.inputs\[0\]'/);
    expect(() => genomeFromProto({ nb201: { edges: ['NB201_OP_NONE'] } })).toThrow(/field 'edges'/);
    expect(() => genomeFromProto({ nb201: { edges: Array(6).fill('NB201_OP_UNSPECIFIED') } })).toThrow(/field 'edges\[0\]'/);
  });

  it('has an enum value for every op, named after it, and a comment on every field and value', () => {
    const nasnet = protoEnum('NasnetOp').values, nb201 = protoEnum('Nb201Op').values;
    for (const op of NASNET_OPS) expect(nasnet[`NASNET_OP_${op.toUpperCase()}`]).toBeGreaterThan(0);
    for (const op of NB201_OPS) expect(nb201[`NB201_OP_${op.toUpperCase()}`]).toBeGreaterThan(0);
    const lines = readFileSync(NAS_PROTO_FILE, 'utf8').split('\n');
    lines.forEach((line, i) => {
      if (/^\s+(repeated\s+)?\w+\s+\w+\s*=\s*\d+;/.test(line) || /^\s+[A-Z0-9_]+\s*=\s*\d+;/.test(line)) {
        expect(lines[i - 1].trim().startsWith('//'), `line ${i + 1} needs a comment: ${line}`).toBe(true);
      }
    });
  });
});
