import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * How many source records bear each name key: a name's weight in matching depends on it.
 * Kept by a statement-level trigger on source_record (Migration20261201700000), so that a
 * batch reads the counts of its names by key instead of counting a common name's thousands
 * of records on every batch.
 */
@Entity({ tableName: 'name_count' })
export class NameCount {
  @PrimaryKey({ type: 'text' })
  nameKey!: string;

  @Property({ type: 'integer' })
  records!: number;
}
