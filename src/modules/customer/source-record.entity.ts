import {
  DeferMode,
  Entity,
  Enum,
  Index,
  ManyToOne,
  Property,
  Unique,
  type Rel,
} from '@mikro-orm/core';
import { BaseEntity } from '../../db/base.entity';
import type { Branch } from '../branch/branch.entity';
import { ConsentChannel, CustomerKind, Gender, SourceSystem } from './customer.enums';
import type { Customer } from './customer.entity';

/**
 * Source records in the order their sources first sent them, as an SQL sort list over the
 * row `alias`: the first receipt (a re-send moves received_at, never created_at), then,
 * within one batch, source system and key. Matching keeps a customer's id with its first
 * record so ordered; survivorship (who holds a document two customers carry), splits and
 * decisions order by it too, so that none of them turns on a re-send or on random ids.
 * Byte order, as matching compares `SYSTEM:key` in JavaScript (no system is a prefix of
 * another, and keys are ASCII): a locale's order puts `a-1` before `B-2`, bytes after.
 */
export const firstReceived = (alias: string): string =>
  `${alias}.created_at, ${alias}.source_system collate "C", ${alias}.source_key collate "C"`;

/**
 * What one source system said about a customer, kept as sent. The link to the golden
 * record is explicit so that matching and unmerging can re-point it later.
 */
@Entity({ tableName: 'source_record' })
@Unique({ name: 'source_record_system_key_unique', properties: ['sourceSystem', 'sourceKey'] })
@Index({ name: 'source_record_name_birth_idx', properties: ['nameKey', 'birthDate'] })
@Index({ name: 'source_record_pinyin_birth_idx', properties: ['namePinyin', 'birthDate'] })
export class SourceRecord extends BaseEntity {
  @Enum({ items: () => SourceSystem, type: 'text' })
  sourceSystem!: SourceSystem;

  @Property({ type: 'text' })
  sourceKey!: string;

  // Deferrable: a batch writes its records before the customers they make, so that each new
  // customer is written once, with its golden record (see recomputeGolden).
  @ManyToOne('Customer', { deleteRule: 'restrict', deferMode: DeferMode.INITIALLY_IMMEDIATE })
  @Index()
  customer!: Rel<Customer>;

  @Property({ type: 'json' })
  attributes!: Record<string, unknown>;

  /** Digest of the normalised attributes: a resent, unchanged record is a no-op. */
  @Property({ type: 'text' })
  contentHash!: string;

  /** When its source last sent it changed; created_at is when it first sent it. */
  @Property({ type: 'datetime' })
  receivedAt!: Date;

  // What the source said, as columns: survivorship picks golden fields from them and
  // matching blocks and compares on them. Null on records kept before matching existed.
  @Enum({ items: () => CustomerKind, type: 'text', nullable: true })
  kind?: CustomerKind;

  @Property({ type: 'text', nullable: true })
  name?: string;

  /** The name folded for matching (NFC, simplified characters, no spaces): a blocking key. */
  @Property({ type: 'text', nullable: true })
  nameKey?: string;

  /** Toneless pinyin syllables, sorted: 陈静, 陳靜 and "Jing Chen" share it. */
  @Property({ type: 'text', nullable: true })
  namePinyin?: string;

  @Enum({ items: () => Gender, type: 'text', nullable: true })
  gender?: Gender;

  @Property({ type: 'date', nullable: true })
  birthDate?: string;

  @ManyToOne('Branch', { nullable: true, deleteRule: 'restrict' })
  branch?: Rel<Branch>;

  @Property({ type: 'boolean', nullable: true })
  marketingConsent?: boolean;

  @Property({ type: 'datetime', nullable: true })
  consentAt?: Date;

  @Enum({ items: () => ConsentChannel, type: 'text', nullable: true })
  consentChannel?: ConsentChannel;

  /** Why the record sits with its customer: the strongest comparison that put it there. */
  @Property({ type: 'json', nullable: true })
  linkEvidence?: Record<string, unknown>;
}
