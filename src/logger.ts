import { AsyncLocalStorage } from 'node:async_hooks';
import pino from 'pino';
import { DASHES } from './validation/width';

/** Log levels, lowest first. */
export type Level = 'debug' | 'info' | 'warn' | 'error';

/**
 * What the hub logs through. Fields are data about the event (ids, codes, counts,
 * durations), never personal data: no names, identity numbers, contacts, query variables
 * or tokens. Errors (an Error, or its text under `error`) are logged without the values they
 * quote; the keys named in REDACTED are masked should one slip in.
 */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

const PII_KEYS = ['number', 'mobile', 'email', 'address', 'attributes'];
// pg's detail, where and internal query quote rows and statements; bindings are parameters.
const DRIVER_KEYS = ['detail', 'where', 'internalQuery', 'bindings', 'parameters', 'sql'];
const REDACTED = [
  'authorization',
  'variables',
  'query',
  'token',
  ...[...PII_KEYS, ...DRIVER_KEYS].flatMap((key) => [key, `*.${key}`]),
  '*.authorization',
  '*.variables',
];

const SQL_STATEMENT = /^((?:\w+: )?)(?:select|insert|update|delete|with)\b[\s\S]* - /i;
// The top-level domain in any script: full-width letters (ｃｏｍ) and an internationalised
// one (.中国) end an address as .com does. An address starts where a run of its characters
// does (the lookbehind): tried from every character of a long run with no @ in it, the
// expression took time in the square of the run's length (seconds for a 100,000-character
// name, the event loop held all along).
const EMAIL = /(?<![^\s@"'(),;<>])[^\s@"'(),;<>]+@[^\s@"'(),;<>]+[.。]\p{L}{2,}/gu;

/**
 * Whether a caller's token (a correlation id, an operation name, a filter value) may hold a
 * personal value: a run of seven digits once full-width forms are read as ASCII and spaces,
 * dots, hyphens, underscores and colons between digits are left out (138-0013-8000, a
 * mobile), or an e-mail address. Such a token is not kept as it is anywhere it would last.
 */
export function looksPersonal(text: string): boolean {
  const plain = text.normalize('NFKC');
  return (
    /\d{7,}/.test(plain.replace(/(?<=\d)[\s.\-_:]+(?=\d)/g, '')) ||
    new RegExp(EMAIL.source, 'u').test(plain)
  );
}

/**
 * An error's text without the values it may quote, for logs and responses: MikroORM (through
 * knex) prefixes the failing SQL with its parameters inlined and appends PostgreSQL's detail
 * and hint (which quote the row: "Key (...)=(...)"); PostgreSQL quotes a rejected input at
 * the end of some messages, graphql-js a variable's ("cannot represent ... value: 1374…",
 * `Value "…" does not exist`, `Field "王芳" is not defined`); and long digit runs or e-mail addresses are masked wherever
 * they come from.
 */
export function withoutValues(text: string): string {
  const frames = text.search(/\n\s+at /);
  let head = frames === -1 ? text : text.slice(0, frames);
  head = head.split(/\n - (?:detail|hint):/)[0];
  const statement = head.match(SQL_STATEMENT);
  if (statement) head = statement[1] + head.slice(statement[0].length);
  head = head
    .replace(/ value: [\s\S]*$/, ' value')
    .replace(/\bValue "(?:[^"\\]|\\.)*" does not/g, 'The value does not')
    // A key of a variable's object that no GraphQL field could be named is the caller's
    // data (a record keyed by its customer's name), not a misspelt field.
    .replace(/\bField "(?![_A-Za-z][_0-9A-Za-z]*")(?:[^"\\]|\\.)*"/g, 'Field "…"')
    .replace(/: "[^"]*"$/, ': "…"');
  head = maskPersonal(head);
  return frames === -1 ? head : head + text.slice(frames);
}

/**
 * What people put between the groups of a number they type, as a regular expression
 * character class's contents: spaces, dots, dashes, underscores, colons, slashes, bars,
 * brackets of every kind (round, square, curly, 【】, 「」, 『』, 〔〕), commas (the enumeration
 * comma 、 too), semicolons, tildes, plus signs and middle dots, ASCII and full-width; and
 * what a copy from a web page or a document leaves between them unseen (zero-width spaces
 * and joiners, word joiners, soft hyphens, direction marks). Not arrows or other signs a
 * list of codes is joined with.
 */
export const NUMBER_SEPARATORS = `\\s.${DASHES}_:/()\\[\\]{}|\\uFF08\\uFF09\\uFF3B\\uFF3D\\uFF5B\\uFF5D\\u3010\\u3011\\u300C-\\u300F\\u3014\\u3015,\\uFF0C\\u3001\\uFE50\\uFE51;\\uFF1B~\\uFF5E+\\uFF0B\\u00B7\\u2022\\u30FB\\u00AD\\u180E\\u200B-\\u200F\\u202A-\\u202E\\u2060-\\u2064\\u2066-\\u2069\\uFEFF`;

/**
 * Chinese numerals read out digit by digit, by the digit each stands for: the common ones
 * (〇 and ○ too, 幺 for 1) and the capital ones of amounts, simplified and traditional.
 */
const NUMERALS: Record<string, string> = Object.fromEntries(
  ['〇○零', '一幺壹', '二贰貳', '三叁參', '四肆', '五伍', '六陆陸', '七柒', '八捌', '九玖'].flatMap(
    (forms, digit) => [...forms].map((c) => [c, String(digit)]),
  ),
);

/** A digit as it may be typed: ASCII, or a Chinese numeral. */
const DIGIT = `[0-9${Object.keys(NUMERALS).join('')}]`;

/** `text` with full-width digits and Chinese numerals as ASCII digits, the rest as it is. */
export function asciiDigits(text: string): string {
  return text
    .replace(/[\uFF10-\uFF19]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(new RegExp(`[${Object.keys(NUMERALS).join('')}]`, 'g'), (c) => NUMERALS[c]!);
}

const LONG_NUMBER = new RegExp(
  `${DIGIT}(?:[${NUMBER_SEPARATORS}]*${DIGIT}){10,}[Xx]?|${DIGIT}{7,}[Xx]?`,
  'g',
);

/**
 * An amount written in thousands (1,000,000,000,000 CNY), whose digits are neither a mobile's
 * nor as many as an ID number's: no one's number, kept.
 */
function isAmount(run: string): boolean {
  const digits = run.replace(/\D/g, '');
  return (
    /^\d{1,3}(?:,\d{3})+(?:\.\d+)?$/.test(run) &&
    !/^1[3-9]\d{9}$/.test(digits) &&
    ![15, 18].includes(run.split('.')[0]!.replace(/,/g, '').length)
  );
}

/**
 * An IPv4 address, perhaps with its port (`127.0.0.1:54329`, `10.12.34.56:5432`): where a
 * connection went, which an operator reads in an outage, no one's number; not one whose
 * four numbers together read as a mobile.
 */
function isNetworkAddress(run: string): boolean {
  const address = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?::(\d{1,5}))?$/.exec(run);
  if (!address || !address.slice(1, 5).every((octet) => Number(octet) <= 255)) return false;
  const port = address[5];
  const octets = address.slice(1, 5).join('');
  return (!port || Number(port) <= 65535) && !/^1[3-9]\d{9}$/.test(octets);
}

/**
 * `text` with its long digit runs (an ID, a mobile) and e-mail addresses masked: seven
 * digits in a row, or eleven grouped by NUMBER_SEPARATORS (+86 138 0013 8000,
 * 110105 19491231 002X, 139、1234、5671), Chinese numerals (一三九…) and full-width digits
 * and @ read as ASCII. A date's 8 digits are kept, hyphens and all, an amount in thousands
 * (isAmount) and a network address (isNetworkAddress); the rest of the text is
 * left as written (full-width punctuation included).
 */
export function maskPersonal(text: string): string {
  return text
    .replace(/[\uFF10-\uFF19\uFF20\uFF0E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(LONG_NUMBER, (run) => (isAmount(run) || isNetworkAddress(run) ? run : '[digits]'))
    .replace(EMAIL, '[e-mail]');
}

/** A resident ID's 18 characters: no mobile (15 with 0086 before it) is longer. */
const LONGEST_PERSONAL = 18;

/**
 * `text` with what reads as a person's number or e-mail masked, and no other digits: a mobile
 * (11 digits from 13 to 19, perhaps after 86) or a resident ID number (15 or 18 characters)
 * made of one or more neighbouring groups of a run of digits, however grouped. For messages
 * quoting the hub's own codes and days (an 8-digit branch code, a day beside a code), which
 * maskPersonal would mask with the rest.
 */
export function maskPersonalNumbers(text: string): string {
  const separators = new RegExp(`[${NUMBER_SEPARATORS}]+`);
  const personal = (digits: string) =>
    /^(?:0{0,2}86)?1[3-9]\d{9}$/.test(digits) || /^\d{15}$|^\d{17}[\dX]$/.test(digits);
  return text
    .replace(/[\uFF10-\uFF19\uFF20\uFF0E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(LONG_NUMBER, (run) => {
      // Read as digits only to tell: the text keeps its numerals.
      const groups = asciiDigits(run).toUpperCase().split(separators);
      for (let i = 0; i < groups.length; i++) {
        let digits = '';
        // No longer than an ID number: past it, more groups make no one's number. (Read to
        // the run's end, a code of 8-digit groups took minutes at 36,000 characters.)
        for (let j = i; j < groups.length && digits.length < LONGEST_PERSONAL; j++) {
          digits += groups[j];
          if (personal(digits)) return '[digits]';
        }
      }
      return run;
    })
    .replace(EMAIL, '[e-mail]');
}

/** An error as log fields: its kind, the database's code and constraint, where it was thrown. */
export function errorFields(error: Error): Record<string, unknown> {
  const e = error as Error & Record<string, unknown>;
  const database = typeof e.severity === 'string' && typeof e.routine === 'string';
  const frames = e.stack?.search(/\n\s+at /) ?? -1;
  return {
    name: e.name,
    message: withoutValues(e.message),
    ...(database
      ? { code: e.code, constraint: e.constraint, table: e.table, column: e.column }
      : {}),
    stack: frames === -1 ? undefined : e.stack!.slice(frames + 1),
    cause: e.cause instanceof Error ? errorFields(e.cause) : undefined,
  };
}

/** An `error` field however a caller gave it: an Error, its text, or parts of it. */
function loggedError(value: unknown): unknown {
  if (value instanceof Error) return errorFields(value);
  if (typeof value === 'string') return withoutValues(value);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, loggedError(v)]));
  }
  return value;
}

function safeFields(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fields).map(([key, value]) => [
      key,
      key === 'error' || value instanceof Error ? loggedError(value) : value,
    ]),
  );
}

