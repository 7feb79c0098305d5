import type { EntityClass } from '@mikro-orm/core';
import type { FieldAccess } from '../auth/access';
import type { RowRule, Viewer } from '../auth/rows';
import type { ActiveRuleSets } from '../modules/tier/active-rule-sets';
import type { SqlScope } from './sql-scope';
import type { BusinessClock } from '../time/clock';

/**
 * The read model: which table an API type reads from and how each of its fields maps to
 * SQL. It is declared on the API classes themselves, next to `@Field`, and names entity
 * properties (resolved through MikroORM's metadata), so there is one mapping, not two.
 */

export type Args = Record<string, unknown>;

/** What SQL for some fields depends on beyond the row: the active rule versions. */
export interface ReadContext {
  /** Business time: "today" in SQL is this clock's day, bound as a parameter. */
  clock: BusinessClock;
  ruleSets: ActiveRuleSets;
}

export interface SourceSql {
  /** FROM clause for the child, using `child.alias` (default: the child's table). */
  from?: string;
  where: string[];
}

export interface OrderKey {
  /** SQL expression over the child scope. */
  sql: string;
  /** PostgreSQL type used to read a cursor value back. */
  type: 'text' | 'uuid' | 'date' | 'timestamptz' | 'numeric' | 'int';
  direction: 'asc' | 'desc';
}

interface FieldBase {
  access?: FieldAccess;
}

export interface ColumnField extends FieldBase {
  kind: 'column';
  property: string;
}

/** A field without arguments: one that took some would be a relation, which declares them. */
export interface ExpressionField extends FieldBase {
  kind: 'expression';
  /** `viewer`: for a value that depends on which rows the caller sees. */
  sql: (scope: SqlScope, context: ReadContext, viewer: Viewer) => string;
}

/** A type-graphql `@ArgsType()` class. */
export type ArgsClass<A extends object> = new () => A;

/** What every connection takes (ConnectionArgs): its page. */
export interface PageArgs {
  first?: number;
  after?: string;
}

export interface RelationField<A extends object = Args> extends FieldBase {
  kind: 'one' | 'many' | 'connection';
  /** The API class of the related items. */
  type: () => Function;
  /**
   * The field's arguments, declared here only: the schema takes them from this class
   * (src/graphql/relation-arguments.ts), and `source` and `orderBy` get their values,
   * typed by it. A connection's include its page.
   */
  args?: () => ArgsClass<A>;
  source: (parent: SqlScope, child: SqlScope, args: A, context: ReadContext) => SourceSql;
  /** For lists and connections; the last key must be unique so that cursors are stable. */
  orderBy?: (child: SqlScope, args: A) => OrderKey[];
  /** For plain lists: how many items at most (lists of a bounded kind only). */
  limit?: number;
  /**
   * For `one`: columns of the related row that the parent row also holds, kept equal by the
   * database, by field name, and whether the related row exists. A selection of only these
   * is read from the parent with no join; `undefined` where these arguments need the row.
   */
  onParent?: (
    parent: SqlScope,
    args: A,
  ) => { exists: string; fields: Record<string, string> } | undefined;
  /**
   * The related rows are seen whenever the parent row is, by the row rules' own definition
   * (a seen customer's policies, a seen policy's claims and vehicle): their rule is not
   * checked again. Never for a relation that can reach other customers' records.
   */
  seenWithParent?: true;
}

export type FieldSpec = ColumnField | ExpressionField | RelationField;

export interface ReadTypeSpec {
  target: Function;
  /** The entity whose table and columns the fields name; absent for derived rows. */
  entity?: () => EntityClass<object>;
  /** Which rows a caller may see, wherever this type is read (src/auth/rows.ts). */
  rows?: RowRule;
  fields: Map<string, FieldSpec>;
}

const specs = new Map<Function, ReadTypeSpec>();

function specOf(target: Function): ReadTypeSpec {
  let spec = specs.get(target);
  if (!spec) {
    spec = { target, fields: new Map() };
    specs.set(target, spec);
  }
  return spec;
}

export function readTypeSpecs(): ReadonlyMap<Function, ReadTypeSpec> {
  return specs;
}

/** Binds an API class to the entity it reads from, and to the rule on its rows. */
export function ReadsFrom(
  entity: () => EntityClass<object>,
  options: { rows?: RowRule } = {},
): ClassDecorator {
  return (target) => {
    const spec = specOf(target);
    spec.entity = entity;
    spec.rows = options.rows;
  };
}

/** A field that reads a derived row with no entity of its own (aggregates, JSON items). */
export function DerivedRow(): ClassDecorator {
  return (target) => {
    specOf(target);
  };
}

function fieldDecorator(make: (propertyKey: string) => FieldSpec): PropertyDecorator {
  return (prototype, propertyKey) => {
    specOf(prototype.constructor).fields.set(String(propertyKey), make(String(propertyKey)));
  };
}

/** The entity property of the same name (or `property`). */
export function Column(
  options: { property?: string; access?: FieldAccess } = {},
): PropertyDecorator {
  return fieldDecorator((key) => ({
    kind: 'column',
    property: options.property ?? key,
    access: options.access,
  }));
}

/** A SQL expression over the row (a derived column, a mask, an aggregate). */
export function Expression(
  sql: ExpressionField['sql'],
  options: { access?: FieldAccess } = {},
): PropertyDecorator {
  return fieldDecorator(() => ({ kind: 'expression', sql, access: options.access }));
}

export type RelationSpec<A extends object> = Omit<RelationField<A>, 'access' | 'kind' | 'args'> & {
  access?: FieldAccess;
} & (
    | { kind: 'connection'; args: () => ArgsClass<A & PageArgs> }
    | { kind: 'one' | 'many'; args?: () => ArgsClass<A> }
  );

/** Rows of another type: one, a list, or a connection (paged, with its arguments). */
export function Related<A extends object = Record<never, never>>(
  spec: RelationSpec<A>,
): PropertyDecorator {
  return fieldDecorator(() => spec as unknown as RelationField);
}

/** A column of a derived row (an aggregate or a JSON record set) by its SQL name. */
export function DerivedColumn(column: string, options: { access?: FieldAccess } = {}) {
  return Expression((row) => `${row.alias}."${column}"`, options);
}

/**
 * Types a relation property without emitting its class as decorator metadata: the API
 * types refer to each other in cycles, and a class read before its module finished
 * loading is a ReferenceError.
 */
export type Nested<T> = T & { readonly __nested?: true };
