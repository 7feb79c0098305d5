import { once } from 'node:events';
import type http from 'node:http';
import {
  coerceInputValue,
  GraphQLInputObjectType,
  parse,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { OPERATIONS } from '../../auth/access';
import { AuditAction } from '../audit/audit-event.entity';
import { BadUserInputError, ForbiddenError } from '../../graphql/errors';
import { coercionProblems, listProblem, valueProblem } from '../../graphql/limits/input';
import type { RequestContext } from '../../graphql/context';
import { looksPersonal, maskPersonal } from '../../logger';
import type { MarketingCustomerFilter } from './marketing.input';

export const EXPORT_PAGE_SIZE = 1000;
const MAX_EXPORT_PAGE_SIZE = 5000;

/**
 * What an exported customer carries: what marketing may see, through the same compiled
 * read path (so the same masking and consent rules) as the GraphQL list.
 */
const CUSTOMER_FIELDS = `cifNo name kind gender birthYear status
  branch { code name } tier { tier validFrom }
  marketingConsent consentAt consentChannel
  contactPoints { kind value verificationStatus }`;

/**
 * A page's selection. NDJSON's edges are its lines, as PostgreSQL writes them (the edge's
 * node named `customer`); CSV's are objects, which the rows are written from.
 */
const selection = (withTotal: boolean, format: Format): SelectionSetNode[] => {
  const document = parse(`{ ${withTotal ? 'totalCount' : ''}
    edges { cursor ${format === 'ndjson' ? 'customer: node' : 'node'} { ${CUSTOMER_FIELDS} } }
    pageInfo { hasNextPage endCursor } }`);
  return [(document.definitions[0] as OperationDefinitionNode).selectionSet];
};
const FORMATS = ['ndjson', 'csv'] as const;
type Format = (typeof FORMATS)[number];
const PAGES = Object.fromEntries(
  FORMATS.map((format) => [
    format,
    { first: selection(true, format), next: selection(false, format) },
  ]),
) as Record<Format, { first: SelectionSetNode[]; next: SelectionSetNode[] }>;

interface ExportedCustomer {
  cifNo: string;
  name: string;
  kind: string;
  gender: string | null;
  birthYear: number | null;
  status: string;
  branch: { code: string; name: string };
  tier: { tier: string; validFrom: string } | null;
  marketingConsent: boolean;
  consentAt: string | null;
  consentChannel: string | null;
  contactPoints: { kind: string; value: string; verificationStatus: string }[];
}

export interface Page {
  totalCount?: number;
  /** NDJSON: the lines; CSV: the rows. */
  edges: string | { cursor: string; node: ExportedCustomer }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

const CSV_COLUMNS = [
  'cursor',
  'cifNo',
  'name',
  'kind',
  'gender',
  'birthYear',
  'branchCode',
  'branchName',
  'tier',
  'marketingConsent',
  'consentAt',
  'consentChannel',
  'mobile',
  'email',
] as const;

/**
 * A spreadsheet runs a cell that starts with = + - @ (or a tab or carriage return before
 * one) as a formula: such text, a name a source system let through say, is prefixed with an
 * apostrophe so that it opens as text (OWASP "CSV injection").
 */
const csvCell = (value: unknown) => {
  let text = value === null || value === undefined ? '' : String(value);
  if (typeof value === 'string' && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

function csvRow(cursor: string, c: ExportedCustomer): string {
  const contact = (kind: string) => c.contactPoints.find((p) => p.kind === kind)?.value;
  const cells = [
    cursor,
    c.cifNo,
    c.name,
    c.kind,
    c.gender,
    c.birthYear,
    c.branch.code,
    c.branch.name,
    c.tier?.tier,
    c.marketingConsent,
    c.consentAt,
    c.consentChannel,
    contact('MOBILE'),
    contact('EMAIL'),
  ];
  return `${cells.map(csvCell).join(',')}\n`;
}

const PARAMETERS = ['format', 'filter', 'after', 'pageSize'];

/**
 * The query string holds the export's parameters, each once: a misspelt `filtre` or a second
 * `filter` would otherwise export the whole segment, or another one than the caller meant.
 */
function checkParameters(given: URLSearchParams): void {
  for (const name of new Set(given.keys())) {
    // A name may be anything the caller typed, a mobile too: it is named masked.
    const named = maskPersonal(name.slice(0, 64));
    if (!PARAMETERS.includes(name)) {
      throw new BadUserInputError(
        `${named}: no parameter of the export; it takes ${PARAMETERS.join(', ')}`,
        { field: named, rule: 'UNKNOWN_PARAMETER' },
      );
    }
    if (given.getAll(name).length > 1) {
      throw new BadUserInputError(`${name}: given more than once`, {
        field: name,
        rule: 'REPEATED_PARAMETER',
      });
    }
  }
}

/**
 * GET /export/customers?format=ndjson|csv&filter=<MarketingCustomerFilter as JSON>&after=<cursor>
 *
 * Streams a whole segment page by page (keyset pagination, one statement per page), waiting
 * for the client to take each page before reading the next: steady pace, constant memory.
 * Every row carries its cursor; after a dropped connection the client resumes with the
 * last cursor it received as `after`. NDJSON ends with {"end":true,"exported":N}, so a
 * complete export can be told from a cut one; X-Total-Count gives the segment's size.
 */
export async function exportSegment(
  context: RequestContext,
  schema: GraphQLSchema,
  url: URL,
  response: http.ServerResponse,
): Promise<{ format: string; exported: number }> {
  if (!(OPERATIONS.marketingList as readonly string[]).includes(context.caller.role)) {
    throw new ForbiddenError(`Role ${context.caller.role} may not export segments`, {
      role: context.caller.role,
    });
  }
  checkParameters(url.searchParams);
  const format = (url.searchParams.get('format') ?? 'ndjson') as Format;
  if (!FORMATS.includes(format)) {
    throw new BadUserInputError('format must be ndjson or csv', {
      field: 'format',
      rule: 'FORMAT',
    });
  }
  // In plain digits, as GraphQL's Int takes it: Number() also read `1e3`, ` 10` and `10.0`.
  const given = url.searchParams.get('pageSize');
  const pageSize =
    given === null ? EXPORT_PAGE_SIZE : /^\d{1,9}$/.test(given) ? Number(given) : NaN;
  if (!(pageSize >= 1 && pageSize <= MAX_EXPORT_PAGE_SIZE)) {
    throw new BadUserInputError(
      `pageSize must be a whole number from 1 to ${MAX_EXPORT_PAGE_SIZE}, in digits`,
      {
        field: 'pageSize',
        rule: 'PAGE_SIZE',
      },
    );
  }
  const filter = parseFilter(schema, url.searchParams.get('filter'));
  const source = await context.services.marketing.segment(context.caller, filter);

  const after = url.searchParams.get('after') ?? undefined;
  const read = (
    args: { first: number; after?: string },
    selections: SelectionSetNode[],
    until?: string,
  ) =>
    context.read.bulkPage<Page>(source, args, selections, {
      maxPageSize: MAX_EXPORT_PAGE_SIZE,
      lines: format === 'ndjson',
      until,
    });
  let page = await read({ first: pageSize, after }, PAGES[format].first);
  await context.audit({
    action: AuditAction.SEGMENT_EXPORT,
    target: { type: 'Customer' },
    // The filter as asked, but a value in it may be anything the caller typed (a mobile for a
    // tier code): the audit log holds no personal values.
    details: {
      format,
      filter: JSON.parse(JSON.stringify(filter ?? null), (_key, value: unknown) =>
        typeof value === 'string' && looksPersonal(value) ? '[masked]' : value,
      ) as unknown,
      after: after ?? null,
      customers: page.totalCount,
    },
  });
  response.writeHead(200, {
    'content-type':
      format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
    'x-total-count': String(page.totalCount),
    'cache-control': 'no-store',
  });
  let closed = false;
  response.on('close', () => (closed = true));
  const write = async (chunk: string) => {
    if (response.write(chunk)) return;
    // The wait that loses the race is taken off too: a long export waits thousands of times.
    const waits = new AbortController();
    const { signal } = waits;
    await Promise.race([once(response, 'drain', { signal }), once(response, 'close', { signal })]);
    waits.abort();
  };
  if (format === 'csv') await write(`${CSV_COLUMNS.join(',')}\n`);
  let exported = 0;
  const ranges = pagesAfter(page, {
    read: (start, until) =>
      read({ first: pageSize, after: start }, PAGES[format].next, until ?? undefined),
    end: (start) => context.read.bulkPageEnd(source, start, pageSize),
  });
  for (;;) {
    const { edges } = page;
    if (typeof edges === 'string') {
      if (edges) {
        await write(`${edges}\n`);
        exported += edges.split('\n').length;
      }
    } else {
      await write(edges.map(({ cursor, node }) => csvRow(cursor, node)).join(''));
      exported += edges.length;
    }
    if (closed) break;
    const next = await ranges.next();
    if (next.done) break;
    page = next.value;
  }
  if (!closed && format === 'ndjson') await write(`${JSON.stringify({ end: true, exported })}\n`);
  response.end();
  return { format, exported };
}

/** Pages read at once: the database builds this many while the hub writes one. */
const PAGES_AHEAD = 2;

/**
 * The pages after `first`, PAGES_AHEAD of them read at once. A page waiting for the one
 * before it to end left a core idle: here the end of each next range of a page's rows is
 * found ahead by a statement that reads only their keys (`end`, null when fewer are left),
 * and the range is then read up to that end, rows written into it meanwhile included. The
 * last range is open, and goes on as pages do. At most PAGES_AHEAD pages are held.
 */
export async function* pagesAfter(
  first: Page,
  source: {
    read: (start: string, until: string | null) => Promise<Page>;
    end: (start: string) => Promise<string | null>;
  },
): AsyncGenerator<Page> {
  let start = first.pageInfo.hasNextPage ? first.pageInfo.endCursor : null;
  const ahead: { page: Promise<Page>; until: string | null }[] = [];
  for (;;) {
    while (start !== null && ahead.length < PAGES_AHEAD) {
      const until = await source.end(start);
      const page = source.read(start, until);
      // Read for nothing when the client has gone; its failure then has no one to tell.
      page.catch(() => undefined);
      ahead.push({ page, until });
      start = until;
    }
    const range = ahead.shift();
    if (!range) return;
    let page = await range.page;
    yield page;
    while (page.pageInfo.hasNextPage) {
      // The open range grew meanwhile: it goes on as ranges.
      if (range.until === null) {
        start = page.pageInfo.endCursor;
        break;
      }
      // Rows written into the range meanwhile: the rest of it.
      page = await source.read(page.pageInfo.endCursor!, range.until);
      yield page;
    }
  }
}

/** The filter as the GraphQL API would coerce it, with the same errors. */
function parseFilter(schema: GraphQLSchema, raw: string | null): MarketingCustomerFilter {
  if (!raw) return {};
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    throw new BadUserInputError('filter must be a JSON object', { field: 'filter', rule: 'JSON' });
  }
  const type = schema.getType('MarketingCustomerFilter') as GraphQLInputObjectType;
  // Refused as the same filter in a GraphQL variable named filter is: same field, same rule,
  // lists over their bounds and text PostgreSQL cannot store included (the filter's type
  // bounds its depth).
  const coerced = coercionProblems(value, type, 'filter', 'The filter parameter');
  const problem =
    coerced[0] ??
    listProblem(value, type, 'filter') ??
    valueProblem(value, 'filter', { maxDepth: Number.POSITIVE_INFINITY, text: true });
  if (problem) {
    throw new BadUserInputError(problem.message, {
      field: problem.field,
      rule: problem.rule,
      ...(coerced.length > 1 && { problems: coerced }),
    });
  }
  return (coerceInputValue(value, type) as MarketingCustomerFilter | null) ?? {};
}
