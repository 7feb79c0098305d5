import { createHash } from 'node:crypto';
import { parse, specifiedRules, validate, type GraphQLSchema } from 'graphql';
import type { Pool } from 'pg';
import type { Role } from '../../auth/roles';
import {
  BadRequestError,
  documentLimitsRule,
  PersistedQueryNotFoundError,
  sourceLimitError,
  TrustedDocumentRequiredError,
  type GraphQLLimits,
} from '../../graphql/limits';
import { AuditAction } from '../audit/audit-event.entity';
import type { AuditEntry } from '../audit/audit-log';
import { withoutValues } from '../../logger';
import { freeText } from '../ingestion/field-rules';
import type { BusinessClock } from '../../time/clock';

/** What a request asks to run: a document by hash, its own text, or both. */
export interface RequestedDocument {
  /** The hash it names (extensions.persistedQuery.sha256Hash, or documentId). */
  hash?: string;
  /** A hash or document id given that is not a SHA-256 in hex. */
  malformedId?: string;
  /** The document text it sends (`query`). */
  query?: string;
}

/** How long an instance keeps a hash → document answer (found or not) before asking again. */
export const TRUSTED_DOCUMENT_CACHE_MS = 30_000;
/** Hashes kept in memory at most: the oldest answer goes first. */
const MAX_CACHED = 10_000;

export interface TrustedDocumentRecord {
  hash: string;
  name: string | null;
  document: string;
  registeredBy: string;
  registeredAt: Date;
  revokedAt: Date | null;
  revokedBy: string | null;
}

/** What registering did: a new document, one already registered, or a revoked one restored. */
export type RegisterOutcome = 'CREATED' | 'UNCHANGED' | 'REACTIVATED';

export class TrustedDocumentRejected extends Error {}

/** Lower-case hex SHA-256 of the document text: its key, as clients send it. */
export function documentHash(document: string): string {
  return createHash('sha256').update(document, 'utf8').digest('hex');
}

const HASH = /^[0-9a-f]{64}$/;

/**
 * A document id as a request gives it: the bare hex digest
 * (`extensions.persistedQuery.sha256Hash`) or `sha256:<hex>` (`documentId`). Undefined
 * when it is neither.
 */
export function parseDocumentId(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const hex = value.toLowerCase().replace(/^sha256:/, '');
  return HASH.test(hex) ? hex : undefined;
}

/** The audit entry of a registration, by the API or the manifest loader alike. */
export const registrationAudit = (
  record: TrustedDocumentRecord,
  outcome: RegisterOutcome,
): AuditEntry => ({
  action: AuditAction.TRUSTED_DOCUMENT_CHANGE,
  target: { type: 'TrustedDocument', id: record.hash },
  details: { outcome, name: record.name ?? null },
});

const COLUMNS = `hash, name, document, registered_by as "registeredBy",
  registered_at as "registeredAt", revoked_at as "revokedAt", revoked_by as "revokedBy"`;

/**
 * The registered documents (table trusted_document) and which roles may run nothing else.
 * Lookups by hash are cached in memory for TRUSTED_DOCUMENT_CACHE_MS: a document revoked on
 * another instance stops running there within that time; on this instance at once.
 */
export class TrustedDocuments {
  private readonly cache = new Map<string, { document: string | undefined; until: number }>();
  private readonly roles: ReadonlySet<Role>;
  private readonly ttlMs: number;

  constructor(
    private readonly pool: Pool,
    private readonly schema: GraphQLSchema,
    private readonly limits: GraphQLLimits,
    private readonly clock: BusinessClock,
    options: { roles: readonly Role[]; cacheMs?: number },
  ) {
    this.roles = new Set(options.roles);
    this.ttlMs = options.cacheMs ?? TRUSTED_DOCUMENT_CACHE_MS;
  }

  /** Whether `role` may run registered documents only. */
  restricted(role: Role): boolean {
    return this.roles.has(role);
  }

  get restrictedRoles(): Role[] {
    return [...this.roles];
  }

  /**
   * The document a request of `role` runs:
   * - named by hash: the registered document; for a role not restricted, the request's own
   *   text when the hash is unknown but is that text's (Apollo's APQ flow);
   *   PERSISTED_QUERY_NOT_FOUND (400) otherwise;
   * - free text: TRUSTED_DOCUMENT_REQUIRED (403) for a restricted role, else the text.
   */
  async documentFor(role: Role, requested: RequestedDocument): Promise<string | undefined> {
    if (requested.malformedId !== undefined) {
      throw new PersistedQueryNotFoundError(requested.malformedId);
    }
    const { hash, query } = requested;
    if (hash === undefined) {
      if (query !== undefined && this.restricted(role)) {
        throw new TrustedDocumentRequiredError(role);
      }
      return query;
    }
    if (query !== undefined && documentHash(query) !== hash) {
      throw new BadRequestError('The document is not the one its hash names', 'HASH_MISMATCH');
    }
    const document = await this.lookup(hash);
    if (document !== undefined) return document;
    if (query !== undefined && !this.restricted(role)) return query;
    throw new PersistedQueryNotFoundError(hash);
  }

