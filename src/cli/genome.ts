/**
 * `nas genome random|mutate|validate|hash`: sample, mutate, check and hash cell genomes.
 * Genome files hold the JSON form (what `nas genome random` prints) or, with a `.pb` extension,
 * the protobuf form (nas.v1.Genome).
 */
import { readFileSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { FileFormatError, ValidationError } from '../core/errors.ts';
import { Rng, resolveSeed } from '../core/rng.ts';
import { genomeKindOf, genomeToJSON, hashGenome, validateGenome } from '../genome/genome.ts';
import { DEFAULT_SPACE_FOR_KIND, loadSpace } from '../spaces/load.ts';
import type { SearchSpace } from '../spaces/space.ts';
import { decodeGenome } from '../store/genome-codec.ts';
import type { AnyCommand } from './commands.ts';
import { numeric } from './numeric.ts';

/** Reads a genome file as an untyped value (JSON) or a typed genome's JSON form (`.pb`). */
export function readGenomeFile(file: string): unknown {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (err) {
    throw new FileFormatError(file, `cannot read: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (file.endsWith('.pb')) return genomeToJSON(decodeGenome(bytes, file));
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new FileFormatError(file, `not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Runs `fn`, locating any ValidationError it throws in `file`. */
function inFile<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ValidationError && err.location.file === undefined) throw err.inFile(file);
    throw err;
  }
}

/** The space named by --space, else the shipped space of the genome's kind. */
function spaceFor(value: unknown, file: string, space: string | undefined): SearchSpace<unknown> {
  if (space !== undefined) return loadSpace(space);
  return loadSpace(DEFAULT_SPACE_FOR_KIND[inFile(file, () => genomeKindOf(value))]);
}

/** The seed to use: --seed, or a drawn one (0 or absent), which is printed to stderr so the run can be repeated. */
function seedOf(seed: number | undefined): number {
  if (seed !== undefined && (!Number.isInteger(seed) || seed < 0)) {
    throw new ValidationError(`got ${seed}`, { field: '--seed' }, 'an integer >= 0 (0 draws one)');
  }
  const resolved = resolveSeed(seed);
  if (seed === undefined || seed === 0) process.stderr.write(`seed: ${resolved}\n`);
  return resolved;
}

/** Indented JSON with arrays of plain values kept on one line (`"inputs": [0, 1]`). */
export function formatJSON(value: unknown, indent = ''): string {
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.every((v) => v === null || typeof v !== 'object')) return `[${value.map((v) => JSON.stringify(v) ?? 'null').join(', ')}]`;
    return `[\n${value.map((v) => inner + formatJSON(v, inner)).join(',\n')}\n${indent}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return '{}';
    return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${formatJSON(v, inner)}`).join(',\n')}\n${indent}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function printJSON(value: unknown): void {
  process.stdout.write(`${formatJSON(value)}\n`);
}

const withSpace = <T>(y: Argv<T>, describe: string) => y.option('space', { type: 'string', describe });
const withSeed = <T>(y: Argv<T>) => y.option('seed', numeric('seed', 'random seed; the same seed prints the same genome (0 or absent: draw one and print it)'));
const withFile = <T>(y: Argv<T>) => y.positional('file', { type: 'string', demandOption: true, describe: 'genome file (JSON, or .pb protobuf)' });

const random: CommandModule<object, { space: string; seed?: number }> = {
  command: 'random',
  describe: 'Print a uniformly random genome of a space (JSON)',
  builder: (y: Argv) => withSeed(withSpace(y, 'space name (search-spaces/<name>.json) or space file').demandOption('space')) as Argv<{ space: string; seed?: number }>,
  handler: (argv) => {
    const space = loadSpace(argv.space);
    printJSON(space.toJSON(space.sample(Rng.seeded(seedOf(argv.seed)))));
  },
};

const mutate: CommandModule<object, { file: string; space?: string; seed?: number }> = {
  command: 'mutate <file>',
  describe: 'Print a child of the genome in <file>: one mutation of Real et al. 2019 (JSON)',
  builder: (y: Argv) => withSeed(withSpace(withFile(y), 'space name or file (default: the shipped space of the genome\'s kind)')) as Argv<{ file: string; space?: string; seed?: number }>,
  handler: (argv) => {
    const value = readGenomeFile(argv.file);
    const space = spaceFor(value, argv.file, argv.space);
    const parent = inFile(argv.file, () => space.validate(value));
    const child = space.mutate(parent, Rng.seeded(seedOf(argv.seed)));
    printJSON(space.toJSON(child));
  },
};

const validate: CommandModule<object, { file: string; space?: string }> = {
  command: 'validate <file>',
  describe: 'Check a genome file against a space; exit 0, or print what is wrong (file, field, accepted values) and exit 1',
  builder: (y: Argv) => withSpace(withFile(y), 'space name or file (default: the shipped space of the genome\'s kind)') as Argv<{ file: string; space?: string }>,
  handler: (argv) => {
    const value = readGenomeFile(argv.file);
    const space = spaceFor(value, argv.file, argv.space);
    const genome = inFile(argv.file, () => space.validate(value));
    process.stdout.write(`${argv.file}: valid in space ${space.name} (hash ${space.hash(genome)})\n`);
  },
};

const hash: CommandModule<object, { file: string; space?: string }> = {
  command: 'hash <file>',
  describe: 'Print the canonical hash of a genome: equal for genomes that build the same network',
  builder: (y: Argv) => withSpace(withFile(y), 'space name or file to validate against (default: any valid genome of its kind)') as Argv<{ file: string; space?: string }>,
  handler: (argv) => {
    const value = readGenomeFile(argv.file);
    if (argv.space !== undefined) {
      const space = loadSpace(argv.space);
      process.stdout.write(`${space.hash(inFile(argv.file, () => space.validate(value)))}\n`);
      return;
    }
    process.stdout.write(`${hashGenome(inFile(argv.file, () => validateGenome(value)))}\n`);
  },
};

/** `nas genome <random|mutate|validate|hash>`. */
export const genomeCommand: AnyCommand = {
  command: 'genome',
  describe: 'Sample, mutate, validate and hash cell genomes',
  builder: (y: Argv) =>
    y.command(random).command(mutate).command(validate).command(hash).demandCommand(1, 'Name an action: random, mutate, validate or hash.'),
  handler: () => undefined,
};
