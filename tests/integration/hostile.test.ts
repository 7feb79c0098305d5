import { Readable } from 'node:stream';
import { Role } from '../../src/auth/roles';
import { customerRecord, INGEST_CUSTOMERS, insertBranches, nextNumber } from '../setup/factories';
import { countStatements } from '../setup/statements';
import { startTestHub, type TestHub } from '../setup/test-app';

/**
 * The hub in production mode against a hostile caller: every request below is refused
 * with a 4xx and a clean GraphQL error (its code and HTTP status), nothing runs (no read
 * statement, no write), and the hub answers the next request at once. The limits are the
 * defaults (README, "Production limits").
 */

interface Sent {
  status: number;
  headers: Headers;
  body: { data?: unknown; errors?: { message: string; extensions: Record<string, unknown> }[] };
}

interface HostileCase {
  name: string;
  send: (hub: TestHub) => Promise<Sent>;
  status: number;
  code: string;
  /** More of the first error's extensions (limit, rule, field, reason...). */
  extensions?: Record<string, unknown>;
}

async function request(
  hub: TestHub,
  init: RequestInit & { path?: string; search?: string; role?: Role | null },
): Promise<Sent> {
  const { path = '/graphql', search = '', role = Role.ADMIN, ...rest } = init;
  const response = await fetch(new URL(`${path}${search}`, hub.url), {
    ...rest,
    headers: {
      ...(role ? { authorization: `Bearer ${hub.token(role)}` } : {}),
      ...(rest.headers as Record<string, string>),
    },
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: JSON.parse(text) };
}

/** A POST of `body` as it is (a string or bytes), application/json unless told otherwise. */
const post = (
  hub: TestHub,
  body: string | Buffer | ReadableStream,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) =>
  request(hub, {
    method: 'POST',
    headers,
    body,
    ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
  } as RequestInit);

const postQuery = (hub: TestHub, query: string, variables?: Record<string, unknown>) =>
  post(hub, JSON.stringify({ query, variables }));

const get = (hub: TestHub, params: Record<string, string>, headers: Record<string, string> = {}) =>
  request(hub, { method: 'GET', search: `?${new URLSearchParams(params)}`, headers });

/** A read of some rows, which shows up as a read statement if it ever runs. */
const READ = '{ branches(first: 5) { totalCount nodes { code name } } }';
/** A content type that says JSON, too long to be read. */
const LONG_CONTENT_TYPE = `application/json; ${' '.repeat(15_000)}x`;
/** A write, which shows up as an insert if it ever runs. */
const WRITE =
  'mutation { registerTrustedDocument(input: { document: "{ __typename }" }) { outcome } }';

const nested = (levels: number, leaf: unknown = 1): unknown => {
  let value = leaf;
  for (let i = 0; i < levels; i++) value = { a: value };
  return value;
};

const CASES: HostileCase[] = [
  {
    name: 'a depth bomb (60 levels of parent)',
    send: (hub) =>
      postQuery(
        hub,
        `{ branches(first: 1) { nodes { ${'parent { '.repeat(60)}code${' }'.repeat(60)} } } }`,
      ),
    status: 400,
    code: 'QUERY_TOO_COMPLEX',
    extensions: { limit: 'depth', value: 63, max: 15, setting: 'GRAPHQL_MAX_DEPTH' },
  },
  {
    name: '1,000 aliases',
    send: (hub) =>
      postQuery(
        hub,
        `{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: __typename`).join(' ')} }`,
      ),
    status: 400,
    code: 'QUERY_TOO_COMPLEX',
    extensions: { limit: 'aliases', value: 1000, setting: 'GRAPHQL_MAX_ALIASES' },
  },
  {
    name: 'one field 2,000 times, which graphql-js stops comparing',
    send: (hub) => postQuery(hub, `{ ${'__typename '.repeat(2000)}}`),
    status: 400,
    code: 'QUERY_TOO_COMPLEX',
    extensions: { limit: 'fieldComparisons', max: 500_000, setting: null },
  },
  {
    name: '200 aliases of a 100-customer page',
    send: (hub) =>
      postQuery(
        hub,
        `{ ${Array.from({ length: 200 }, (_, i) => `m${i}: marketingCustomers(first: 100) { nodes { cifNo } }`).join(' ')} }`,
      ),
    status: 400,
    code: 'QUERY_TOO_COMPLEX',
    extensions: { limit: 'aliases', value: 200, setting: 'GRAPHQL_MAX_ALIASES' },
  },
  {
    name: '10,000 duplicated fields',
    send: (hub) => postQuery(hub, `{ branches { nodes { ${'code '.repeat(10_000)}} } }`),
    status: 400,
    code: 'DOCUMENT_TOO_LARGE',
    extensions: { limit: 'tokens', value: 10_008, setting: 'GRAPHQL_MAX_TOKENS' },
  },
  {
    name: 'directive overload',
    send: (hub) => postQuery(hub, `{ __typename ${'@include(if: true) '.repeat(500)}}`),
    status: 400,
    code: 'QUERY_TOO_COMPLEX',
    extensions: { limit: 'directives', value: 500, setting: 'GRAPHQL_MAX_DIRECTIVES' },
  },
  {
    name: 'a 1 MiB document',
    send: (hub) => postQuery(hub, `${READ}\n#${'x'.repeat(1024 * 1024)}`),
    status: 400,
    code: 'DOCUMENT_TOO_LARGE',
    extensions: { limit: 'documentBytes', setting: 'GRAPHQL_MAX_DOCUMENT_BYTES' },
  },
  {
    name: 'a 10 MB body',
    send: (hub) => postQuery(hub, READ, { padding: 'x'.repeat(10 * 1000 * 1000) }),
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
    extensions: { setting: 'MAX_BODY_BYTES' },
  },
  {
    name: 'a 10 MB body streamed without a length',
    send: (hub) => {
      const chunk = Buffer.alloc(64 * 1024, 'x');
      let sent = 0;
      const stream = new Readable({
        read() {
          if (sent === 0) this.push(`{"query":${JSON.stringify(READ)},"variables":{"padding":"`);
          sent += chunk.length;
          this.push(sent > 10 * 1000 * 1000 ? null : chunk);
        },
      });
      return post(hub, Readable.toWeb(stream) as ReadableStream);
    },
    status: 413,
    code: 'PAYLOAD_TOO_LARGE',
  },
  {
    name: 'malformed JSON',
    send: (hub) => post(hub, `{"query": ${JSON.stringify(READ)}`),
    status: 400,
    code: 'BAD_USER_INPUT',
    extensions: { reason: 'MALFORMED_JSON' },
  },
  {
    name: 'a body that is not UTF-8',
    send: (hub) =>
      post(
        hub,
        Buffer.concat([
          Buffer.from('{"query": "{ __typename }", "x": "'),
          Buffer.from([0xff, 0xfe]),
          Buffer.from('"}'),
        ]),
      ),
    status: 400,
    code: 'BAD_USER_INPUT',
    extensions: { reason: 'INVALID_UTF8' },
  },
  ...[
    'text/plain',
    'text/plain; charset=utf-8',
    'text/xml',
    'text/html',
    'application/octet-stream',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/json; charset=utf-7',
    'application/json; charset=iso-8859-1',
  ].map((contentType): HostileCase => ({
    name: `a POST as ${contentType}`,
    send: (hub) => post(hub, JSON.stringify({ query: WRITE }), { 'content-type': contentType }),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  })),
  {
    name: 'a POST without a content type',
    send: (hub) => post(hub, JSON.stringify({ query: WRITE }), {}),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'a gzip-encoded POST',
    send: (hub) =>
      post(hub, JSON.stringify({ query: READ }), {
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      }),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'a batch of 1,000 operations',
    send: (hub) => post(hub, JSON.stringify(Array.from({ length: 1000 }, () => ({ query: READ })))),
    status: 400,
    code: 'BAD_USER_INPUT',
    extensions: { reason: 'BATCH_NOT_SUPPORTED' },
  },
  {
    name: 'a mutation over GET',
    send: (hub) => get(hub, { query: WRITE }, { 'apollo-require-preflight': 'true' }),
    status: 405,
    code: 'BAD_USER_INPUT',
    extensions: { reason: 'BAD_REQUEST' },
  },
  {
    // Parsed, it held the event loop for half a second; taken as none, the GET is refused as
    // any other with no preflight header.
    name: 'a GET whose content type is too long to read (application/json; and 15,000 spaces)',
    send: (hub) => get(hub, { query: READ }, { 'content-type': LONG_CONTENT_TYPE }),
    status: 400,
    code: 'BAD_USER_INPUT',
    extensions: { reason: 'BAD_REQUEST' },
  },
  {
    name: 'a POST whose content type is too long to read',
    send: (hub) =>
      post(hub, JSON.stringify({ query: READ }), { 'content-type': LONG_CONTENT_TYPE }),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'a CSRF-style GET (no preflight header)',
    send: (hub) => get(hub, { query: READ }),
    status: 400,
    code: 'BAD_USER_INPUT',
    extensions: { reason: 'BAD_REQUEST' },
  },
  {
    name: 'a CSRF-style text/plain POST of a mutation',
    send: (hub) => post(hub, JSON.stringify({ query: WRITE }), { 'content-type': 'text/plain' }),
    status: 415,
    code: 'UNSUPPORTED_MEDIA_TYPE',
  },
  {
    name: 'a PUT',
    send: (hub) =>
      request(hub, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: READ }),
      }),
    status: 405,
    code: 'BAD_USER_INPUT',
    extensions: { reason: 'METHOD' },
  },
  {
    name: 'deeply nested variables (10,000 levels)',
    send: (hub) =>
      post(
        hub,
        `{"query":"mutation ($d: JSONObject!) { createRuleSetDraft(input: { kind: TIER, document: $d, note: \\"n\\" }) { id } }","variables":{"d":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}}`,
      ),
    status: 400,
    code: 'BAD_USER_INPUT',
    extensions: { reason: 'NESTING_DEPTH' },
  },
  {
    name: 'nested variables just over the limit, in a GET',
    send: (hub) =>
      get(
        hub,
        {
          query: 'query ($by: CustomerLookup!) { customer(by: $by) { cifNo } }',
          variables: JSON.stringify({ by: nested(33) }),
        },
        { 'apollo-require-preflight': 'true' },
      ),
    status: 400,
    code: 'BAD_USER_INPUT',
    extensions: { rule: 'NESTING_DEPTH', field: `by${'.a'.repeat(32)}` },
  },
  {
    name: "a list literal nested 2,000 deep, which overflowed the parser's stack",
    send: (hub) =>
      postQuery(
        hub,
        `mutation { createRuleSetDraft(input: { kind: TIER, document: { a: ${'['.repeat(2000)}1${']'.repeat(2000)} }, note: "n" }) { id } }`,
      ),
    status: 400,
    code: 'QUERY_TOO_COMPLEX',
    extensions: { limit: 'nesting', value: 2004, max: 64, setting: 'GRAPHQL_MAX_NESTING' },
  },
  {
    name: 'inline fragments nested 65 deep, which add no field depth',
    send: (hub) =>
      postQuery(hub, `{ ${'... on Query { '.repeat(64)}__typename${' }'.repeat(64)} }`),
    status: 400,
    code: 'QUERY_TOO_COMPLEX',
    extensions: { limit: 'nesting', value: 65, max: 64, setting: 'GRAPHQL_MAX_NESTING' },
  },
  {
    name: 'a NUL in a string variable',
    send: (hub) =>
      postQuery(hub, 'query ($by: CustomerLookup!) { customer(by: $by) { cifNo } }', {
        by: { cifNo: 'C0000\u00000001' },
      }),
    status: 400,
    code: 'BAD_USER_INPUT',
    extensions: { field: 'by.cifNo', rule: 'CONTROL_CHARACTER' },
  },
  {
    name: 'a NUL in a string literal',
    send: (hub) => postQuery(hub, '{ customer(by: { cifNo: "C0000\\u00000001" }) { cifNo } }'),
    status: 400,
    code: 'BAD_USER_INPUT',
    extensions: { field: 'by.cifNo', rule: 'CONTROL_CHARACTER' },
  },
  {
    name: 'a NUL in a mutation',
    send: (hub) =>
      postQuery(
        hub,
        'mutation ($input: TrustedDocumentInput!) { registerTrustedDocument(input: $input) { outcome } }',
        { input: { document: '{ __typename }', name: 'evil\u0000' } },
      ),
    status: 400,
    code: 'BAD_USER_INPUT',
    extensions: { field: 'input.name', rule: 'CONTROL_CHARACTER' },
  },
  {
    name: 'a NUL in an object key of a JSON variable',
    send: (hub) =>
      postQuery(
        hub,
        'mutation ($d: JSONObject!) { createRuleSetDraft(input: { kind: TIER, document: $d, note: "n" }) { id } }',
        { d: { 'risk\u0000Classes': [] } },
      ),
    status: 400,
    code: 'BAD_USER_INPUT',
    extensions: { field: 'd.risk\u0000Classes', rule: 'CONTROL_CHARACTER' },
  },
  {
    name: 'a lone surrogate in a string variable',
    send: (hub) =>
      postQuery(hub, 'query ($code: String!) { branch(code: $code) { code } }', {
        code: '00\ud8000',
      }),
    status: 400,
    code: 'BAD_USER_INPUT',
    extensions: { field: 'code', rule: 'LONE_SURROGATE' },
  },
  {
    name: 'a lone surrogate in a string literal',
    send: (hub) => postQuery(hub, '{ branch(code: "00\\ud8000") { code } }'),
    status: 400,
    code: 'BAD_USER_INPUT',
    extensions: { reason: 'GRAPHQL_PARSE_FAILED' },
  },
  {
    name: 'a wrong-typed integer variable',
    send: (hub) =>
      postQuery(hub, 'query ($first: Int) { branches(first: $first) { totalCount } }', {
        first: 'ten',
      }),
    status: 400,
    code: 'BAD_USER_INPUT',
    extensions: { field: 'first', rule: 'VARIABLE_TYPE' },
  },
  ...[2 ** 31, 1e20, 2.5].map((first): HostileCase => ({
    name: `an integer variable of ${first}`,
    send: (hub) =>
      postQuery(hub, 'query ($first: Int) { branches(first: $first) { totalCount } }', {
        first,
      }),
    status: 400,
    code: 'BAD_USER_INPUT',
    extensions: { field: 'first', rule: 'VARIABLE_TYPE' },
  })),
  {
    name: 'a wrong-typed field inside a variable',
    send: (hub) =>
      postQuery(hub, 'query ($by: CustomerLookup!) { customer(by: $by) { cifNo } }', {
        by: { cifNo: 42 },
      }),
    status: 400,
    code: 'BAD_USER_INPUT',
    extensions: { field: 'by.cifNo', rule: 'VARIABLE_TYPE' },
  },
  {
    // Each named by its path, and none suggesting the schema's own names in production.
    name: 'two mistyped fields inside a variable',
    send: (hub) =>
      postQuery(hub, 'query ($by: CustomerLookup!) { customer(by: $by) { cifNo } }', {
        by: { cifNO: 'C1', mobil: '13800138000' },
      }),
    status: 400,
    code: 'BAD_USER_INPUT',
    extensions: {
      field: 'by.cifNO',
      rule: 'VARIABLE_TYPE',
      problems: [
        expect.objectContaining({ field: 'by.cifNO', rule: 'VARIABLE_TYPE' }),
        expect.objectContaining({ field: 'by.mobil', rule: 'VARIABLE_TYPE' }),
      ],
    },
  },
  {
    name: 'null for a non-null variable',
    send: (hub) =>
      postQuery(hub, 'query ($code: String!) { branch(code: $code) { code } }', { code: null }),
    status: 400,
    code: 'BAD_USER_INPUT',
    extensions: { field: 'code', rule: 'VARIABLE_TYPE' },
  },
  {
    // A variable's name is the caller's text: no response quotes a mobile made one.
    name: 'a non-null variable named with a mobile, left out',
    send: (hub) =>
      postQuery(hub, 'query ($c13912345671: String!) { branch(code: $c13912345671) { code } }', {}),
    status: 400,
    code: 'BAD_USER_INPUT',
    extensions: { field: 'c[digits]', rule: 'VARIABLE_TYPE' },
  },
  {
    name: 'a NUL in a variable named with a mobile',
    send: (hub) =>
      postQuery(hub, 'query ($c13912345671: String!) { branch(code: $c13912345671) { code } }', {
        c13912345671: '00\u0000',
      }),
    status: 400,
    code: 'BAD_USER_INPUT',
    extensions: { field: 'c[digits]', rule: 'CONTROL_CHARACTER' },
  },
  {
    name: 'an unknown enum value',
    send: (hub) =>
      postQuery(
        hub,
        'query ($kind: RuleSetKind!) { ruleSetVersions(kind: $kind) { totalCount } }',
        {
          kind: 'POLICY',
        },
      ),
    status: 400,
    code: 'BAD_USER_INPUT',
    extensions: { field: 'kind', rule: 'VARIABLE_TYPE' },
  },
  ...(
    [
      ['an unknown enum value written inline', 'kind: ALIEN, name: "王芳"', 'records[1].kind'],
      [
        'a null written inline for a required field',
        'kind: INDIVIDUAL, name: null',
        'records[1].name',
      ],
      ['a required field left out inline', 'kind: INDIVIDUAL', 'records[1].name'],
      [
        'an impossible date written inline',
        'kind: INDIVIDUAL, name: "王芳", birthDate: "1999-02-31"',
        'records[1].birthDate',
        // The scalar's own rule, as for a variable.
        'DATE_FORMAT',
      ],
      [
        'an unknown field written inline',
        'kind: INDIVIDUAL, name: "王芳", shoeSize: 42',
        'records[1].shoeSize',
      ],
      [
        'an unknown field named with a mobile, written inline',
        'kind: INDIVIDUAL, name: "王芳", m13912345678: 42',
        'records[1].m[digits]',
      ],
    ] as const
  ).map(([name, second, field, rule = 'LITERAL_TYPE']): HostileCase => ({
    name,
    send: (hub) =>
      postQuery(
        hub,
        `mutation { ingestCustomers(records: [
             { sourceSystem: APP, sourceKey: "K-1", branchCode: "3201", kind: INDIVIDUAL, name: "王芳" },
             { sourceSystem: APP, sourceKey: "K-2", branchCode: "3201", ${second} }]) { accepted } }`,
      ),
    status: 400,
    code: 'BAD_USER_INPUT',
    extensions: { field, rule, reason: 'GRAPHQL_VALIDATION_FAILED' },
  })),
  {
    name: "a variable's default its type refuses",
    send: (hub) =>
      postQuery(
        hub,
        'query ($kind: RuleSetKind = POLICY) { ruleSetVersions(kind: $kind) { totalCount } }',
      ),
    status: 400,
    code: 'BAD_USER_INPUT',
    extensions: { field: 'kind', rule: 'LITERAL_TYPE' },
  },
  {
    name: 'a nested-connection cost bomb (customers → policies → parties → customer, twice, under a 100-page)',
    send: (hub) =>
      postQuery(
        hub,
        `{ marketingCustomers(first: 100) { nodes { cifNo
            policies { nodes { parties { customer { cifNo
              policies { nodes { parties { customer { cifNo
                policies { nodes { policyNo } } } } } } } } } } } } }`,
      ),
    status: 400,
    code: 'QUERY_TOO_COMPLEX',
    extensions: { limit: 'cost', setting: 'GRAPHQL_MAX_COST' },
  },
  {
    name: 'the same cost bomb with its page sizes as variable defaults the request leaves out',
    send: (hub) =>
      postQuery(
        hub,
        `query ($n: Int = 100, $m: Int = 100) { marketingCustomers(first: $n) { nodes { cifNo
            policies(first: $m) { nodes { parties { customer { cifNo
              policies(first: $m) { nodes { policyNo } } } } } } } } }`,
      ),
    status: 400,
    code: 'QUERY_TOO_COMPLEX',
    extensions: { limit: 'cost', setting: 'GRAPHQL_MAX_COST' },
  },
  {
    name: "a policy's parties read through their customers' policies twice, under one customer",
    send: (hub) =>
      postQuery(
        hub,
        `{ customer(by: { cifNo: "C-1" }) { policies(first: 100) { nodes { parties { customer {
            policies(first: 100) { nodes { parties { customer { cifNo } } } } } } } } } }`,
      ),
    status: 400,
    code: 'QUERY_TOO_COMPLEX',
    extensions: { limit: 'cost', setting: 'GRAPHQL_MAX_COST' },
  },
  {
    name: "a branch's children read through parent { children } three times",
    send: (hub) =>
      postQuery(
        hub,
        `{ branch(code: "0000") { ${'children { parent { '.repeat(3)}code${' } }'.repeat(3)} } }`,
      ),
    status: 400,
    code: 'QUERY_TOO_COMPLEX',
    extensions: { limit: 'cost', setting: 'GRAPHQL_MAX_COST' },
  },
  ...(
    [
      [
        'a tier change filter naming one tier 100,000 times',
        `query ($filter: MarketingCustomerFilter) { marketingCustomers(filter: $filter) { totalCount } }`,
        {
          filter: {
            tierChange: {
              since: '2020-01-01',
              from: Array(100_000).fill('GOLD'),
              to: Array(100_000).fill('GOLD'),
            },
          },
        },
        'filter.tierChange.from',
      ],
      [
        'an audit filter naming one action 200,000 times',
        `query ($actions: [AuditAction!]) { auditEvents(filter: { actions: $actions }) { totalCount } }`,
        { actions: Array(200_000).fill('PII_REVEAL') },
        'filter.actions',
      ],
      [
        "a customer's policy lines written out longer than the lines there are, under an alias",
        `{ customer(by: { cifNo: "C-1" }) { p: policies(line: [${'MARINE '.repeat(7)}]) { totalCount } } }`,
        {},
        'customer.p.line',
      ],
    ] as const
  ).map(([name, query, variables, field]): HostileCase => ({
    name,
    send: (hub) => postQuery(hub, query, variables),
    status: 400,
    code: 'BAD_USER_INPUT',
    extensions: { field, rule: 'MAX_ITEMS' },
  })),
  {
    // What an editor sends when its operation name lags behind the text just typed.
    name: 'an operation name the document does not hold',
    send: (hub) =>
      post(
        hub,
        JSON.stringify({
          query: 'query Branch { branch(code: "0000") { code } }',
          operationName: 'Profile',
        }),
      ),
    status: 400,
    code: 'BAD_USER_INPUT',
    extensions: { reason: 'OPERATION_RESOLUTION_FAILURE' },
  },
  {
    name: 'two operations and no operation name',
    send: (hub) => postQuery(hub, 'query A { __typename } query B { __typename }'),
    status: 400,
    code: 'BAD_USER_INPUT',
    extensions: { reason: 'OPERATION_RESOLUTION_FAILURE' },
  },
  {
    name: 'introspection',
    send: (hub) => postQuery(hub, '{ __schema { types { name fields { name } } } }'),
    status: 400,
    code: 'BAD_USER_INPUT',
    extensions: { reason: 'GRAPHQL_VALIDATION_FAILED' },
  },
];