  /** The active document of `hash`, or undefined (unknown or revoked). */
  async lookup(hash: string): Promise<string | undefined> {
    const now = Date.now();
    const cached = this.cache.get(hash);
    if (cached && cached.until > now) return cached.document;
    const { rows } = await this.pool.query<{ document: string }>(
      'select document from trusted_document where hash = $1 and revoked_at is null',
      [hash],
    );
    const document = rows[0]?.document;
    this.cache.delete(hash);
    if (this.cache.size >= MAX_CACHED) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(hash, { document, until: now + this.ttlMs });
    return document;
  }

  /**
   * Why `document` cannot be registered: it does not parse, does not validate against the
   * schema, or breaks a document limit (size, tokens, nesting, depth, aliases, directives) that a
   * free-text request would be held to. Undefined when it can. Without the values graphql-js
   * quotes, as a free-text request's refusal is: the document may hold a mobile or an ID.
   */
  problem(document: string): string | undefined {
    const tooLarge = sourceLimitError(document, this.limits);
    if (tooLarge) return tooLarge.message;
    let parsed;
    try {
      parsed = parse(document, { maxTokens: this.limits.maxTokens });
    } catch (error) {
      return withoutValues((error as Error).message);
    }
    const [first] = validate(
      this.schema,
      parsed,
      [...specifiedRules, documentLimitsRule(this.limits)],
      { maxErrors: 1 },
    );
    return first && withoutValues(first.message);
  }

  /** Registers `document` (idempotent); a revoked one is restored. */
  async register(
    document: string,
    options: { name?: string | null; by: string },
  ): Promise<{ record: TrustedDocumentRecord; outcome: RegisterOutcome }> {
    const problem = this.problem(document);
    if (problem) throw new TrustedDocumentRejected(problem);
    const hash = documentHash(document);
    // A label for people, shown in lists and kept in the audit log: free text's rules, a
    // mobile or an ID number in it masked.
    const name = options.name ? (freeText(options.name, 'input.name', false) ?? null) : null;
    this.cache.delete(hash);
    const created = await this.pool.query<TrustedDocumentRecord>(
      `insert into trusted_document (hash, document, name, registered_by, registered_at)
       values ($1, $2, $3, $4, $5)
       on conflict (hash) do nothing returning ${COLUMNS}`,
      [hash, document, name, options.by, this.clock.now()],
    );
    if (created.rows[0]) return { record: created.rows[0], outcome: 'CREATED' };
    const restored = await this.pool.query<TrustedDocumentRecord>(
      `update trusted_document set revoked_at = null, revoked_by = null, registered_by = $2,
         registered_at = $4, name = coalesce($3, name)
       where hash = $1 and revoked_at is not null returning ${COLUMNS}`,
      [hash, options.by, name, this.clock.now()],
    );
    if (restored.rows[0]) return { record: restored.rows[0], outcome: 'REACTIVATED' };
    const kept = await this.pool.query<TrustedDocumentRecord>(
      `update trusted_document set name = coalesce($2, name) where hash = $1 returning ${COLUMNS}`,
      [hash, name],
    );
    return { record: kept.rows[0], outcome: 'UNCHANGED' };
  }

  /** Revokes the document of `hash`; undefined when there is none. Revoking twice is a no-op. */
  async revoke(hash: string, by: string): Promise<TrustedDocumentRecord | undefined> {
    this.cache.delete(hash);
    const { rows } = await this.pool.query<TrustedDocumentRecord>(
      `update trusted_document set revoked_at = coalesce(revoked_at, $3),
         revoked_by = coalesce(revoked_by, $2)
       where hash = $1 returning ${COLUMNS}`,
      [hash, by, this.clock.now()],
    );
    return rows[0];
  }

  async list(options: { includeRevoked: boolean }): Promise<TrustedDocumentRecord[]> {
    const { rows } = await this.pool.query<TrustedDocumentRecord>(
      `select ${COLUMNS} from trusted_document
       ${options.includeRevoked ? '' : 'where revoked_at is null'}
       order by registered_at desc, hash`,
    );
    return rows;
  }
}
