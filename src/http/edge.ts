import type http from 'node:http';
import {
  BadRequestError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
} from '../graphql/limits';
import {
  parseDocumentId,
  type RequestedDocument,
} from '../modules/trusted-document/trusted-documents';

/**
 * The HTTP edge of /graphql: what a request must be before anything else looks at it.
 * Every check here is cheap and runs before authentication.
 */

/** POST bodies are JSON; `application/graphql-response+json` is accepted as JSON too. */
const JSON_TYPES = new Set(['application/json', 'application/graphql-response+json']);

/**
 * The longest content type read. Apollo Server parses it (whatwg-mimetype) in time growing
 * with the square of its length: 0.44 s of the event loop for 15,000 spaces in one header,
 * which the 16 KiB header limit allows. `application/json; charset=utf-8` is 31 characters.
 */
const MAX_CONTENT_TYPE_LENGTH = 256;

/** Whether a content type is too long to be read (MAX_CONTENT_TYPE_LENGTH). */
export const unreadableContentType = (value: string | undefined): boolean =>
  value !== undefined && value.length > MAX_CONTENT_TYPE_LENGTH;

/**
 * UNSUPPORTED_MEDIA_TYPE for a POST that is not JSON in UTF-8: text/plain (what a
 * cross-site form or a CSRF attempt sends), text/xml, text/html, octet-stream, form posts,
 * charset=utf-7..., and compressed bodies.
 */
export function mediaTypeError(
  headers: http.IncomingHttpHeaders,
): UnsupportedMediaTypeError | undefined {
  const contentType = headers['content-type'];
  if (!contentType) return new UnsupportedMediaTypeError(undefined);
  if (unreadableContentType(contentType)) return new UnsupportedMediaTypeError(contentType);
  const [essence, ...parameters] = contentType.split(';');
  if (!JSON_TYPES.has(essence.trim().toLowerCase()))
    return new UnsupportedMediaTypeError(contentType);
  for (const parameter of parameters) {
    const [key, value = ''] = parameter.split('=');
    const charset = value
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
    if (key.trim().toLowerCase() === 'charset' && charset !== 'utf-8') {
      return new UnsupportedMediaTypeError(contentType);
    }
  }
  const encoding = headers['content-encoding'];
  if (encoding && encoding.trim().toLowerCase() !== 'identity') {
    return new UnsupportedMediaTypeError(`${contentType} with content-encoding ${encoding}`);
  }
  return undefined;
}

/**
 * Bytes of an over-limit body still read (and dropped) after the 413 has been sent, so that
 * the client reads the answer rather than a reset and the connection stays usable; a body
 * longer than this gets its connection closed.
 */
const DISCARD_BYTES = 64 * 1024 * 1024;

/** Reads what is left of the body and drops it. */
export function discardBody(request: http.IncomingMessage, alreadyRead = 0): void {
  let dropped = alreadyRead;
  request.removeAllListeners('data');
  request.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DISCARD_BYTES) request.destroy();
  });
  request.resume();
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body as text, counting bytes as they stream in: PAYLOAD_TOO_LARGE as soon as they
 * pass `limit` (whatever Content-Length said). Invalid UTF-8 is refused, not replaced.
 */
export function readBody(request: http.IncomingMessage, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        request.off('end', onEnd);
        chunks.length = 0;
        discardBody(request, size);
        reject(new PayloadTooLargeError(limit));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      try {
        resolve(UTF8.decode(Buffer.concat(chunks)));
      } catch {
        reject(new BadRequestError('The request body is not valid UTF-8', 'INVALID_UTF8'));
      }
    };
    request.on('data', onData);
    request.on('end', onEnd);
    request.on('error', reject);
  });
}

/**
 * Whether JSON text nests arrays and objects deeper than `max`, found by one pass over the
 * characters: JSON.parse takes about a microsecond per level, so a 5 MB body of `[[[[…`
 * would block the process for seconds before anything could look at the result.
 */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * What a POST body asks to run, taken out of it: a hash named by
 * `extensions.persistedQuery.sha256Hash` (Apollo's wire format) or `documentId`
 * (`sha256:<hex>` or the bare hex), which are removed from the body (Apollo's own
 * persisted queries are off), and the text of `query`.
 */
export function takeRequestedDocument(body: Record<string, unknown>): RequestedDocument {
  const requested: RequestedDocument = {};
  if (typeof body.query === 'string') requested.query = body.query;
  let id: unknown;
  if (isRecord(body.extensions) && 'persistedQuery' in body.extensions) {
    const { persistedQuery, ...rest } = body.extensions;
    // Apollo's format is version 1; another may mean something else by the same fields.
    if (isRecord(persistedQuery) && persistedQuery.version !== 1) {
      throw new BadRequestError(
        'extensions.persistedQuery.version must be 1, the only version of the format',
        'PERSISTED_QUERY_VERSION',
      );
    }
    id = isRecord(persistedQuery) ? persistedQuery.sha256Hash : persistedQuery;
    body.extensions = rest;
  }
  if ('documentId' in body) {
    id ??= body.documentId;
    delete body.documentId;
  }
  if (id !== undefined) {
    if (typeof id !== 'string') {
      throw new BadRequestError(
        'A document id (documentId, extensions.persistedQuery.sha256Hash) is a string: the hex SHA-256 of the document',
        'DOCUMENT_ID_FORMAT',
      );
    }
    const hash = parseDocumentId(id);
    if (hash) requested.hash = hash;
    else requested.malformedId = id;
  }
  return requested;
}

/** The same for a GET's search parameters (`query`, `extensions`, `documentId`). */
export function takeRequestedDocumentFromSearch(params: URLSearchParams): RequestedDocument {
  const body: Record<string, unknown> = {};
  const query = params.get('query');
  if (query !== null) body.query = query;
  const extensions = params.get('extensions');
  if (extensions !== null) {
    try {
      body.extensions = JSON.parse(extensions);
    } catch {
      // Apollo reports a malformed parameter itself.
    }
  }
  const documentId = params.get('documentId');
  if (documentId !== null) body.documentId = documentId;
  const requested = takeRequestedDocument(body);
  if (isRecord(body.extensions)) params.set('extensions', JSON.stringify(body.extensions));
  params.delete('documentId');
  return requested;
}
