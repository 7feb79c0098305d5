import { BadUserInputError } from '../graphql/errors';
import type { OrderKey } from './read-model';

export const PAGE_SIZE = { default: 20, max: 100 } as const;

/**
 * Cursors are the row's ordering key values, base64url-encoded JSON: opaque to clients,
 * stable under inserts, and checked on the way back in.
 */
const VALUE_FORMATS: Record<OrderKey['type'], RegExp> = {
  text: /^/,
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  date: /^\d{4}-\d{2}-\d{2}$/,
  timestamptz: /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}(:?\d{2})?|Z)$/,
  numeric: /^-?\d+(\.\d+)?$/,
  int: /^-?\d{1,9}$/,
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
    !values.every((v, i) => typeof v === 'string' && VALUE_FORMATS[keys[i].type].test(v))
  ) {
    throw invalid();
  }
  return values as string[];
}