describe('a hostile caller, against the hub in production mode', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startTestHub({ config: { env: 'production' } });
    await insertBranches(hub);
  });
  afterAll(() => hub.close());

  const answersAtOnce = async () => {
    const started = Date.now();
    const next = await postQuery(hub, '{ __typename }');
    expect({ status: next.status, body: next.body }).toEqual({
      status: 200,
      body: { data: { __typename: 'Query' } },
    });
    expect(Date.now() - started).toBeLessThan(1000);
  };

  it.each(CASES.map((c) => [c.name, c]))(
    'refuses %s cleanly, runs nothing and answers the next request at once',
    async (_name, hostile) => {
      const mark = hub.logs.length;
      const { result, statements } = await countStatements(() => hostile.send(hub));
      expect(result.status).toBe(hostile.status);
      expect(result.body.data ?? null).toBeNull();
      expect(result.body.errors?.[0]?.extensions).toMatchObject({
        code: hostile.code,
        ...hostile.extensions,
      });
      expect(JSON.stringify(result.body.errors)).not.toMatch(/Did you mean|Internal server error/);
      expect(result.headers.get('content-type')).toMatch(/json/);
      // Nothing ran: no read statement, no write.
      expect(statements.filter((s) => /\bas data\b|^\s*(insert|update|delete)\b/i.test(s))).toEqual(
        [],
      );
      // Logged as the refusal it is: one request line with its status, no error, no 5xx. (A
      // connection an earlier case left may be refused by node:http meanwhile: its own line.)
      const logged = hub.logs.slice(mark);
      expect(logged.filter((l) => l.level === 'error')).toEqual([]);
      const own = result.headers.get('x-request-id');
      const lines = logged.filter((l) => l.message === 'request' && l.fields!.requestId === own);
      expect(lines.map((l) => l.fields!.status)).toEqual([hostile.status]);
      await answersAtOnce();
    },
  );

  it("says which setting answers introspection, not Apollo Server's constructor", async () => {
    const refused = await postQuery(hub, '{ __type(name: "Query") { name } }');
    expect(refused.body.errors![0].message).toBe(
      'Introspection (__schema, __type) is off: set GRAPHQL_INTROSPECTION=true to allow it',
    );
  });

  it('names the content type it refused without the personal values in it', async () => {
    const refused = await post(hub, JSON.stringify({ query: READ }), {
      'content-type': 'text/13800138000; x=zhang@example.com',
    });
    expect(refused.status).toBe(415);
    const { message } = refused.body.errors![0];
    expect(message).toMatch(/got "text\/\[digits\]; .*\[e-mail\]"$/);
    expect(message).not.toMatch(/13800138000|zhang|example/);
  });

  it('says which methods a 405 allows, and answers headers over the limit as any refusal', async () => {
    const put = await request(hub, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: READ }),
    });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
    // The export is read with GET alone.
    const posted = await fetch(new URL('/export/customers', hub.url), { method: 'POST' });
    expect(posted.status).toBe(405);
    expect(posted.headers.get('allow')).toBe('GET');
    // node:http refuses these before the hub sees them; the hub still says why, as JSON.
    const long = await fetch(new URL(`/graphql?query=${'x'.repeat(20_000)}`, hub.url));
    expect(long.status).toBe(431);
    expect(long.headers.get('content-type')).toMatch(/json/);
    expect(
      ((await long.json()) as { errors: { extensions: unknown }[] }).errors[0]!.extensions,
    ).toEqual({
      code: 'BAD_USER_INPUT',
      reason: 'HEADERS_TOO_LARGE',
    });
    expect(hub.logs).toContainEqual(
      expect.objectContaining({
        message: 'request',
        fields: expect.objectContaining({
          requestId: long.headers.get('x-request-id'),
          status: 431,
          outcome: 'HEADERS_TOO_LARGE',
        }),
      }),
    );
    await answersAtOnce();
  });

  it('suggests no field names in production', async () => {
    const res = await postQuery(hub, '{ branchez { totalCount } }');
    expect(res.status).toBe(400);
    expect(res.body.errors![0].message).toBe('Cannot query field "branchez" on type "Query".');
  });

  it('still runs what the limits allow: the README-sized page, a document nested to the limit, and ingestion records one by one', async () => {
    const page = await postQuery(
      hub,
      'query ($first: Int) { branches(first: $first) { totalCount nodes { code parent { code } } } }',
      { first: 100 },
    );
    expect(page.status).toBe(200);
    expect(page.body.errors).toBeUndefined();
    // Nested as deep as GRAPHQL_MAX_NESTING lets a document nest.
    const deepest = await postQuery(
      hub,
      `{ ${'... on Query { '.repeat(63)}__typename${' }'.repeat(63)} }`,
    );
    expect(deepest.body).toEqual({ data: { __typename: 'Query' } });
    // Text PostgreSQL cannot store rejects only the record that holds it.
    const [good, bad] = [nextNumber(), nextNumber()];
    const res = await postQuery(hub, INGEST_CUSTOMERS, {
      records: [customerRecord(good), customerRecord(bad, { name: 'Zhang\u0000San' })],
    });
    expect(res.status).toBe(200);
    const outcomes = (res.body.data as any).ingestCustomers.records;
    expect(outcomes.map((o: { status: string }) => o.status)).toEqual(['CREATED', 'REJECTED']);
    expect(outcomes[1].errors).toEqual([
      expect.objectContaining({ field: 'name', rule: 'CONTROL_CHARACTER' }),
    ]);
  });
});

