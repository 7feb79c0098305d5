import { Entity, Enum, Index, ManyToOne, Property, Unique, type Rel } from '@mikro-orm/core';
import { BaseEntity } from '../../db/base.entity';
import { SourceSystem } from './customer.enums';
import type { Customer } from './customer.entity';

/**
 * What one source system said about a customer, kept as sent. The link to the golden
 * record is explicit so that matching and unmerging can re-point it later.
 */
@Entity({ tableName: 'source_record' })
@Unique({ name: 'source_record_system_key_unique', properties: ['sourceSystem', 'sourceKey'] })
export class SourceRecord extends BaseEntity {
  @Enum({ items: () => SourceSystem, type: 'text' })
  sourceSystem!: SourceSystem;

  @Property({ type: 'text' })
  sourceKey!: string;

  @ManyToOne('Customer', { deleteRule: 'restrict' })
  @Index()
  customer!: Rel<Customer>;

  @Property({ type: 'json' })
  attributes!: Record<string, unknown>;

  /** Digest of the normalised attributes: a resent, unchanged record is a no-op. */
  @Property({ type: 'text' })
  contentHash!: string;

  @Property({ type: 'datetime' })
  receivedAt!: Date;
}
