import { Check, Entity, Enum, Index, ManyToOne, Property, Unique, type Rel } from '@mikro-orm/core';
import { BaseEntity } from '../../db/base.entity';
import type { SourceRecord } from '../customer/source-record.entity';

export enum MatchVerdict {
  /** Force-merge: the two records are one customer, whatever the scores say. */
  SAME_CUSTOMER = 'SAME_CUSTOMER',
  /** Do-not-merge: never linked or proposed again, directly or through others. */
  DIFFERENT_CUSTOMERS = 'DIFFERENT_CUSTOMERS',
}

/**
 * A steward's decision about two source records. Kept as data on the records it concerns,
 * so that re-evaluating matches never undoes it. One decision per pair (in id order); a
 * new decision replaces the old.
 */
@Entity({ tableName: 'match_decision' })
@Unique({ name: 'match_decision_pair_unique', properties: ['recordA', 'recordB'] })
@Check({ name: 'match_decision_pair_order_check', expression: 'record_a_id < record_b_id' })
export class MatchDecision extends BaseEntity {
  @ManyToOne('SourceRecord', { deleteRule: 'cascade' })
  recordA!: Rel<SourceRecord>;

  @ManyToOne('SourceRecord', { deleteRule: 'cascade' })
  @Index()
  recordB!: Rel<SourceRecord>;

  @Enum({ items: () => MatchVerdict, type: 'text' })
  verdict!: MatchVerdict;

  @Property({ type: 'text' })
  decidedBy!: string;

  @Property({ type: 'datetime' })
  decidedAt!: Date;

  @Property({ type: 'text' })
  reason!: string;

  /**
   * The identifying documents the two records held when the steward decided (digests, see
   * documentsHeldSql). A SAME_CUSTOMER stands for them: once a source gives either record
   * another one, the two are matched on what they say now.
   */
  @Property({ type: 'text', nullable: true })
  documents?: string;

  /**
   * Who each record said its person was when the steward decided (digests of the name's
   * sound and the sex, see identitySql). A record its source has since given another name
   * or sex stays where a SAME_CUSTOMER holds it, but brings nobody else
   * along automatically: its links go to a steward (rule CHANGED_SINCE_DECISION).
   */
  @Property({ type: 'text', nullable: true })
  identities?: string;
}
