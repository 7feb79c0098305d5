import { HeaderMap, type ApolloServer } from '@apollo/server';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { createContext, type AppServices, type RequestContext } from '../graphql/context';
import { RawJsonParts } from '../graphql/raw-json';
import {
  ErrorCode,
  RETRY_AFTER_SECONDS,
  ServiceUnavailableError,
  UnavailableReason,
} from '../graphql/errors';
import {
  BadRequestError,
  PayloadTooLargeError,
  sourceLimitError,
  type GraphQLLimits,
} from '../graphql/limits';
import { outageOf } from '../db/outage';
import { inRequest, looksPersonal } from '../logger';
import { exportSegment } from '../modules/marketing/segment-export';
import type { RequestedDocument } from '../modules/trusted-document/trusted-documents';
import type { ReadinessResult } from '../observability/probes';
import {
  discardBody,
  mediaTypeError,
  nestsDeeperThan,
  readBody,
  takeRequestedDocument,
  takeRequestedDocumentFromSearch,
  unreadableContentType,
} from './edge';
import { CONSOLE_PATH, serveConsole, type ConsoleSettings } from './console';
import type { CallerRateLimit } from './rate-limit';

const HTTP_STATUS: Record<string, number> = {
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.CONFLICT]: 409,
  [ErrorCode.SERVICE_UNAVAILABLE]: 503,
  [ErrorCode.QUERY_TOO_COMPLEX]: 400,
  [ErrorCode.DOCUMENT_TOO_LARGE]: 400,
  [ErrorCode.PERSISTED_QUERY_NOT_FOUND]: 400,
  [ErrorCode.TRUSTED_DOCUMENT_REQUIRED]: 403,
  [ErrorCode.PAYLOAD_TOO_LARGE]: 413,
  [ErrorCode.UNSUPPORTED_MEDIA_TYPE]: 415,
  [ErrorCode.RATE_LIMITED]: 429,
};

/** The code of a response that failed before GraphQL ran, when nothing recorded one. */
const CODE_OF_STATUS: Record<number, string> = {
  400: ErrorCode.BAD_USER_INPUT,
  401: ErrorCode.UNAUTHENTICATED,
  403: ErrorCode.FORBIDDEN,
  404: ErrorCode.NOT_FOUND,
  405: ErrorCode.BAD_USER_INPUT,
  406: ErrorCode.BAD_USER_INPUT,
  409: ErrorCode.CONFLICT,
  413: ErrorCode.PAYLOAD_TOO_LARGE,
  415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  429: ErrorCode.RATE_LIMITED,
  503: ErrorCode.SERVICE_UNAVAILABLE,
};

/** Routes as metric labels: a bounded set. */
const ROUTES: Record<string, string> = {
  '/graphql': 'graphql',
  '/export/customers': 'export',
  '/healthz': 'healthz',
  '/readyz': 'readyz',
  '/metrics': 'metrics',
};

/** A browser opening /graphql by hand: it wants a page, not a GraphQL response. */
const asksForPage = (request: http.IncomingMessage, url: URL) =>
  request.method === 'GET' &&
  !url.searchParams.has('query') &&
  (request.headers.accept ?? '').split(',')[0]?.trim() === 'text/html';

/**
 * A caller's correlation id is kept when it is a plain token of reasonable length that
 * cannot hold a personal value (looksPersonal: a mobile, an ID or policy number), since it
 * reaches the logs and the audit log; another gets an id of ours. A UUID's hex groups hold
 * digit runs by chance: one is kept unless a group holds 11 digits (a mobile).
 */
const REQUEST_ID = /^[\w.:-]{1,128}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const callersRequestId = (given: unknown): given is string =>
  typeof given === 'string' &&
  REQUEST_ID.test(given) &&
  (UUID.test(given) ? !/\d{11}/.test(given) : !looksPersonal(given));

/** Levels the JSON envelope adds around a variable's value: the body, then `variables`. */
const ENVELOPE_DEPTH = 2;

