/**
 * The tabular evaluator `table:<csv>`: looks a child up in a benchmark table such as NAS-Bench-201's
 * (README.md, Datasets: `data/benchmarks/nas-bench-201/cifar10.csv`) instead of training it. The table has one row per
 * architecture, an `arch` column with the benchmark's architecture string, and numeric metric columns.
 * `metric` (default `valid_12`) is the search signal; `report` (default `test_200`) is recorded and
 * never used to choose. No tfjs here: a lookup takes microseconds, so strategies are testable in
 * milliseconds and comparable with published simulations.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Evaluator, EvaluatorOptions } from '../core/evaluator.ts';
import { parse } from 'csv-parse/sync';
import { FileFormatError, StorageError, ValidationError, errnoOf } from '../core/errors.ts';
import type { EvalRequest, EvalResult } from '../core/trial.ts';
import { nb201FromArch, nb201ToArch, validateNb201Genome } from '../genome/nb201.ts';

/** A benchmark table in memory: the column names and one row of numbers per architecture string. */
export interface BenchmarkTable {
  file: string;
  columns: readonly string[];
  rows: ReadonlyMap<string, readonly number[]>;
}

/** Options of the table evaluator. */
export interface TableEvaluatorOptions {
  /** The CSV file. */
  file: string;
  /** Column used as the score (higher is better). Default `valid_12`. */
  metric?: string;
  /** Column recorded as the report, never used to choose. Default `test_200`; `none` records nothing. */
  report?: string;
}

const KEY_COLUMN = 'arch';
const CACHE = new Map<string, BenchmarkTable>();
const NUMBER_CELL = /^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i;
const MISSING_CELL = /^(nan|na)$/i;

/** Parses the CSV text into records with their line numbers; a malformed file names its line. */
function parseCsv(file: string, text: string): Array<{ record: string[]; line: number }> {
  try {
    const rows = parse(text, { bom: true, info: true, skip_empty_lines: true, trim: true }) as unknown as Array<{ record: string[]; info: { lines: number } }>;
    return rows.map((r) => ({ record: r.record, line: r.info.lines }));
  } catch (err) {
    const e = err as { message: string; lines?: number };
    throw new FileFormatError(file, `not a valid CSV file: ${e.message}`, e.lines);
  }
}

/** One numeric cell: a number, or `nan`/`na` for a value the benchmark lacks. */
function cellValue(file: string, text: string, column: string, line: number): number {
  if (NUMBER_CELL.test(text)) return Number(text);
  if (MISSING_CELL.test(text)) return Number.NaN;
  const got = text === '' ? 'an empty cell' : `'${text}'`;
  throw new FileFormatError(file, `column '${column}': ${got}; accepted: a number, or nan for a missing value`, line);
}

/** The row key: the arch cell as the benchmark's canonical cell string; anything else names the line. */
function archKey(file: string, text: string, line: number): string {
  try {
    return nb201ToArch(nb201FromArch(text));
  } catch (err) {
    const why = err instanceof ValidationError ? `${err.problem}${err.accepted ? `; accepted: ${err.accepted}` : ''}` : (err as Error).message;
    throw new FileFormatError(file, `column '${KEY_COLUMN}': ${why}`, line);
  }
}

/**
 * Reads (once per process) a benchmark CSV keyed by its `arch` column, through csv-parse (quoted
 * fields, a byte-order mark and CRLF line ends are read as they should be). Refused, naming the file
 * and line: a malformed CSV, a header without `arch` or with a repeated column, a row whose arch is not
 * a cell string, a cell that is not a number (an empty one included; `nan` marks a missing value), an
 * arch given twice, and a table without rows.
 */