describe('per-caller rate limiting', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startTestHub({ config: { env: 'production', rateLimitPerMinute: 3 } });
  });
  afterAll(() => hub.close());

  it('answers RATE_LIMITED with Retry-After past the limit, per caller, before running anything', async () => {
    for (let i = 0; i < 3; i++) {
      expect(
        (
          await request(hub, {
            method: 'POST',
            role: Role.STEWARD,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ query: READ }),
          })
        ).status,
      ).toBe(200);
    }
    const { result, statements } = await countStatements(() =>
      request(hub, {
        method: 'POST',
        role: Role.STEWARD,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: READ }),
      }),
    );
    expect(result.status).toBe(429);
    expect(Number(result.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(result.body.errors![0].extensions).toMatchObject({
      code: 'RATE_LIMITED',
      max: 3,
      setting: 'RATE_LIMIT_PER_MINUTE',
    });
    expect(statements.filter((s) => /\bas data\b/.test(s))).toEqual([]);
    // Another caller has a budget of its own.
    const other = await request(hub, {
      method: 'POST',
      role: Role.UNDERWRITING,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ __typename }' }),
    });
    expect(other.status).toBe(200);
  });

  it('counts failed authentication by client address', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await request(hub, {
        method: 'POST',
        role: null,
        headers: { 'content-type': 'application/json', authorization: 'Bearer nonsense' },
        body: JSON.stringify({ query: '{ __typename }' }),
      });
      statuses.push(res.status);
      if (res.status === 429) expect(res.body.errors![0].extensions.code).toBe('RATE_LIMITED');
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
  });
});

