import type { EntityManager } from '@mikro-orm/postgresql';
import { createHash, randomBytes } from 'node:crypto';
import { BadUserInputError, NotFoundError } from '../../graphql/errors';
import { Branch } from '../branch/branch.entity';
import type { SourceSystem } from '../customer/customer.enums';
import { AuditAction, AuditEvent } from '../audit/audit-event.entity';
import { actorName, type AuditActor, type AuditLog } from '../audit/audit-log';
import { freeText } from '../ingestion/field-rules';
import { ApiKey } from './api-key.entity';

/** Keys start with this, so that a leaked one is easy to recognise (and to scan for). */
const KEY_PREFIX = 'cif_';

/** Hex SHA-256: what `api_key.key_hash` holds and a presented key is looked up by. */
export const hashApiKey = (key: string): string => createHash('sha256').update(key).digest('hex');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An API key as its managers see it: never the key itself. */
export interface ApiKeySummary {
  id: string;
  name: string;
  sourceSystem: SourceSystem;
  branchCode: string;
  createdAt: Date;
  createdBy: string;
  revokedAt?: Date;
  revokedBy?: string;
}

/** What a presented key stands for, when it is known. */
export interface ApiKeyHolder {
  id: string;
  sourceSystem: SourceSystem;
  branchCode: string;
  revoked: boolean;
}

const summaryOf = (key: ApiKey): ApiKeySummary => ({
  id: key.id,
  name: key.name,
  sourceSystem: key.sourceSystem,
  branchCode: key.branch.code,
  createdAt: key.createdAt,
  createdBy: key.createdBy,
  // Null from the database: absent, as the type says.
  revokedAt: key.revokedAt ?? undefined,
  revokedBy: key.revokedBy ?? undefined,
});

/** Creating, revoking, listing and recognising source systems' API keys. */
export class ApiKeyService {
  constructor(private readonly em: EntityManager) {}

  /** A new key for one source system at one open branch; the key is in the result only. */
  async create(
    input: { name: string; sourceSystem: SourceSystem; branchCode: string },
    actor: AuditActor,
    audit: AuditLog,
  ): Promise<{ apiKey: ApiKeySummary; key: string }> {
    // A label for people, listed and kept in the audit log: free text's rules.
    const name = freeText(input.name, 'name', true)!;
    const branch = await this.em.findOne(Branch, { code: input.branchCode });
    if (!branch) {
      throw new BadUserInputError('branchCode: no branch has this code', {
        field: 'branchCode',
        rule: 'UNKNOWN_BRANCH',
      });
    }
    if (branch.validTo) {
      throw new BadUserInputError(`branchCode: branch ${branch.code} is closed`, {
        field: 'branchCode',
        rule: 'BRANCH_CLOSED',
      });
    }
    const key = `${KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
    const apiKey = this.em.create(ApiKey, {
      name,
      sourceSystem: input.sourceSystem,
      branch,
      keyHash: hashApiKey(key),
      createdBy: actorName(actor),
      createdAt: audit.now(),
      updatedAt: audit.now(),
    });
    this.change(audit, actor, apiKey, 'CREATED');
    await this.em.flush();
    return { apiKey: summaryOf(apiKey), key };
  }

  /**
   * Granting a source system access, or taking it away, is in the audit log, committed with
   * the change: the key's own columns can be rewritten, the log cannot.
   */
  private change(audit: AuditLog, actor: AuditActor, key: ApiKey, change: string): void {
    this.em.create(
      AuditEvent,
      audit.entity(actor, {
        action: AuditAction.API_KEY_CHANGE,
        target: { type: 'ApiKey', id: key.id },
        details: {
          change,
          name: key.name,
          sourceSystem: key.sourceSystem,
          branch: key.branch.code,
        },
      }),
    );
  }

  /** Revokes a key at once; revoking a revoked key changes nothing. */
  async revoke(id: string, actor: AuditActor, audit: AuditLog): Promise<ApiKeySummary> {
    const apiKey = UUID.test(id)
      ? await this.em.findOne(ApiKey, { id }, { populate: ['branch'] })
      : null;
    if (!apiKey) throw new NotFoundError('No API key has this id');
    if (!apiKey.revokedAt) {
      apiKey.revokedAt = audit.now();
      apiKey.revokedBy = actorName(actor);
      this.change(audit, actor, apiKey, 'REVOKED');
      await this.em.flush();
    }
    return summaryOf(apiKey);
  }

  /** Every key, revoked ones included, oldest first. */
  async list(): Promise<ApiKeySummary[]> {
    const keys = await this.em.find(
      ApiKey,
      {},
      { populate: ['branch'], orderBy: { createdAt: 'asc', id: 'asc' } },
    );
    return keys.map(summaryOf);
  }

  /** The holder of a presented key, revoked or not; undefined for a key never issued. */
  async holderOf(key: string): Promise<ApiKeyHolder | undefined> {
    const apiKey = await this.em.findOne(
      ApiKey,
      { keyHash: hashApiKey(key) },
      { populate: ['branch'] },
    );
    if (!apiKey) return undefined;
    return {
      id: apiKey.id,
      sourceSystem: apiKey.sourceSystem,
      branchCode: apiKey.branch.code,
      revoked: Boolean(apiKey.revokedAt),
    };
  }
}
