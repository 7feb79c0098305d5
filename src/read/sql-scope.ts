import type { EntityMetadata, MetadataStorage } from '@mikro-orm/core';
import { BadUserInputError } from '../graphql/errors';

/** Collects the values of one statement as numbered parameters. */
export class Params {
  readonly values: unknown[] = [];

  /** `$n::type`: the type is explicit because a prepared statement is planned without values. */
  add(value: unknown, type: string): string {
    this.values.push(value);
    return `$${this.values.length}::${type}`;
  }
}

/**
 * A table alias in a statement being built, with column names looked up in the ORM's
 * metadata so that the read path cannot drift from the entities.
 */
export class SqlScope {
  constructor(
    readonly alias: string,
    private readonly meta: EntityMetadata | undefined,
    readonly params: Params,
    private readonly metadata: MetadataStorage,
  ) {}

  get table(): string {
    if (!this.meta) throw new Error(`scope ${this.alias} has no table`);
    return `"${this.meta.tableName}"`;
  }

  /** The qualified column of one of the entity's properties. */
  col(property: string): string {
    return `${this.alias}.${columnOf(this.meta, property)}`;
  }

  /** The quoted table name and a column resolver for another entity. */
  tableOf(entityName: string): { table: string; col: (property: string) => string } {
    const meta = this.metadata.get(entityName);
    return { table: `"${meta.tableName}"`, col: (property) => columnOf(meta, property) };
  }

  /** A scope on another entity's table in the same statement (for hand-written joins). */
  sibling(alias: string, entityName: string): SqlScope {
    return new SqlScope(alias, this.metadata.get(entityName), this.params, this.metadata);
  }

  param(value: unknown, type: string): string {
    return this.params.add(value, type);
  }
}

function columnOf(meta: EntityMetadata | undefined, property: string): string {
  const prop = meta?.properties[property];
  if (!prop || !prop.fieldNames?.length) {
    throw new Error(`read model names unknown property ${meta?.className}.${property}`);
  }
  return `"${prop.fieldNames[0]}"`;
}

/**
 * A list argument given empty is refused, as the marketing filter's lists are (EMPTY_LIST):
 * left out, it is no condition; empty, a screen with every box unticked would otherwise list
 * everything.
 */
export function refuseEmpty(values: readonly unknown[] | undefined | null, argument: string) {
  if (values?.length === 0) {
    throw new BadUserInputError(`${argument} is empty: leave it out for no condition`, {
      field: argument,
      rule: 'EMPTY_LIST',
    });
  }
}

/**
 * `column` is one of `values`, each compared once however often the list names it. One value
 * is a plain equality: an index then yields its rows in order, where any() over an array has
 * them sorted after reading them all.
 */
export function equalsAny(row: SqlScope, column: string, values: readonly string[]): string {
  const distinct = [...new Set(values)];
  return distinct.length === 1
    ? `${column} = ${row.param(distinct[0], 'text')}`
    : `${column} = any(${row.param(distinct, 'text[]')})`;
}

/**
 * `column` is one of `values` of the list argument `argument`, as a condition list: none when
 * the argument is left out (refuseEmpty).
 */
export const anyOf = (
  row: SqlScope,
  column: string,
  values: readonly string[] | undefined | null,
  argument: string,
) => {
  refuseEmpty(values, argument);
  return values ? [equalsAny(row, column, values)] : [];
};