/** What a request showed of itself, for its log line and metrics. */
interface Seen {
  context?: RequestContext;
  /** The operation name the body asked for, when the request failed before Apollo read it. */
  operationName?: string;
  /** The code of a refusal before GraphQL ran (the edge, authentication, rate limit...). */
  code?: string;
}

function send(
  response: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
) {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  response.end(JSON.stringify(body));
}

/** A closed-set error as a response, with the status (and headers) its code stands for. */
function sendError(response: http.ServerResponse, error: GraphQLError) {
  const { http: head, ...extensions } = error.extensions as {
    http?: { status?: number; headers?: Iterable<[string, string]> };
    code?: unknown;
  };
  const code = String(extensions.code);
  const headers: Record<string, string> = Object.fromEntries(head?.headers ?? []);
  if (code === ErrorCode.SERVICE_UNAVAILABLE) {
    headers['retry-after'] ??= String(RETRY_AFTER_SECONDS);
  }
  send(
    response,
    head?.status ?? HTTP_STATUS[code] ?? 500,
    { errors: [{ message: error.message, extensions }] },
    headers,
  );
}

/**
 * The HTTP layer: node:http straight into Apollo's executeHTTPGraphQLRequest. Measured
 * here: a framework in between costs 0.2-0.3 ms on every request. Every response carries
 * `x-request-id`; every request leaves one log line and its metrics.
 *
 * Before GraphQL sees a request (README, "Production limits"): GET and POST only; a POST
 * body must be JSON in UTF-8 (415), within MAX_BODY_BYTES (413, from Content-Length up
 * front and counted as it streams), one JSON object (a batch, an array, is 400), not nested
 * beyond the variable depth limit; its document within the size and token limits. The caller
 * is authenticated and rate-limited from the headers, before the body is read; a restricted
 * role's request must name a trusted document; Apollo then checks CSRF headers, parses, validates (depth, aliases,
 * directives), checks the input and the cost, and runs it within the request time limit.
 */