const request = new AsyncLocalStorage<{ requestId: string }>();

/** Runs `work` as part of serving the request `requestId`: each line it logs carries the id. */
export function inRequest<T>(requestId: string, work: () => T): T {
  return request.run({ requestId }, work);
}

/**
 * Runs `work` as no request's: what a pool's connection reports when it fails idle belongs to
 * the process, though the connection was opened while serving some earlier request.
 */
export function outsideRequest<T>(work: () => T): T {
  return request.exit(work);
}

/** One JSON object per line on stdout (pino): what log shippers expect. */
export function createLogger(minimum: Level, destination?: pino.DestinationStream): Logger {
  const log = pino(
    {
      level: minimum,
      base: undefined,
      messageKey: 'message',
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: REDACTED, censor: '[redacted]' },
      // A copy: pino merges each line's fields into the object the mixin returns, which
      // would stamp one line's fields (a request's status) on every later line of the request.
      mixin: () => ({ ...request.getStore() }),
    },
    destination,
  );
  return {
    debug: (message, fields = {}) => log.debug(safeFields(fields), message),
    info: (message, fields = {}) => log.info(safeFields(fields), message),
    warn: (message, fields = {}) => log.warn(safeFields(fields), message),
    error: (message, fields = {}) => log.error(safeFields(fields), message),
  };
}
