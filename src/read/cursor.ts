import { BadUserInputError } from '../graphql/errors';
import type { OrderKey } from './read-model';

export const PAGE_SIZE = { default: 20, max: 100 } as const;

/** A calendar day PostgreSQL holds (the regular expressions let 2027-13-45 through). */
const realDay = (value: string): boolean => {
  const day = value.slice(0, 10);
  const date = new Date(`${day}T00:00:00Z`);
  return day >= '0001-01-01' && !Number.isNaN(date.getTime()) && date.toISOString().startsWith(day);
};
const TIME = /[ T]([01]\d|2[0-3]):[0-5]\d:[0-5]\d/;

/**
 * Cursors are the row's ordering key values, base64url-encoded JSON: opaque to clients,
 * stable under inserts, and checked on the way back in.
 */
const VALUE_FORMATS: Record<OrderKey['type'], (value: string) => boolean> = {
  // A NUL would fail the statement, not the cursor.
  text: (v) => !v.includes('\u0000'),
  uuid: (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
  date: (v) => /^\d{4}-\d{2}-\d{2}$/.test(v) && realDay(v),
  timestamptz: (v) =>
    // PostgreSQL takes offsets up to 15:59 either way.
    /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?([+-](0\d|1[0-5])(:?[0-5]\d)?|Z)$/.test(
      v,
    ) &&
    realDay(v) &&
    TIME.test(v),
  numeric: (v) => /^-?\d{1,40}(\.\d{1,40})?$/.test(v),
  int: (v) => /^-?\d{1,9}$/.test(v),
};

export function decodeCursor(cursor: string, keys: readonly OrderKey[], field: string): string[] {
  const invalid = () =>
    new BadUserInputError('after is not a cursor this list produced', {
      field,
      rule: 'CURSOR_FORMAT',
    });
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalid();
  }
  if (
    !Array.isArray(values) ||
    values.length !== keys.length ||
    !values.every((v, i) => typeof v === 'string' && VALUE_FORMATS[keys[i].type](v))
  ) {
    throw invalid();
  }
  return values as string[];
}