export function createHttpServer(
  apollo: ApolloServer<RequestContext>,
  app: AppServices,
  options: {
    maxBodyBytes: number;
    /** 0: no limit. */
    requestTimeoutMs: number;
    schema: GraphQLSchema;
    ready: () => Promise<ReadinessResult>;
    limits: GraphQLLimits;
    rateLimit: CallerRateLimit;
    console: ConsoleSettings;
  },
): http.Server {
  const { logger, metrics } = app;

  /** Answers a request refused before GraphQL ran, and records why. */
  const refuse = (response: http.ServerResponse, error: GraphQLError, seen: Seen) => {
    seen.code = String(error.extensions.code);
    metrics.errors.inc({ code: seen.code });
    sendError(response, error);
  };

  /** 405, naming the methods the route takes (`Allow`), its body left unread. */
  const refuseMethod = (
    request: http.IncomingMessage,
    response: http.ServerResponse,
    allowed: string[],
    hint: string,
    seen: Seen,
  ) => {
    discardBody(request);
    response.setHeader('allow', allowed.join(', '));
    refuse(
      response,
      new BadRequestError(`${request.method} is not supported: ${hint}`, 'METHOD', 405),
      seen,
    );
  };

  /**
   * The request's context: the caller authenticated, then counted against the rate limit,
   * by token subject, or by client address when authentication failed.
   */
  const admit = async (
    request: http.IncomingMessage,
    authorization: string | undefined,
    requestId: string,
    seen: Seen,
  ): Promise<RequestContext> => {
    let context: RequestContext;
    try {
      context = await createContext(app, { authorization, requestId });
    } catch (error) {
      if (error instanceof GraphQLError && error.extensions.code === ErrorCode.UNAUTHENTICATED) {
        await options.rateLimit.consume(`address:${request.socket.remoteAddress ?? 'unknown'}`);
      }
      throw error;
    }
    seen.context = context;
    await options.rateLimit.consume(`subject:${context.caller.subject}`);
    return context;
  };

  const graphql = async (
    request: http.IncomingMessage,
    response: http.ServerResponse,
    url: URL,
    requestId: string,
    seen: Seen,
  ) => {
    const method = request.method ?? 'GET';
    if (method !== 'GET' && method !== 'POST') {
      refuseMethod(request, response, ['GET', 'POST'], 'use POST (or GET for queries)', seen);
      return;
    }
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    // A GET's content type only tells Apollo's CSRF check whether a browser could have sent
    // it unasked; one too long to read is taken as none (a POST's is refused below).
    if (unreadableContentType(request.headers['content-type'])) headers.delete('content-type');
    const httpGraphQLRequest = { method, headers, search: url.search, body: undefined as unknown };
    let requested: RequestedDocument;
    const params = new URLSearchParams(url.search);
    if (method === 'POST') {
      const unsupported = mediaTypeError(request.headers);
      const declared = Number(request.headers['content-length'] ?? 0);
      const refusal =
        unsupported ??
        (declared > options.maxBodyBytes
          ? new PayloadTooLargeError(options.maxBodyBytes)
          : undefined);
      if (refusal) {
        discardBody(request);
        refuse(response, refusal, seen);
        return;
      }
    }
    // Who is calling, from the headers alone: a caller refused here (no or a bad credential,
    // over its rate) costs no buffering, no parsing and no scanning of its body.
    let context: RequestContext;
    try {
      context = await admit(request, request.headers.authorization, requestId, seen);
    } catch (error) {
      if (!(error instanceof GraphQLError)) throw error;
      if (method === 'POST') discardBody(request);
      refuse(response, error, seen);
      return;
    }
    if (method === 'POST') {
      let body: unknown;
      try {
        const text = await readBody(request, options.maxBodyBytes);
        if (nestsDeeperThan(text, options.limits.maxVariableDepth + ENVELOPE_DEPTH)) {
          throw new BadRequestError(
            `The body nests lists and objects deeper than the variables may (${options.limits.maxVariableDepth} levels, GRAPHQL_MAX_VARIABLE_DEPTH)`,
            'NESTING_DEPTH',
          );
        }
        try {
          body = text ? JSON.parse(text) : {};
        } catch {
          throw new BadRequestError('The request body is not JSON', 'MALFORMED_JSON');
        }
        if (Array.isArray(body)) {
          throw new BadRequestError(
            'Batched requests (a JSON array) are not accepted: send one operation per request',
            'BATCH_NOT_SUPPORTED',
          );
        }
        if (typeof body !== 'object' || body === null) {
          throw new BadRequestError(
            'The request body must be a JSON object: { query, variables, operationName, extensions }',
            'NOT_AN_OBJECT',
          );
        }
        const fields = body as Record<string, unknown>;
        if (typeof fields.operationName === 'string') seen.operationName = fields.operationName;
        requested = takeRequestedDocument(fields);
      } catch (error) {
        if (!(error instanceof GraphQLError)) throw error;
        refuse(response, error, seen);
        return;
      }
      httpGraphQLRequest.body = body as Record<string, unknown>;
    } else {
      seen.operationName = params.get('operationName') ?? undefined;
      try {
        requested = takeRequestedDocumentFromSearch(params);
      } catch (error) {
        if (!(error instanceof GraphQLError)) throw error;
        refuse(response, error, seen);
        return;
      }
      httpGraphQLRequest.search = `?${params}`;
    }
    const tooLarge =
      requested.query !== undefined ? sourceLimitError(requested.query, options.limits) : undefined;
    if (tooLarge) {
      refuse(response, tooLarge, seen);
      return;
    }
    const rawJson = (context.rawJson = new RawJsonParts());
    const execution = apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest,
      context: async () => {
        try {
          const query = await app.trustedDocuments.documentFor(context.caller.role, requested);
          // Apollo reads the operation out of the request only once the context is built.
          if (query !== requested.query) {
            if (method === 'POST')
              (httpGraphQLRequest.body as Record<string, unknown>).query = query;
            else {
              params.set('query', query!);
              httpGraphQLRequest.search = `?${params}`;
            }
          }
          return context;
        } catch (error) {
          if (error instanceof GraphQLError) {
            seen.code = String(error.extensions.code);
            metrics.errors.inc({ code: seen.code });
          }
          throw error;
        }
      },
    });
    let timer: NodeJS.Timeout | undefined;
    const result = options.requestTimeoutMs
      ? await Promise.race([
          execution,
          new Promise<undefined>((resolve) => {
            timer = setTimeout(() => resolve(undefined), options.requestTimeoutMs);
          }),
        ]).finally(() => clearTimeout(timer))
      : await execution;
    if (!result) {
      // The statement timeout ends the database work it started; its answer is dropped.
      execution.catch(() => undefined);
      seen.context?.observed.errorCodes.push(ErrorCode.SERVICE_UNAVAILABLE);
      sendError(response, new ServiceUnavailableError(UnavailableReason.REQUEST_TIMEOUT));
      return;
    }
    const responseHeaders: Record<string, string> = {};
    for (const [key, value] of result.headers) responseHeaders[key] = value;
    response.writeHead(result.status ?? 200, responseHeaders);
    if (result.body.kind === 'complete') {
      response.end(rawJson.splice(result.body.string));
    } else {
      for await (const chunk of result.body.asyncIterator) response.write(chunk);
      response.end();
    }
  };

  /** Bulk export over plain HTTP, with the same bearer tokens, limits and error codes as GraphQL. */
  const exportRoute = async (
    request: http.IncomingMessage,
    response: http.ServerResponse,
    url: URL,
    requestId: string,
    seen: Seen,
  ) => {
    const context = await admit(request, request.headers.authorization, requestId, seen);
    const { format, exported } = await exportSegment(context, options.schema, url, response);
    metrics.exportedRows.inc({ format }, exported);
  };

  const serve = async (
    request: http.IncomingMessage,
    response: http.ServerResponse,
    requestId: string,
  ) => {
    const started = process.hrtime.bigint();
    const url = new URL(request.url ?? '/', 'http://localhost');
    const route =
      ROUTES[url.pathname] ??
      (url.pathname === CONSOLE_PATH || url.pathname.startsWith(`${CONSOLE_PATH}/`)
        ? 'console'
        : 'other');
    const seen: Seen = {};
    response.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      // Closed before the answer was whole: the client went away, or the connection was cut
      // (a body that never came, the end of a shutdown's grace). Never answered at all, it is
      // 499 (nginx's "client closed request"), not the 200 a response starts with.
      const aborted = !response.writableFinished;
      const status = aborted && !response.headersSent ? 499 : response.statusCode;
      metrics.httpRequests.inc({ route, status: String(status) });
      const context = seen.context;
      const codes = context?.observed.errorCodes ?? [];
      const outcome =
        codes[0] ??
        seen.code ??
        (aborted
          ? 'ABORTED'
          : status < 400
            ? 'ok'
            : (CODE_OF_STATUS[status] ?? 'INTERNAL_SERVER_ERROR'));
      const operation =
        route === 'graphql'
          ? // The operation that runs; before Apollo resolved it, the name it asked for.
            // Either is the caller's text: a name with a digit run (an ID number) is `other`.
            metrics.operation(context?.observed.operation ?? seen.operationName)
          : undefined;
      if (operation) {
        metrics.requests.inc({ operation, outcome });
        metrics.requestSeconds.observe({ operation, outcome }, seconds);
      }
      // Probes and scrapes come every few seconds, and a console page load fetches a dozen
      // files: logged only when asked for debug.
      const level =
        route === 'healthz' || route === 'readyz' || route === 'metrics' || route === 'console'
          ? 'debug'
          : 'info';
      logger[level]('request', {
        requestId,
        method: request.method,
        route,
        operation,
        role: context?.caller.role,
        branch: context?.caller.branchCode,
        status,
        outcome,
        errorCodes: codes.length ? codes : undefined,
        durationMs: Math.round(seconds * 1e4) / 10,
        aborted: aborted || undefined,
      });
    });
    try {
      switch (route) {
        case 'healthz':
          // Liveness: the process answers. The database is readiness's business.
          send(response, 200, { status: 'ok' });
          return;
        case 'readyz': {
          const readiness = await options.ready();
          if (readiness.ready) send(response, 200, { status: 'ready' });
          else {
            send(
              response,
              503,
              { status: 'unavailable', reason: readiness.reason },
              {
                'retry-after': String(RETRY_AFTER_SECONDS),
              },
            );
          }
          return;
        }
        case 'metrics':
          response.writeHead(200, { 'content-type': metrics.registry.contentType });
          response.end(await metrics.registry.metrics());
          return;
        case 'export':
          if (request.method !== 'GET') {
            refuseMethod(request, response, ['GET'], 'the export is a GET', seen);
            return;
          }
          await exportRoute(request, response, url, requestId, seen);
          return;
        case 'graphql':
          if (asksForPage(request, url)) {
            response.writeHead(302, { location: `${CONSOLE_PATH}/#/explorer` });
            response.end();
            return;
          }
          await graphql(request, response, url, requestId, seen);
          return;
        case 'console':
          serveConsole(request, response, url.pathname, options.console);
          return;
      }
      if (url.pathname === '/' && request.method === 'GET') {
        response.writeHead(302, { location: `${CONSOLE_PATH}/` });
        response.end();
        return;
      }
      send(response, 404, { error: 'Not found: the API is at /graphql' });
    } catch (error) {
      const outage = outageOf(error);
      const known =
        error instanceof GraphQLError && HTTP_STATUS[String(error.extensions.code)]
          ? error
          : outage
            ? new ServiceUnavailableError(outage)
            : undefined;
      if (known) {
        if (seen.context) seen.context.observed.errorCodes.push(String(known.extensions.code));
        else seen.code = String(known.extensions.code);
        if (response.headersSent) response.destroy();
        else sendError(response, known);
        return;
      }
      const correlationId = randomUUID();
      logger.error('http handler failed', { requestId, correlationId, error: String(error) });
      if (!response.headersSent) {
        send(response, 500, {
          errors: [
            {
              message: `Internal server error (correlation id ${correlationId})`,
              extensions: { code: 'INTERNAL_SERVER_ERROR', correlationId },
            },
          ],
        });
      } else {
        response.end();
      }
    }
  };
  const server = http.createServer((request, response) => {
    const given = request.headers['x-request-id'];
    const requestId = callersRequestId(given) ? given : randomUUID();
    response.setHeader('x-request-id', requestId);
    // Every line logged while the request is served names it, so that a warning or an
    // unexpected error deep in a resolver joins the request's own line.
    void inRequest(requestId, () => serve(request, response, requestId));
  });
  // Refusals node:http makes before a request reaches the handler, with the body every other
  // refusal has: headers or a URL over its limit (431), a request it cannot parse (400), one
  // too slow to arrive (408).
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [status, reason, message] =
      error.code === 'HPE_HEADER_OVERFLOW'
        ? [
            431,
            'HEADERS_TOO_LARGE',
            "The request's headers (the URL among them) are over the size limit",
          ]
        : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'REQUEST_TIMEOUT', 'The request did not arrive in time']
          : [400, 'MALFORMED_HTTP', 'The request is not well-formed HTTP'];
    // Counted and logged as any request is: a wave of them (a client adding cookies until
    // they overflow) shows on the dashboards, not only in the client's own errors.
    // The caller's own id is in the headers node:http could not read: the answer carries ours.
    const requestId = randomUUID();
    metrics.httpRequests.inc({ route: 'other', status: String(status) });
    logger.info('request', { requestId, route: 'other', status, outcome: reason });
    const body = JSON.stringify({
      errors: [{ message, extensions: { code: ErrorCode.BAD_USER_INPUT, reason } }],
    });
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nconnection: close\r\nx-request-id: ${requestId}\r\n` +
        `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  });
  return server;
}
