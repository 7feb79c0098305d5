import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * A registered ("trusted") GraphQL document: roles that must use trusted documents
 * (TRUSTED_DOCUMENT_ROLES) run only these, named by hash. Keyed by the SHA-256 of the
 * document text, which a trigger of Migration20261201200000 checks; revoking keeps the row.
 */
@Entity({ tableName: 'trusted_document' })
export class TrustedDocument {
  /** Lower-case hex SHA-256 of `document`, as Apollo's persisted-query manifests give it. */
  @PrimaryKey({ type: 'text' })
  hash!: string;

  @Property({ type: 'text' })
  document!: string;

  /** The operation's name in the manifest, for people reading the list. */
  @Property({ type: 'text', nullable: true })
  name?: string;

  /** The token's subject and role, or `cli:<user>` for the manifest loader. */
  @Property({ type: 'text' })
  registeredBy!: string;

  @Property({ type: 'datetime', defaultRaw: 'now()' })
  registeredAt: Date = new Date();

  @Property({ type: 'datetime', nullable: true })
  revokedAt?: Date;

  @Property({ type: 'text', nullable: true })
  revokedBy?: string;
}