export function loadBenchmarkTable(file: string): BenchmarkTable {
  const cached = CACHE.get(file);
  if (cached) return cached;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const errno = errnoOf(err);
    throw errno === 'ENOENT' ? new FileFormatError(file, 'no such benchmark table') : new StorageError(errno ?? 'EIO', 'read the benchmark table', file);
  }
  const records = parseCsv(file, text);
  if (records.length === 0) throw new FileFormatError(file, 'empty file; accepted: a header with an \'arch\' column, then one row per architecture');
  const header = records[0].record;
  const keyAt = header.indexOf(KEY_COLUMN);
  if (keyAt < 0) throw new FileFormatError(file, `no '${KEY_COLUMN}' column in the header (${header.map((h) => `'${h}'`).join(', ')})`, records[0].line);
  const repeated = header.find((h, i) => header.indexOf(h) !== i);
  if (repeated !== undefined) throw new FileFormatError(file, `column '${repeated}' appears twice in the header`, records[0].line);
  if (records.length === 1) throw new FileFormatError(file, 'a header and no rows; accepted: one row per architecture');
  const rows = new Map<string, number[]>();
  const lineOf = new Map<string, number>();
  for (const { record, line } of records.slice(1)) {
    const key = archKey(file, record[keyAt], line);
    const first = lineOf.get(key);
    if (first !== undefined) throw new FileFormatError(file, `architecture ${key} appears twice (lines ${first} and ${line}); accepted: one row per architecture`, line);
    lineOf.set(key, line);
    rows.set(key, record.map((c, j) => (j === keyAt ? Number.NaN : cellValue(file, c, header[j], line))));
  }
  const table: BenchmarkTable = { file, columns: header, rows };
  CACHE.set(file, table);
  return table;
}

function columnIndex(table: BenchmarkTable, name: string, option: string): number {
  const at = table.columns.indexOf(name);
  if (at < 0 || name === KEY_COLUMN) {
    const numeric = table.columns.filter((c) => c !== KEY_COLUMN);
    throw new ValidationError(`column '${name}' is not in ${table.file}`, { field: option }, numeric.join(', '));
  }
  return at;
}

/**
 * The table key of a configuration: its NAS-Bench-201 architecture string. A joint configuration
 * (`{ arch, hparams }`, search-spaces/joint-example.json) is looked up by its architecture part: a
 * table holds one result per architecture, trained with the benchmark's own hyperparameters, so the
 * hyperparameters of a joint configuration do not change its value.
 */
function archOf(config: unknown): string {
  const record = config as Record<string, unknown> | null;
  const isJoint = typeof record === 'object' && record !== null && 'arch' in record && 'hparams' in record;
  return nb201ToArch(validateNb201Genome(isJoint ? record.arch : config));
}

export class TableEvaluator implements Evaluator {
  readonly table: BenchmarkTable;
  private readonly metricAt: number;
  private readonly reportAt: number | undefined;

  constructor(options: TableEvaluatorOptions) {
    this.table = loadBenchmarkTable(options.file);
    this.metricAt = columnIndex(this.table, options.metric ?? 'valid_12', 'metric');
    const report = options.report ?? 'test_200';
    this.reportAt = report === 'none' ? undefined : columnIndex(this.table, report, 'report');
  }

  /** Looks one configuration up synchronously (what `evaluate` does, without the promise). */
  lookup(request: EvalRequest): EvalResult {
    let arch: string;
    try {
      arch = archOf(request.config);
    } catch (err) {
      return { trialId: request.trialId, status: 'failed', failure: 'invalid', error: (err as Error).message, seconds: 0 };
    }
    const row = this.table.rows.get(arch);
    if (!row) {
      return { trialId: request.trialId, status: 'failed', failure: 'invalid', error: `${arch} is not in ${this.table.file}`, seconds: 0 };
    }
    const score = row[this.metricAt];
    if (!Number.isFinite(score)) {
      return { trialId: request.trialId, status: 'failed', failure: 'nan', error: `no finite value for ${arch}`, seconds: 0 };
    }
    const report = this.reportAt === undefined ? undefined : row[this.reportAt];
    return { trialId: request.trialId, status: 'ok', score, ...(report !== undefined ? { report } : {}), seconds: 0 };
  }

  async evaluate(request: EvalRequest): Promise<EvalResult> {
    return this.lookup(request);
  }
}

/** Builds a table evaluator from the part of the spec after `table:`, resolved from `baseDir`. */
export function createTableEvaluator(path: string, options: EvaluatorOptions): TableEvaluator {
  if (!path) throw new ValidationError('the table evaluator needs a file', { field: 'evaluator' }, 'table:<csv file>');
  return new TableEvaluator({ file: resolve(options.baseDir ?? process.cwd(), path), metric: options.metric, report: options.report });
}
