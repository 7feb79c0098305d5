import { Checked, reject } from './result';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id the hub issued: a UUID in its hyphenated text form, lower-cased. */
export function checkUuid(input: string): Checked<string> {
  const value = input.trim();
  if (!UUID.test(value)) {
    return reject('UUID_FORMAT', 'must be a UUID, e.g. 3f0c0d5e-7a1b-4c2d-9e8f-0123456789ab');
  }
  return { ok: true, value: value.toLowerCase(), warnings: [] };
}
