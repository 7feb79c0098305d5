import {
  createLogger,
  inRequest,
  looksPersonal,
  maskPersonal,
  maskPersonalNumbers,
  withoutValues,
} from '../../src/logger';

const ID = '11010519790823417X';

/** What a logger writes, parsed line by line. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = createLogger('debug', {
    write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>),
  });
  return { logger, lines };
}

describe('lines logged while a request is served', () => {
  it('carry its id, and no field another line of it logged', () => {
    const { logger, lines } = capture();
    inRequest('req-1', () => {
      logger.info('request', { route: 'graphql', status: 200 });
      logger.warn('idle connection failed', { error: 'x' });
    });
    expect(lines.map(({ time: _time, ...line }) => line)).toEqual([
      { level: 'info', requestId: 'req-1', route: 'graphql', status: 200, message: 'request' },
      { level: 'warn', requestId: 'req-1', error: 'x', message: 'idle connection failed' },
    ]);
  });
});

describe('logging without personal data', () => {
  it('drops the SQL and the row MikroORM puts around a database error', () => {
    const message =
      `insert into "identity_document" ("number") values ('${ID}') - duplicate key value ` +
      `violates unique constraint "identity_document_type_hash_unique"\n - detail: Key (number)=(${ID}) already exists.`;
    expect(withoutValues(message)).toBe(
      'duplicate key value violates unique constraint "identity_document_type_hash_unique"',
    );
    expect(withoutValues(`DriverException: select * from customer where id = '${ID}' - boom`)).toBe(
      'DriverException: boom',
    );
  });

  it('drops the input PostgreSQL and graphql-js quote, digit runs and e-mail addresses', () => {
    expect(withoutValues(`invalid input syntax for type uuid: "${ID}"`)).toBe(
      'invalid input syntax for type uuid: "…"',
    );
    expect(withoutValues('String cannot represent a non string value: 13748260519')).toBe(
      'String cannot represent a non string value',
    );
    expect(withoutValues('Value "13748260519" does not exist in "ContactKind" enum.')).toBe(
      'The value does not exist in "ContactKind" enum.',
    );
    expect(withoutValues('Field "王芳" is not defined by type "CustomerRecordInput".')).toBe(
      'Field "…" is not defined by type "CustomerRecordInput".',
    );
    expect(withoutValues('Field "nickname" is not defined by type "CustomerRecordInput".')).toBe(
      'Field "nickname" is not defined by type "CustomerRecordInput".',
    );
    expect(withoutValues(`no customer ${ID} for liu.wen@example.cn`)).toBe(
      'no customer [digits] for [e-mail]',
    );
    expect(withoutValues('relation "risk_score" does not exist')).toBe(
      'relation "risk_score" does not exist',
    );
  });

  it('logs an error by kind, code, constraint and frames, without its values', () => {
    const { logger, lines } = capture();
    const error = Object.assign(
      new Error(`insert into "contact_point" values ('13748260519') - duplicate key value`),
      {
        severity: 'ERROR',
        routine: '_bt_check_unique',
        code: '23505',
        constraint: 'contact_point_value_hash_idx',
        detail: 'Key (value)=(13748260519) already exists.',
      },
    );
    logger.error('unexpected error', { correlationId: 'c1', error });
    logger.warn('as text', { error: String(error) });
    const text = JSON.stringify(lines);
    expect(text).not.toContain('13748260519');
    expect(lines[0]).toMatchObject({
      level: 'error',
      message: 'unexpected error',
      correlationId: 'c1',
      error: {
        name: 'Error',
        message: 'duplicate key value',
        code: '23505',
        constraint: 'contact_point_value_hash_idx',
      },
    });
    expect((lines[0]!.error as { stack: string }).stack).toMatch(/^\s+at /);
    expect(lines[1]).toMatchObject({ error: 'Error: duplicate key value' });
  });

  it('masks fields named like personal data, should a caller pass one', () => {
    const { logger, lines } = capture();
    logger.info('oops', { mobile: '13748260519', record: { number: ID }, count: 3 });
    expect(lines[0]).toMatchObject({
      mobile: '[redacted]',
      record: { number: '[redacted]' },
      count: 3,
    });
  });
});

describe('a token that may hold a personal value', () => {
  it.each([
    ['13800138000', true],
    ['138-0013-8000', true],
    ['Load_138_0013_8000', true],
    ['１３８００１３８０００', true],
    ['x＠example．com', true],
    ['wang@example.com', true],
    ['GOLD', false],
    ['ops-4711', false],
    ['320115', false],
  ])('%s: %s', (text, personal) => {
    expect(looksPersonal(text)).toBe(personal);
  });
});

describe('masking what a caller wrote in a message', () => {
  it.each([
    ['13800138000', '[digits]'],
    ['１３８００１３８０００', '[digits]'],
    ['138-0013-8000', '[digits]'],
    ['11010519491231002X', '[digits]'],
    ['zhang@example.com', '[e-mail]'],
    // As people write them: grouped, prefixed, with other separators.
    ['138 0013 8000', '[digits]'],
    ['+86 138 0013 8000', '+[digits]'],
    ['138.0013.8000', '[digits]'],
    ['(138)0013-8000', '([digits]'],
    ['138\u00a00013\u00a08000', '[digits]'],
    ['138–0013–8000', '[digits]'],
    ['１３８ ００１３ ８０００', '[digits]'],
    ['1 3 8 0 0 1 3 8 0 0 0', '[digits]'],
    ['110105 19491231 002X', '[digits]'],
    ['wang.fang＠example.com', '[e-mail]'],
    ['wang.fang@example。com', '[e-mail]'],
    ['ｗａｎｇ＠ｅｘａｍｐｌｅ．ｃｏｍ', '[e-mail]'],
    ['wang@例子.中国', '[e-mail]'],
    // Whatever people group a number with, and a number read out in Chinese numerals.
    ['139、1234、5671', '[digits]'],
    ['139，1234，5671', '[digits]'],
    ['139,1234,5671', '[digits]'],
    ['139~1234~5671', '[digits]'],
    ['139+1234+5671', '[digits]'],
    ['139；1234；5671', '[digits]'],
    ['（139）1234-5671', '（[digits]'],
    ['320102，19850412，0137', '[digits]'],
    ['一三九一二三四五六七一', '[digits]'],
    ['幺三九 幺二三四 五六七幺', '[digits]'],
    ['139一二三四五六七一', '[digits]'],
    ['【139】【1234】【5671】', '【[digits]】'],
    ['[139][1234][5671]', '[[digits]]'],
    ['139[1234]5671', '[digits]'],
    ['{139}{1234}{5671}', '{[digits]}'],
    ['「139」「1234」「5671」', '「[digits]」'],
    ['139|1234|5671', '[digits]'],
    ['[320106][19701010][5421]', '[[digits]]'],
    ['一三九【一二三四】五六七一', '[digits]'],
    ['壹叁玖壹贰叁肆伍陆柒壹', '[digits]'],
    ['幺叁玖幺贰叁肆伍陆柒幺', '[digits]'],
    // Grouped in thousands, a mobile's or an ID number's digits are still someone's.
    ['13,912,345,671', '[digits]'],
    ['320,102,198,504,120,137', '[digits]'],
    // Dotted in four like an address, without a port, a mobile is still one.
    ['139.123.145.67', '[digits]'],
    ['139.123.145.67:80', '[digits]'],
    // What a copy from a web page leaves between the groups, unseen.
    ['139\u200b1234\u200b5671', '[digits]'],
    ['139\u00ad1234\u00ad5671', '[digits]'],
    ['1\u200b3\u200b9\u200b1\u200b2\u200b3\u200b4\u200b5\u200b6\u200b7\u200b1', '[digits]'],
    ['110105\u200b19491231\u200b002X', '[digits]'],
    ['139\u20601234\ufeff5671', '[digits]'],
  ])('masks %s', (value, masked) => {
    expect(maskPersonal(`branch ${value} does not exist`)).toBe(`branch ${masked} does not exist`);
  });

  it.each([
    '3201',
    'C000123',
    '2026-12-02',
    'from 1900-01-01 to today (2026-12-02)',
    '说明，两个人：6,000.50 元',
    'the records make a cycle: 3201 -> 3202 -> 3203 -> 3201',
    '第一、二、三、四、五、六条',
    '一二三四五六',
    'at most 1,000,000,000,000 CNY',
    '12,345,678,901.50 元',
    // Where a connection went: an operator reads it in an outage.
    'connect ECONNREFUSED 127.0.0.1:54399',
    'connect ETIMEDOUT 10.12.34.56:5432',
    'no route to 192.168.100.200',
  ])('keeps %s', (text) => {
    expect(maskPersonal(text)).toBe(text);
  });

  // An e-mail was looked for from every character of a run without an @: a reason or a place
  // of 200,000 characters held the event loop for minutes.
  it.each([
    ['Chinese text', '张'.repeat(200_000)],
    ['letters', 'a'.repeat(200_000)],
    ['a run of spaces', `a${' '.repeat(200_000)}b`],
  ])('reads %s of 200,000 characters in one pass', (_, text) => {
    expect(maskPersonal(`${text} zhang@example.com 13800138000`)).toBe(`${text} [e-mail] [digits]`);
    expect(maskPersonalNumbers(`${text} 13800138000`)).toBe(`${text} [digits]`);
  });
});

describe('maskPersonalNumbers', () => {
  it.each([
    ['code 13500135000 exists', 'code [digits] exists'],
    ['code 138-0013-8000 exists', 'code [digits] exists'],
    ['opened on 2003-09-01: 13800138000 opens', 'opened on [digits] opens'],
    ['id 320102198504120137', 'id [digits]'],
    ['mail a.b@example.cn', 'mail [e-mail]'],
  ])('masks %s', (text, masked) => {
    expect(maskPersonalNumbers(text)).toBe(masked);
  });

  it.each([
    'branch 32010001 is COUNTY',
    '5101, under 5100, opened on 2003-09-01: 5100 opens on that day or earlier',
    'the records make a cycle: 3201 -> 3202 -> 3201',
  ])('keeps %s', (text) => {
    expect(maskPersonalNumbers(text)).toBe(text);
  });

  // Every stretch of groups was read to the run's end: minutes for a branch code of 36,000.
  it('reads a code of 8-digit groups, 200,000 characters long, in one pass', () => {
    const code = '12345678 '.repeat(22_000).trim();
    expect(maskPersonalNumbers(`code ${code} exists`)).toBe(`code ${code} exists`);
    expect(maskPersonalNumbers(`code ${code} 13800138000`)).toBe(`code [digits]`);
  });
});
