import { Check, Entity, Enum, ManyToOne, Property, type Rel } from '@mikro-orm/core';
import { BaseEntity } from '../../db/base.entity';
import { Branch } from '../branch/branch.entity';
import { SourceSystem } from '../customer/customer.enums';

/**
 * A source system's credential for ingestion: the caller is role `ingest`, bound to one
 * source system and one branch. Only the key's SHA-256 is kept: the key is shown once, at
 * creation, and a copy of this table lets no one in. Revoked keys stay, for the record.
 */
@Entity({ tableName: 'api_key' })
// A plain key can never be stored by mistake: the column takes a SHA-256 digest only.
@Check({ name: 'api_key_key_hash_check', expression: `key_hash ~ '^[0-9a-f]{64}$'` })
@Check({ name: 'api_key_name_check', expression: `btrim(name) <> ''` })
export class ApiKey extends BaseEntity {
  /** What the key is for, for the people who manage keys ("claims feed, Jiangsu"). */
  @Property({ type: 'text' })
  name!: string;

  @Enum({ items: () => SourceSystem, type: 'text' })
  sourceSystem!: SourceSystem;

  @ManyToOne(() => Branch, { deleteRule: 'restrict' })
  branch!: Rel<Branch>;

  /** Hex SHA-256 of the key: keys are random, so no salt or slow hash is needed. */
  @Property({ type: 'text', unique: true })
  keyHash!: string;

  /** Who created it: `cli:<user>`, or an administrator's subject. */
  @Property({ type: 'text' })
  createdBy!: string;

  @Property({ type: 'datetime', nullable: true })
  revokedAt?: Date;

  @Property({ type: 'text', nullable: true })
  revokedBy?: string;
}
