import { parse } from 'csv-parse/sync';
import { addDays } from '../../time/clock';
import { typedIdentifier } from '../../validation/width';
import { BranchLevel } from './branch.entity';
import type { TreeProblem } from './branch-order';
import type { BranchRecord } from './branch.service';

export type BranchFileFormat = 'csv' | 'ndjson';

/** The fields of a branch record, as CSV columns and NDJSON keys. */
export const BRANCH_FILE_FIELDS = [
  'code',
  'name',
  'level',
  'parentCode',
  'validFrom',
  'validTo',
] as const;
type FileField = (typeof BRANCH_FILE_FIELDS)[number];
const REQUIRED: readonly FileField[] = ['code', 'name', 'level'];

/** A file that cannot be read as branch records at all: no row of it is loaded. */
export class BranchFileError extends Error {}

/** One record of a file, by the line it starts on, with what is wrong with it as written. */
export interface BranchFileRow {
  line: number;
  record: BranchRecord;
  problems: TreeProblem[];
}

export function formatOfFile(file: string): BranchFileFormat | undefined {
  if (/\.csv$/i.test(file)) return 'csv';
  if (/\.(ndjson|jsonl)$/i.test(file)) return 'ndjson';
  return undefined;
}

/** `parent_code`, `ParentCode` and `parentCode` all name the same field. */
const fieldOf = (name: string): FileField | undefined =>
  BRANCH_FILE_FIELDS.find(
    (f) => f.toLowerCase() === name.trim().replaceAll('_', '').replaceAll(' ', '').toLowerCase(),
  );

const isDay = (value: string) => /^\d{4}-\d{2}-\d{2}$/.test(value) && addDays(value, 0) === value;

/**
 * Reads a file of branch records: CSV with a header row naming the columns (any order;
 * `code`, `name` and `level` required, `parentCode`, `validFrom` and `validTo` optional, an
 * empty cell meaning none), or NDJSON with one object per line and the same keys. Values are
 * checked for what the file format cannot say (a level name, a calendar date); the tree rules
 * are the hub's, applied when the records are written.
 */
export function parseBranchFile(text: string, format: BranchFileFormat): BranchFileRow[] {
  const raw = format === 'csv' ? csvRows(text) : ndjsonRows(text);
  return raw.map(({ line, values }) => {
    const problems: TreeProblem[] = [];
    const mistyped = new Set<FileField>();
    for (const [field, v] of Object.entries(values) as [FileField, unknown][]) {
      if (v === undefined || v === null || typeof v === 'string') continue;
      mistyped.add(field);
      problems.push({ field, rule: 'TYPE', message: `must be text, got ${JSON.stringify(v)}` });
    }
    const value = (field: FileField): string | undefined => {
      const v = values[field];
      if (typeof v !== 'string' || v.trim() === '') return undefined;
      // Codes as the API reads them: full-width letters and digits are ASCII.
      return field === 'code' || field === 'parentCode' ? typedIdentifier(v) : v.trim();
    };
    for (const field of REQUIRED) {
      if (value(field) === undefined && !mistyped.has(field)) {
        problems.push({ field, rule: 'REQUIRED', message: 'must not be empty' });
      }
    }
    const level = value('level');
    if (level !== undefined && !(Object.values(BranchLevel) as string[]).includes(level)) {
      problems.push({
        field: 'level',
        rule: 'UNKNOWN_LEVEL',
        message: `must be one of ${Object.values(BranchLevel).join(', ')}, got ${level}`,
      });
    }
    for (const field of ['validFrom', 'validTo'] as const) {
      const day = value(field);
      if (day !== undefined && !isDay(day)) {
        problems.push({
          field,
          rule: 'DATE_FORMAT',
          message: `must be a date as YYYY-MM-DD, got ${day}`,
        });
      }
    }
    return {
      line,
      record: {
        code: value('code') ?? '',
        name: value('name') ?? '',
        level: level as BranchLevel,
        parentCode: value('parentCode') ?? null,
        validFrom: value('validFrom') ?? null,
        validTo: value('validTo') ?? null,
      },
      problems,
    };
  });
}

type RawRow = { line: number; values: Partial<Record<FileField, unknown>> };

function csvRows(text: string): RawRow[] {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text, { bom: true, info: true, skip_empty_lines: true }) as unknown as typeof rows;
  } catch (error) {
    throw new BranchFileError(`not valid CSV: ${(error as Error).message}`);
  }
  const [header, ...body] = rows;
  if (!header) throw new BranchFileError('the file is empty: it needs a header row');
  const fields = header.record.map((name) => {
    const field = fieldOf(name);
    if (!field) {
      throw new BranchFileError(
        `unknown column "${name}" in the header: the columns are ${BRANCH_FILE_FIELDS.join(', ')}`,
      );
    }
    return field;
  });
  const missing = REQUIRED.filter((f) => !fields.includes(f));
  if (missing.length) {
    throw new BranchFileError(`the header lacks the column(s) ${missing.join(', ')}`);
  }
  return body.map(({ record, info }) => ({
    // csv-parse counts to the record's last line: a quoted line break makes it later.
    line: info.lines - record.reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0),
    values: Object.fromEntries(fields.map((field, i) => [field, record[i]])),
  }));
}

function ndjsonRows(text: string): RawRow[] {
  const rows: RawRow[] = [];
  text
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .forEach((source, i) => {
      if (!source.trim()) return;
      let value: unknown;
      try {
        value = JSON.parse(source);
      } catch (error) {
        throw new BranchFileError(`line ${i + 1} is not JSON: ${(error as Error).message}`);
      }
      if (!value || typeof value !== 'object' || Array.isArray(value)) {
        throw new BranchFileError(`line ${i + 1} is not a JSON object`);
      }
      const unknown = Object.keys(value).filter((key) => !fieldOf(key));
      if (unknown.length) {
        throw new BranchFileError(
          `line ${i + 1} has unknown key(s) ${unknown.join(', ')}: the keys are ${BRANCH_FILE_FIELDS.join(', ')}`,
        );
      }
      const values = Object.fromEntries(
        Object.entries(value).map(([key, v]) => [fieldOf(key)!, v]),
      ) as RawRow['values'];
      rows.push({ line: i + 1, values });
    });
  return rows;
}
