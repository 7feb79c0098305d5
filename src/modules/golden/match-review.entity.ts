import { Check, Entity, Enum, Index, ManyToOne, Property, Unique, type Rel } from '@mikro-orm/core';
import { BaseEntity } from '../../db/base.entity';
import type { SourceRecord } from '../customer/source-record.entity';

export enum ReviewStatus {
  OPEN = 'OPEN',
  /** A steward merged the two customers. */
  APPROVED = 'APPROVED',
  /** A steward said they are different customers: the pair is never proposed again. */
  REJECTED = 'REJECTED',
  /** Matching has since put the two records together or apart on its own. */
  SUPERSEDED = 'SUPERSEDED',
}

/**
 * A pair of source records whose comparison scored between the review and link thresholds:
 * they stay apart until a steward decides. The pair is kept in id order so that each pair
 * has one task.
 */
@Entity({ tableName: 'match_review' })
@Unique({ name: 'match_review_pair_unique', properties: ['recordA', 'recordB'] })
@Index({ name: 'match_review_queue_idx', properties: ['status', 'score', 'createdAt'] })
@Check({ name: 'match_review_pair_order_check', expression: 'record_a_id < record_b_id' })
@Check({
  name: 'match_review_decided_check',
  expression: `(status = 'APPROVED' or status = 'REJECTED') = (decided_by is not null and decided_at is not null)`,
})
export class MatchReview extends BaseEntity<'status'> {
  @ManyToOne('SourceRecord', { deleteRule: 'cascade' })
  recordA!: Rel<SourceRecord>;

  @ManyToOne('SourceRecord', { deleteRule: 'cascade' })
  @Index()
  recordB!: Rel<SourceRecord>;

  /** The comparison's total weight (log2 of the likelihood ratio). */
  @Property({ type: 'double' })
  score!: number;

  @Property({ type: 'text' })
  rule!: string;

  /** Every comparison that agreed or disagreed, with its weight. */
  @Property({ type: 'json' })
  evidence!: unknown[];

  @Enum({ items: () => ReviewStatus, type: 'text', default: ReviewStatus.OPEN })
  status: ReviewStatus = ReviewStatus.OPEN;

  @Property({ type: 'text', nullable: true })
  decidedBy?: string;

  @Property({ type: 'datetime', nullable: true })
  decidedAt?: Date;

  @Property({ type: 'text', nullable: true })
  reason?: string;
}
