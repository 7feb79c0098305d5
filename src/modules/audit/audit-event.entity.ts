import { Entity, Enum, Index, PrimaryKey, Property } from '@mikro-orm/core';

/** What the audit log records. */
export enum AuditAction {
  /** An unmasked personal value was read, for a stated purpose. */
  PII_REVEAL = 'PII_REVEAL',
  RULE_SET_ACTIVATION = 'RULE_SET_ACTIVATION',
  ELIGIBILITY_DECISION = 'ELIGIBILITY_DECISION',
  INGESTION_BATCH = 'INGESTION_BATCH',
  SEGMENT_EXPORT = 'SEGMENT_EXPORT',
  /** A trusted document registered, restored or revoked. */
  TRUSTED_DOCUMENT_CHANGE = 'TRUSTED_DOCUMENT_CHANGE',
  /** Two customers became one, by matching or by a steward. */
  CUSTOMER_MERGE = 'CUSTOMER_MERGE',
  CUSTOMER_UNMERGE = 'CUSTOMER_UNMERGE',
  /**
   * Matching moved source records from a customer to another outside a merge (a record
   * that no longer matches its companions splits off), their policy roles, claims and
   * scores following them by reference.
   */
  CUSTOMER_REGROUP = 'CUSTOMER_REGROUP',
  /** A steward's verdict on a pair of source records (a review task, a do-not-merge). */
  MATCH_DECISION = 'MATCH_DECISION',
  /** A branch of the organisation tree created, changed, renamed, moved or closed. */
  BRANCH_CHANGE = 'BRANCH_CHANGE',
  /**
   * A customer looked up by an identity number or a mobile: found or not, it tells whether
   * a number the caller typed (or guessed) is a customer's.
   */
  CUSTOMER_LOOKUP = 'CUSTOMER_LOOKUP',
  /** A source system's API key created or revoked (`npm run api-keys`). */
  API_KEY_CHANGE = 'API_KEY_CHANGE',
}

/**
 * One entry of the append-only audit log (PIPL accountability): who did what, when, from
 * which request, to what. A trigger (Migration20261201100000) refuses UPDATE, DELETE and
 * TRUNCATE whoever asks, so the application cannot rewrite its own history. Entries carry
 * ids, counts and purposes, never personal values.
 */
@Entity({ tableName: 'audit_event' })
@Index({ name: 'audit_event_occurred_idx', properties: ['occurredAt', 'id'] })
@Index({ name: 'audit_event_target_idx', properties: ['targetType', 'targetId'] })
@Index({ name: 'audit_event_actor_idx', properties: ['actorSubject', 'occurredAt'] })
export class AuditEvent {
  /** Increasing, so that entries written in one instant keep their order. */
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'datetime' })
  occurredAt!: Date;

  @Enum({ items: () => AuditAction, type: 'text' })
  action!: AuditAction;

  @Property({ type: 'text' })
  actorSubject!: string;

  @Property({ type: 'text' })
  actorRole!: string;

  @Property({ type: 'text' })
  actorBranch!: string;

  /** The request's correlation id (X-Request-Id), to join the request log. */
  @Property({ type: 'text', nullable: true })
  requestId?: string;

  @Property({ type: 'text' })
  targetType!: string;

  @Property({ type: 'text', nullable: true })
  targetId?: string;

  @Property({ type: 'text', nullable: true })
  purpose?: string;

  /** What was touched: fields, counts, versions. */
  @Property({ type: 'json', default: '{}' })
  details: Record<string, unknown> = {};
}
