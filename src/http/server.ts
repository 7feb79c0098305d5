import { HeaderMap, type ApolloServer } from '@apollo/server';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { GraphQLError, type GraphQLSchema } from 'graphql';
import { createContext, type AppServices, type RequestContext } from '../graphql/context';
import {
  ErrorCode,
  RETRY_AFTER_SECONDS,
  ServiceUnavailableError,
  UnavailableReason,
} from '../graphql/errors';
import { outageOf } from '../db/outage';
import { exportSegment } from '../modules/marketing/segment-export';
import type { ReadinessResult } from '../observability/probes';

const HTTP_STATUS: Record<string, number> = {
  [ErrorCode.BAD_USER_INPUT]: 400,
  [ErrorCode.UNAUTHENTICATED]: 401,
  [ErrorCode.FORBIDDEN]: 403,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.CONFLICT]: 409,
  [ErrorCode.SERVICE_UNAVAILABLE]: 503,
};

/** The code of a response that failed before GraphQL ran (a bad token, a body too large). */
const CODE_OF_STATUS: Record<number, string> = {
  400: ErrorCode.BAD_USER_INPUT,
  401: ErrorCode.UNAUTHENTICATED,
  403: ErrorCode.FORBIDDEN,
  404: ErrorCode.NOT_FOUND,
  409: ErrorCode.CONFLICT,
  413: ErrorCode.BAD_USER_INPUT,
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

/** A caller's correlation id is kept when it is a plain token of reasonable length. */
const REQUEST_ID = /^[\w.:-]{1,128}$/;

class PayloadTooLarge extends Error {}

/** What a request showed of itself, for its log line and metrics. */
interface Seen {
  context?: RequestContext;
  /** The operation name the body asked for, when the request failed before Apollo read it. */
  operationName?: string;
}

function readBody(request: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new PayloadTooLarge());
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
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

/** A closed-set error as a response, with the status its code stands for. */
function sendError(response: http.ServerResponse, error: GraphQLError) {
  const { http: _http, ...extensions } = error.extensions;
  const code = String(extensions.code);
  send(
    response,
    HTTP_STATUS[code] ?? 500,
    { errors: [{ message: error.message, extensions }] },
    code === ErrorCode.SERVICE_UNAVAILABLE ? { 'retry-after': String(RETRY_AFTER_SECONDS) } : {},
  );
}

/**
 * The HTTP layer: node:http straight into Apollo's executeHTTPGraphQLRequest, with a body
 * limit and a request time limit. Measured here: a framework in between costs 0.2-0.3 ms
 * on every request. Every response carries `x-request-id`; every request leaves one log
 * line and its metrics.
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
  },
): http.Server {
  const { logger, metrics } = app;

  const graphql = async (
    request: http.IncomingMessage,
    response: http.ServerResponse,
    url: URL,
    requestId: string,
    seen: Seen,
  ) => {
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(request.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    let body: unknown;
    if (request.method === 'POST') {
      const text = await readBody(request, options.maxBodyBytes);
      try {
        body = text ? JSON.parse(text) : {};
        const name = (body as { operationName?: unknown } | null)?.operationName;
        if (typeof name === 'string') seen.operationName = name;
      } catch {
        send(response, 400, {
          errors: [
            { message: 'The request body is not JSON', extensions: { code: 'BAD_USER_INPUT' } },
          ],
        });
        return;
      }
    }
    const execution = apollo.executeHTTPGraphQLRequest({
      httpGraphQLRequest: { method: request.method ?? 'GET', headers, search: url.search, body },
      context: async () =>
        (seen.context = await createContext(app, {
          authorization: headers.get('authorization'),
          requestId,
        })),
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
      response.end(result.body.string);
    } else {
      for await (const chunk of result.body.asyncIterator) response.write(chunk);
      response.end();
    }
  };

  /** Bulk export over plain HTTP, with the same bearer tokens and error codes as GraphQL. */
  const exportRoute = async (
    request: http.IncomingMessage,
    response: http.ServerResponse,
    url: URL,
    requestId: string,
    seen: Seen,
  ) => {
    seen.context = await createContext(app, {
      authorization: request.headers.authorization,
      requestId,
    });
    const { format, exported } = await exportSegment(seen.context, options.schema, url, response);
    metrics.exportedRows.inc({ format }, exported);
  };

  return http.createServer(async (request, response) => {
    const started = process.hrtime.bigint();
    const url = new URL(request.url ?? '/', 'http://localhost');
    const given = request.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    response.setHeader('x-request-id', requestId);
    const route = ROUTES[url.pathname] ?? 'other';
    const seen: Seen = {};
    response.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const status = response.statusCode;
      metrics.httpRequests.inc({ route, status: String(status) });
      const context = seen.context;
      const codes = context?.observed.errorCodes ?? [];
      const outcome =
        codes[0] ?? (status < 400 ? 'ok' : (CODE_OF_STATUS[status] ?? 'INTERNAL_SERVER_ERROR'));
      const operation =
        route === 'graphql'
          ? metrics.operation(context?.observed.operation ?? seen.operationName)
          : undefined;
      if (operation) {
        metrics.requests.inc({ operation, outcome });
        metrics.requestSeconds.observe({ operation, outcome }, seconds);
      }
      // Probes and scrapes come every few seconds: logged only when asked for debug.
      const level =
        route === 'healthz' || route === 'readyz' || route === 'metrics' ? 'debug' : 'info';
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
        aborted: response.writableFinished ? undefined : true,
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
          if (request.method !== 'GET') break;
          await exportRoute(request, response, url, requestId, seen);
          return;
        case 'graphql':
          await graphql(request, response, url, requestId, seen);
          return;
      }
      send(response, 404, { error: 'Not found: the API is at /graphql' });
    } catch (error) {
      if (error instanceof PayloadTooLarge) {
        send(response, 413, {
          errors: [
            {
              message: `The body exceeds ${options.maxBodyBytes} bytes`,
              extensions: { code: 'BAD_USER_INPUT' },
            },
          ],
        });
        return;
      }
      const outage = outageOf(error);
      const known =
        error instanceof GraphQLError && HTTP_STATUS[String(error.extensions.code)]
          ? error
          : outage
            ? new ServiceUnavailableError(outage)
            : undefined;
      if (known) {
        seen.context?.observed.errorCodes.push(String(known.extensions.code));
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
  });
}
