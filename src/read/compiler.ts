import type { EntityClass, MetadataStorage } from '@mikro-orm/core';
import {
  getArgumentValues,
  getNamedType,
  GraphQLObjectType,
  type FieldNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import { getMetadataStorage } from 'type-graphql';
import { visibility, type FieldAccess } from '../auth/access';
import type { Viewer } from '../auth/rows';
import { BadUserInputError, ForbiddenError } from '../graphql/errors';
import { decodeCursor, PAGE_SIZE } from './cursor';
import {
  readTypeSpecs,
  type Args,
  type FieldSpec,
  type OrderKey,
  type ReadContext,
  type ReadTypeSpec,
  type RelationField,
  type SourceSql,
} from './read-model';
import { collectFields, subSelections, type SelectionContext } from './selection';
import { Params, SqlScope } from './sql-scope';

/**
 * Scalars whose PostgreSQL JSON form would lose precision or shape, or is not the scalar's
 * (an ID is a string, as GraphQL serialises it, whatever its column: a bigint audit id
 * otherwise went out as a number, unlike the same id elsewhere): sent as text.
 */
const TEXT_SCALARS = new Set(['Decimal', 'BigInt', 'ID']);

/** What one statement is being built for. */
export interface Statement extends SelectionContext {
  viewer: Viewer;
  context: ReadContext;
  params: Params;
  /** Table aliases are numbered per statement so that equal queries give equal SQL text. */
  aliases: number;
  /** The largest page a connection may be asked for: bulk exports go beyond the API's. */
  maxPageSize: number;
  /**
   * How a read type's values are keyed. `graphql` (for the executor, see resolveCompiledFields
   * in src/graphql/schema.ts): a leaf by its field name, which the executor reads inline with
   * no resolver (a leaf takes no arguments, so its aliases share one value); a relation by
   * `$` and its response key, which aliases with different arguments need. `response`: all
   * by response key, for callers that read the values themselves (exports).
   */
  keys: 'graphql' | 'response';
}

/** The key of a relation's value under `graphql` keys; no GraphQL name starts with `$`. */
export const relationKey = (responseKey: string) => `$${responseKey}`;

/** A root row source: what a query field reads before its selection is applied. */
export interface RootSource {
  type: () => Function;
  source: (row: SqlScope) => SourceSql;
  orderBy?: (row: SqlScope) => OrderKey[];
  /**
   * Where a connection's totalCount comes from instead of counting the rows: the rows of
   * `entity` matching `source`, their `column` summed. The type's row rule narrows them as it
   * narrows the rows, so their columns must carry the names and meaning of the row's
   * columns that the rule and `source` name. Given only when `source` selects exactly the
   * counts of the rows that `RootSource.source` selects.
   */
  counts?: {
    entity: () => EntityClass<object>;
    column: string;
    source: (counts: SqlScope) => SourceSql;
  };
}

interface ResolvedType {
  graphql: GraphQLObjectType;
  spec: ReadTypeSpec;
}

/** An argument as errors name it: under its field's path, or alone (an export's query). */
const argumentPath = (path: string, argument: string) => (path ? `${path}.${argument}` : argument);

/**
 * A refusal of one of `field`'s own arguments (`asOf`, `stage`, `filter.actions`), which the
 * field's source names bare, named under the field's path as the compiler names `first` and
 * `after` (`customer.lastYearEnd.asOf`): a query may give the argument to several aliases.
 */
function placed(error: unknown, field: GraphQLField<unknown, unknown>, path: string): unknown {
  if (!(error instanceof BadUserInputError)) return error;
  const named = String(error.extensions.field ?? '');
  // Named under this field's path already: by the compiler (`first`), or by a field inside.
  if (named.startsWith(`${path}.`)) return error;
  const argument = named.split(/[.[]/)[0];
  if (!field.args.some((a) => a.name === argument)) return error;
  return new BadUserInputError(error.message, {
    field: argumentPath(path, named),
    rule: String(error.extensions.rule),
  });
}

/**
 * Compiles a GraphQL selection on read types into one SQL statement that builds the
 * nested JSON in PostgreSQL. Authorization and masking of fields happen here, where the
 * SQL is built, so no resolver can forget them.
 */
export class ReadCompiler {
  private readonly byName = new Map<string, ResolvedType>();
  private readonly byClass = new Map<Function, ResolvedType>();

  constructor(
    schema: GraphQLSchema,
    private readonly metadata: MetadataStorage,
  ) {
    const names = new Map(getMetadataStorage().objectTypes.map((t) => [t.target, t.name]));
    for (const own of readTypeSpecs().values()) {
      const spec = withInheritedFields(own);
      const name = names.get(spec.target);
      const graphql = name ? schema.getType(name) : undefined;
      if (!(graphql instanceof GraphQLObjectType)) continue;
      const resolved = { graphql, spec };
      this.byName.set(name!, resolved);
      this.byClass.set(spec.target, resolved);
      for (const field of Object.keys(graphql.getFields())) {
        if (!spec.fields.has(field) && !field.startsWith('__')) {
          throw new Error(`read type ${name} has no read mapping for field ${field}`);
        }
      }
    }
  }

  /** Read types, so the schema can resolve their fields by response key. */
  get readTypes(): GraphQLObjectType[] {
    return [...this.byName.values()].map((t) => t.graphql);
  }

  /**
   * The JSON of one row matched by `key` (bound to `keySql`), e.g. for batched lookups;
   * `path` names the field in errors about its arguments (`customer.claims.after`).
   */
  object(
    statement: Statement,
    root: RootSource,
    selectionSets: readonly SelectionSetNode[],
    path: string,
  ): { sql: string } {
    const type = this.typeOf(root.type());
    const scope = this.scope(type.spec, statement);
    const src = this.seen(statement, type, scope, root.source(scope));
    const json = this.objectJson(statement, type, selectionSets, scope, path);
    return {
      sql: `(select ${json} from ${src.from ?? `${scope.table} ${scope.alias}`}${where(src.where)} limit 1)`,
    };
  }

  /**
   * The JSON of a connection over the rows of `root`. `options.onKeyset` lets another page
   * reuse the SQL with its own cursor.
   */
  connection(
    statement: Statement,
    root: RootSource,
    args: Args,
    selectionSets: readonly SelectionSetNode[],
    path: string,
    options: PageOptions = {},
  ): string {
    const type = this.typeOf(root.type());
    if (!root.orderBy) throw new Error(`root connection ${path} needs an order`);
    const { counts } = root;
    const total =
      counts &&
      (() => {
        const row = this.scopeOf(counts.entity().name, statement);
        const src = this.seen(statement, type, row, counts.source(row));
        const from = src.from ?? `${row.table} ${row.alias}`;
        return `(select coalesce(sum(${row.col(counts.column)}), 0) from ${from}${where(src.where)})`;
      });
    return this.connectionJson(
      statement,
      type,
      selectionSets,
      args,
      path,
      (child) => ({
        src: this.seen(statement, type, child, root.source(child)),
        order: root.orderBy!(child),
      }),
      total,
      options,
    );
  }

  /**
   * The cursor of the `rows`-th row of `root` after `after` (null: fewer rows are left), read
   * from the row keys alone: where the next page of that many rows ends, found ahead of
   * reading it.
   */
  pageEnd(statement: Statement, root: RootSource, after: string | undefined, rows: number): string {
    if (!root.orderBy) throw new Error('a page end needs an order');
    const { from, where: conditions, row } = this.rowSource(statement, root);
    const order = root.orderBy(row);
    const keyset =
      after !== undefined && after !== null
        ? `${conditions ? ' and' : ' where'} ${keysetCondition(order, decodeCursor(after, order, 'after'), statement.params)}`
        : '';
    const skip = statement.params.add(rows - 1, 'int');
    return (
      `select ${cursorOf(order)} as cursor from ${from}${conditions}${keyset}` +
      ` order by ${orderList(order)} offset ${skip} limit 1`
    );
  }

  /**
   * The rows of `root` for hand-written aggregates over them (counts per tier, say): the
   * same row source, and so the same filters and role restrictions, as its lists.
   */
  rowSource(
    statement: Statement,
    root: RootSource,
  ): { from: string; where: string; row: SqlScope } {
    const type = this.typeOf(root.type());
    const row = this.scope(type.spec, statement);
    const src = this.seen(statement, type, row, root.source(row));
    return { from: src.from ?? `${row.table} ${row.alias}`, where: where(src.where), row };
  }

  /** `src` narrowed to the rows the caller may see (the type's row rule). */
  private seen(statement: Statement, type: ResolvedType, row: SqlScope, src: SourceSql): SourceSql {
    const rule = type.spec.rows?.(row, statement.viewer) ?? [];
    return rule.length ? { ...src, where: [...src.where, ...rule] } : src;
  }

  private typeOf(target: Function): ResolvedType {
    const type = this.byClass.get(target);
    if (!type) throw new Error(`${target.name} is not a read type in the schema`);
    return type;
  }

  private scope(spec: ReadTypeSpec, statement: Statement): SqlScope {
    return this.scopeOf(spec.entity?.().name, statement);
  }

  private scopeOf(entityName: string | undefined, statement: Statement): SqlScope {
    const meta = entityName ? this.metadata.get(entityName) : undefined;
    statement.aliases += 1;
    return new SqlScope(`t${statement.aliases}`, meta, statement.params, this.metadata);
  }

  private objectJson(
    statement: Statement,
    type: ResolvedType,
    selectionSets: readonly SelectionSetNode[],
    row: SqlScope,
    path: string,
  ): string {
    const pairs: [string, string][] = [];
    const byName = statement.keys === 'graphql';
    const leaves = new Set<string>();
    for (const [key, nodes] of collectFields(type.graphql.name, selectionSets, statement)) {
      const name = nodes[0].name.value;
      if (name === '__typename') {
        pairs.push([key, `'${type.graphql.name}'`]);
        continue;
      }
      const field = type.graphql.getFields()[name];
      const spec = type.spec.fields.get(name)!;
      const fieldPath = `${path}.${key}`;
      const seen = this.checkAccess(statement, spec.access, type.graphql.name, name);
      const leaf = spec.kind === 'column' || spec.kind === 'expression';
      if (byName && leaf && leaves.has(name)) continue;
      if (leaf) leaves.add(name);
      const args = getArgumentValues(field, nodes[0], statement.variables) as Args;
      const jsonKey = !byName ? key : leaf ? name : relationKey(key);
      let sql: string;
      try {
        sql = this.fieldSql(statement, field, spec, seen, args, nodes, row, fieldPath);
      } catch (error) {
        throw placed(error, field, fieldPath);
      }
      pairs.push([jsonKey, sql]);
    }
    return buildObject(pairs);
  }

  private checkAccess(
    statement: Statement,
    access: FieldAccess | undefined,
    typeName: string,
    fieldName: string,
  ): 'full' | 'masked' {
    const { role } = statement.viewer;
    const seen = visibility(access, role);
    if (seen === 'denied') {
      throw new ForbiddenError(`Role ${role} may not read ${typeName}.${fieldName}`, {
        role,
        field: `${typeName}.${fieldName}`,
      });
    }
    return seen;
  }

  private fieldSql(
    statement: Statement,
    field: GraphQLField<unknown, unknown>,
    spec: FieldSpec,
    seen: 'full' | 'masked',
    args: Args,
    nodes: FieldNode[],
    row: SqlScope,
    path: string,
  ): string {
    if (spec.kind === 'column' || spec.kind === 'expression') {
      let sql =
        spec.kind === 'column'
          ? row.col(spec.property)
          : spec.sql(row, statement.context, statement.viewer);
      if (seen === 'masked') sql = spec.access!.mask!(sql, row);
      return leaf(sql, getNamedType(field.type));
    }
    const target = this.typeOf(spec.type());
    const selections = subSelections(nodes);
    const relate = (child: SqlScope) => {
      const src = spec.source(row, child, args, statement.context);
      return {
        src: spec.seenWithParent ? src : this.seen(statement, target, child, src),
        order: spec.orderBy?.(child, args) ?? [],
      };
    };
    if (spec.kind === 'connection') {
      return this.connectionJson(statement, target, selections, args, path, relate);
    }
    const onParent =
      spec.kind === 'one' && this.onParentJson(statement, spec, target, args, nodes, row);
    if (onParent) return onParent;
    const child = this.scope(target.spec, statement);
    const { src, order } = relate(child);
    const from = src.from ?? `${child.table} ${child.alias}`;
    const json = this.objectJson(statement, target, selections, child, path);
    if (spec.kind === 'one') return `(select ${json} from ${from}${where(src.where)} limit 1)`;
    return listJson(json, from, src.where, order, spec.limit);
  }

  /**
   * A `one` relation read from the parent row's copies of its columns (RelationField.onParent),
   * when the selection asks for nothing else; undefined otherwise. Its row rule would go
   * unchecked, so only where the related rows are seen with the parent or have no rule.
   */
  private onParentJson(
    statement: Statement,
    spec: RelationField,
    target: ResolvedType,
    args: Args,
    nodes: FieldNode[],
    row: SqlScope,
  ): string | undefined {
    const copies = spec.onParent?.(row, args);
    if (!copies || !(spec.seenWithParent || !target.spec.rows)) return undefined;
    const pairs: [string, string][] = [];
    const fields = target.graphql.getFields();
    for (const [key, fieldNodes] of collectFields(
      target.graphql.name,
      subSelections(nodes),
      statement,
    )) {
      const name = fieldNodes[0].name.value;
      if (name === '__typename') {
        pairs.push([key, `'${target.graphql.name}'`]);
        continue;
      }
      const sql = copies.fields[name];
      const access = target.spec.fields.get(name)?.access;
      if (sql === undefined) return undefined;
      // A masked field needs the related row's scope for its mask: read the row.
      if (this.checkAccess(statement, access, target.graphql.name, name) === 'masked') {
        return undefined;
      }
      pairs.push([
        statement.keys === 'graphql' ? name : key,
        leaf(sql, getNamedType(fields[name].type)),
      ]);
    }
    return `(case when ${copies.exists} then ${buildObject(pairs)} end)`;
  }

  /**
   * `first + 1` rows in key order after the cursor, numbered, so that one pass yields the
   * edges, the page info and (when asked) the total count.
   */
  private connectionJson(
    statement: Statement,
    type: ResolvedType,
    selectionSets: readonly SelectionSetNode[],
    args: Args,
    path: string,
    relate: (child: SqlScope) => { src: SourceSql; order: OrderKey[] },
    total?: () => string,
    { onKeyset, lines, until }: PageOptions = {},
  ): string {
    const first = (args.first as number | undefined) ?? PAGE_SIZE.default;
    if (!Number.isInteger(first) || first < 0 || first > statement.maxPageSize) {
      throw new BadUserInputError(`first must be from 0 to ${statement.maxPageSize}`, {
        field: argumentPath(path, 'first'),
        rule: 'PAGE_SIZE',
      });
    }
    const child = this.scope(type.spec, statement);
    const { src, order } = relate(child);
    const from = src.from ?? `${child.table} ${child.alias}`;
    const firstSql = statement.params.add(first, 'int');
    const after = args.after as string | null | undefined;
    // "" is no cursor any list produced: refused, not read as the first page.
    const given = after !== undefined && after !== null;
    if (given) onKeyset?.(statement.params.values.length, order);
    const keyset = given
      ? [
          keysetCondition(
            order,
            decodeCursor(after!, order, argumentPath(path, 'after')),
            statement.params,
          ),
        ]
      : [];
    if (until) {
      const last = decodeCursor(until, order, argumentPath(path, 'until'));
      keyset.push(`not ${keysetCondition(order, last, statement.params)}`);
    }
    const orderSql = orderList(order);

    const innerColumns = [`row_number() over (order by ${orderSql}) as rn`];
    // Encoding a cursor costs more than reading most columns: only when one is asked for.
    let cursors = false;
    const cursor = () => {
      if (!cursors) innerColumns.push(`${cursorOf(order)} as c`);
      cursors = true;
      return 'p.c';
    };
    const pageRows = `filter (where p.rn <= ${firstSql})`;
    const pairs: [string, string][] = [];
    const connectionFields = collectFields(this.connectionTypeName(type), selectionSets, statement);
    for (const [key, nodes] of connectionFields) {
      const name = nodes[0].name.value;
      if (name === 'totalCount') {
        pairs.push([key, total?.() ?? `(select count(*) from ${from}${where(src.where)})`]);
      } else if (name === 'pageInfo') {
        const info = collectFields('PageInfo', subSelections(nodes), statement);
        const infoPairs: [string, string][] = [];
        for (const [infoKey, infoNodes] of info) {
          const infoSql: Record<string, () => string> = {
            hasNextPage: () => `count(*) > ${firstSql}`,
            hasPreviousPage: () => (given ? 'true' : 'false'),
            startCursor: () => `(array_agg(${cursor()} order by p.rn) ${pageRows})[1]`,
            endCursor: () => `(array_agg(${cursor()} order by p.rn desc) ${pageRows})[1]`,
            __typename: () => `'PageInfo'`,
          };
          infoPairs.push([infoKey, infoSql[infoNodes[0].name.value]()]);
        }
        pairs.push([key, buildObject(infoPairs)]);
      } else if (name === 'edges' || name === 'nodes') {
        const itemJson = (itemSelections: readonly SelectionSetNode[]) => {
          const column = `n${innerColumns.length}`;
          const json = this.objectJson(statement, type, itemSelections, child, `${path}.${key}`);
          innerColumns.push(`${json} as ${column}`);
          return `p.${column}`;
        };
        let item: string;
        if (name === 'nodes') {
          item = itemJson(subSelections(nodes));
        } else {
          const edgePairs: [string, string][] = [];
          const edgeType = `${type.graphql.name}Edge`;
          for (const [edgeKey, edgeNodes] of collectFields(
            edgeType,
            subSelections(nodes),
            statement,
          )) {
            const edgeField = edgeNodes[0].name.value;
            if (edgeField === 'cursor') edgePairs.push([edgeKey, cursor()]);
            else if (edgeField === 'node')
              edgePairs.push([edgeKey, itemJson(subSelections(edgeNodes))]);
            else edgePairs.push([edgeKey, `'${edgeType}'`]);
          }
          item = buildObject(edgePairs);
        }
        pairs.push([
          key,
          lines
            ? `coalesce(string_agg((${item})::text, E'\\n' order by p.rn) ${pageRows}, '')`
            : `coalesce(json_agg(${item} order by p.rn) ${pageRows}, '[]'::json)`,
        ]);
      } else {
        pairs.push([key, `'${this.connectionTypeName(type)}'`]);
      }
    }
    const inner =
      `select ${innerColumns.join(', ')} from ${from}${where([...src.where, ...keyset])}` +
      ` order by ${orderSql} limit ${firstSql} + 1`;
    // `having true` makes it one aggregate row even when no row matched.
    return `(select ${buildObject(pairs)} from (${inner}) p having true)`;
  }

  private connectionTypeName(type: ResolvedType): string {
    return `${type.graphql.name}Connection`;
  }
}

/** How a page is read beyond its arguments (ReadCompiler.connection). */
export interface PageOptions {
  /** Learns where among the parameters the cursor's values sit. */
  onKeyset?: (at: number, order: OrderKey[]) => void;
  /** Edges (or nodes) as one string of JSON texts, one a line (NDJSON). */
  lines?: boolean;
  /** A cursor the page ends at, its row included: a range found ahead (pageEnd). */
  until?: string;
}

/** A read type's fields with those it inherits from read-mapped base classes. */
export function withInheritedFields(spec: ReadTypeSpec): ReadTypeSpec {
  const fields = new Map(spec.fields);
  for (
    let base = Object.getPrototypeOf(spec.target);
    base && base !== Function.prototype;
    base = Object.getPrototypeOf(base)
  ) {
    for (const [name, field] of readTypeSpecs().get(base)?.fields ?? [])
      if (!fields.has(name)) fields.set(name, field);
  }
  return { ...spec, fields };
}

function where(conditions: string[]): string {
  return conditions.length ? ` where ${conditions.join(' and ')}` : '';
}

function listJson(
  json: string,
  from: string,
  conditions: string[],
  order: OrderKey[],
  limit: number | undefined,
): string {
  const orderSql = orderList(order);
  const keys = order.map((k, i) => `${k.sql} as o${i}`);
  const aggOrder = order.map((k, i) => `l.o${i} ${k.direction}`).join(', ');
  const inner =
    `select ${[`${json} as j`, ...keys].join(', ')} from ${from}${where(conditions)}` +
    (orderSql ? ` order by ${orderSql}` : '') +
    (limit ? ` limit ${limit}` : '');
  return `(select coalesce(json_agg(l.j${aggOrder ? ` order by ${aggOrder}` : ''}), '[]'::json) from (${inner}) l)`;
}

/** json_build_object takes at most 100 arguments: wider objects are merged from chunks. */
function buildObject(pairs: [string, string][]): string {
  if (pairs.length === 0) return `'{}'::json`;
  const chunks: string[] = [];
  for (let i = 0; i < pairs.length; i += 50) {
    const args = pairs.slice(i, i + 50).map(([key, sql]) => `'${key}', ${sql}`);
    chunks.push(`json_build_object(${args.join(', ')})`);
  }
  return chunks.length === 1
    ? chunks[0]
    : `(${chunks.map((c) => `${c}::jsonb`).join(' || ')})::json`;
}

function leaf(sql: string, type: GraphQLNamedType): string {
  if (type.name === 'DateTime') return instantSql(sql);
  return TEXT_SCALARS.has(type.name) ? `(${sql})::text` : sql;
}

/**
 * An instant as the DateTime scalar writes it (UTC, milliseconds), so that a page the
 * export streams straight from PostgreSQL says what the GraphQL API says.
 */
function instantSql(sql: string): string {
  return `to_char((${sql}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** The keys as an ORDER BY list, each in its own direction. */
function orderList(order: OrderKey[]): string {
  return order.map((k) => `${k.sql} ${k.direction}`).join(', ');
}

function cursorOf(order: OrderKey[]): string {
  const values = order.map((k) => `(${k.sql})::text`).join(', ');
  return `translate(encode(convert_to(json_build_array(${values})::text, 'UTF8'), 'base64'), E'+/=\\n', '-_')`;
}

/** Rows strictly after the cursor in key order, each key in its own direction. */
function keysetCondition(order: OrderKey[], values: string[], params: Params): string {
  const bound = order.map((k, i) => params.add(values[i], k.type));
  const build = (i: number): string => {
    const key = order[i];
    const op = key.direction === 'asc' ? '>' : '<';
    const strictly = `${key.sql} ${op} ${bound[i]}`;
    if (i === order.length - 1) return strictly;
    return `(${strictly} or (${key.sql} = ${bound[i]} and ${build(i + 1)}))`;
  };
  return build(0);
}
