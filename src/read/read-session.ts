import { createHash } from 'node:crypto';
import DataLoader from 'dataloader';
import type { GraphQLResolveInfo, SelectionSetNode } from 'graphql';
import { PAGE_SIZE } from './cursor';
import type { Pool } from 'pg';
import type { Caller } from '../auth/roles';
import type { ReadCompiler, RootSource, Statement } from './compiler';
import type { Args, ReadContext, SourceSql } from './read-model';
import { Params, type SqlScope } from './sql-scope';

/** A lookup by one key (an id, a policy number...), batched across aliases of a request. */
export interface LookupSource {
  type: () => Function;
  keyType: 'text' | 'uuid';
  source: (row: SqlScope, key: string) => SourceSql;
}

/**
 * Runs compiled statements as named prepared statements: PostgreSQL plans each query
 * shape once per connection instead of once per request.
 */
export class ReadExecutor {
  constructor(
    private readonly pool: Pool,
    readonly compiler: ReadCompiler,
  ) {}

  async rows<T>(text: string, values: unknown[]): Promise<T[]> {
    const name = `read_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    const result = await this.pool.query({ name, text, values });
    return result.rows as T[];
  }
}

/** The read path of one request: compiles what `info` selects and runs it. */
export class ReadSession {
  private readonly loaders = new Map<string, DataLoader<string, unknown>>();

  constructor(
    private readonly executor: ReadExecutor,
    private readonly caller: Caller,
    private readonly context: ReadContext,
  ) {}

  /** One row by key; equal selections under several aliases share one statement. */
  lookup(info: GraphQLResolveInfo, lookup: LookupSource, key: string): Promise<unknown> {
    const statement = this.statement(info);
    const keys = statement.params.add(null, `${lookup.keyType}[]`);
    const root: RootSource = {
      type: lookup.type,
      source: (row) => lookup.source(row, `k.key`),
    };
    const { sql } = this.executor.compiler.object(statement, root, selections(info));
    const text = `select k.key::text as key, ${sql} as data from unnest(${keys}) as k(key)`;
    const shape = `${text}\n${JSON.stringify(statement.params.values.slice(1))}`;
    let loader = this.loaders.get(shape);
    if (!loader) {
      const values = statement.params.values;
      loader = new DataLoader(async (batch) => {
        const rows = await this.executor.rows<{ key: string; data: unknown }>(text, [
          batch,
          ...values.slice(1),
        ]);
        const byKey = new Map(rows.map((r) => [r.key, r.data]));
        return batch.map((k) => byKey.get(k) ?? null);
      });
      this.loaders.set(shape, loader);
    }
    return loader.load(key);
  }

  /** A page of rows as a Relay connection. */
  connection(info: GraphQLResolveInfo, root: RootSource, args: Args): Promise<unknown> {
    return this.page(this.statement(info), root, args, selections(info), info.fieldName);
  }

  /** A page of `root` with a selection of the caller's own, beyond the API's page size. */
  bulkPage<T>(
    root: RootSource,
    args: Args,
    selection: readonly SelectionSetNode[],
    maxPageSize: number,
  ): Promise<T> {
    return this.page(
      { ...this.statement(), maxPageSize },
      root,
      args,
      selection,
      'export',
    ) as Promise<T>;
  }

  private async page(
    statement: Statement,
    root: RootSource,
    args: Args,
    selection: readonly SelectionSetNode[],
    path: string,
  ): Promise<unknown> {
    const sql = this.executor.compiler.connection(statement, root, args, selection, path);
    const [row] = await this.executor.rows<{ data: unknown }>(
      `select ${sql} as data`,
      statement.params.values,
    );
    return row.data;
  }

  /** Rows of an aggregate that `build` writes over the rows of `root` (see rowSource). */
  async aggregate<T>(
    root: RootSource,
    build: (rows: { from: string; where: string; row: SqlScope }) => string,
  ): Promise<T[]> {
    const statement = this.statement();
    const text = build(this.executor.compiler.rowSource(statement, root));
    return this.executor.rows<T>(text, statement.params.values);
  }

  /**
   * Which of `ids` (rows of a read type) the caller may see, by the same row rule as every
   * read: for writes and reveals, which must treat an unseen record as a missing one.
   */
  async seenIds(type: () => Function, ids: readonly string[]): Promise<Set<string>> {
    const rows = await this.aggregate<{ id: string }>(
      {
        type,
        source: (row) => ({ where: [`${row.col('id')} = any(${row.param(ids, 'uuid[]')})`] }),
      },
      ({ from, where, row }) => `select ${row.col('id')}::text as id from ${from}${where}`,
    );
    return new Set(rows.map((r) => r.id));
  }

  private statement(info?: GraphQLResolveInfo): Statement {
    return {
      viewer: { role: this.caller.role, branchPath: this.caller.branchPath },
      context: this.context,
      params: new Params(),
      aliases: 0,
      maxPageSize: PAGE_SIZE.max,
      fragments: info?.fragments ?? {},
      variables: info?.variableValues ?? {},
    };
  }
}

function selections(info: GraphQLResolveInfo) {
  return info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
}