describe('a stream of distinct selections', () => {
  it('leaves at most PREPARED_STATEMENTS_PER_CONNECTION prepared statements on a connection', async () => {
    const hub = await startTestHub({
      config: { dbPoolSize: 1, preparedStatementsPerConnection: 5 },
    });
    try {
      const fields = ['code', 'name', 'level', 'path', 'status', 'validFrom', 'validTo'];
      for (let i = 1; i <= fields.length; i++) {
        for (const field of fields.slice(0, i)) {
          const res = await hub.gql(`{ branches(first: ${i}) { nodes { ${field} } } }`);
          expect(res.errors).toBeUndefined();
        }
      }
      // The read pool has one connection: this runs on the same session as the reads.
      const reads = hub.app.services.reads.pool;
      const { rows } = await reads.query<{ n: number }>(
        `select count(*)::int as n from pg_prepared_statements where name like 'read\\_%'`,
      );
      expect(rows[0].n).toBe(5);
      // Planned once for all values; the jobs' connections plan each statement as usual.
      const mode = `select current_setting('plan_cache_mode') as mode, current_setting('jit') as jit`;
      expect((await reads.query(mode)).rows[0]).toEqual({ mode: 'force_generic_plan', jit: 'off' });
      expect((await hub.app.services.pool.query(mode)).rows[0].mode).toBe('auto');
      // What is still prepared keeps answering; what was evicted is prepared again.
      for (const field of fields) {
        expect(
          (await hub.gql(`{ branches(first: 1) { nodes { ${field} } } }`)).errors,
        ).toBeUndefined();
      }
      const after = await reads.query<{ n: number }>(
        `select count(*)::int as n from pg_prepared_statements where name like 'read\\_%'`,
      );
      expect(after.rows[0].n).toBe(5);
    } finally {
      await hub.close();
    }
  });
});
