import { createHash } from 'node:crypto';
import DataLoader from 'dataloader';
import {
  getArgumentValues,
  type FieldNode,
  type GraphQLResolveInfo,
  type SelectionSetNode,
} from 'graphql';
import { decodeCursor, PAGE_SIZE } from './cursor';
import type { Pool, PoolClient } from 'pg';
import type { Caller } from '../auth/roles';
import type { Viewer } from '../auth/rows';
import type { PageOptions, ReadCompiler, RootSource, Statement } from './compiler';
import type { Args, OrderKey, ReadContext, SourceSql } from './read-model';
import { RawJson, wantsRawJson } from '../graphql/raw-json';
import { variablesIn } from './selection';
import { Params, type SqlScope } from './sql-scope';

/** A lookup by one key (an id, a policy number...), batched across aliases of a request. */
export interface LookupSource {
  type: () => Function;
  keyType: 'text' | 'uuid';
  /**
   * The row `key` finds. Where a key may find several and the lookup picks one (the latest
   * vehicle on a plate), it picks among those the `viewer` sees: the rest read as missing,
   * and would otherwise hide the one the caller may see.
   */
  source: (row: SqlScope, key: string, viewer: Viewer, context: ReadContext) => SourceSql;
}

/** A compiled lookup: its SQL, the values of its parameters after the keys, and both as one key. */
interface CompiledLookup {
  text: string;
  values: unknown[];
  shape: string;
}

/**
 * A compiled page: its SQL and parameter values, and where the values of its cursor sit
 * among them (`after` changes from page to page; the SQL does not).
 */
interface CompiledPage {
  text: string;
  values: unknown[];
  keyset?: { at: number; order: OrderKey[] };
}

/** Compiled reads kept per selection node; past this many variants a node starts afresh. */
const COMPILED_PER_NODE = 64;

/** What a page is compiled as, for the compiled reads' cache (beside each LookupSource). */
const PAGE = {};

/** Prepared statements a read connection keeps by default (PREPARED_STATEMENTS_PER_CONNECTION). */
export const DEFAULT_PREPARED_STATEMENTS = 200;

/** node-postgres's own record of the statements a connection has prepared, by name. */
type PreparedByPg = Record<string, string>;

/**
 * Runs compiled statements as named prepared statements: PostgreSQL plans each query
 * shape once per connection instead of once per request. Each connection keeps at most
 * `maxPrepared` of them: to make room, the least recently used is DEALLOCATEd, so that a
 * stream of distinct selections cannot grow a session without bound. With 0, nothing is
 * prepared (every statement is planned anew).
 */
export class ReadExecutor {
  /** Per pooled connection, the names it has prepared, least recently used first. */
  private readonly prepared = new WeakMap<PoolClient, Map<string, true>>();
  /** Statement names by SQL text, so a text is hashed once. */
  private readonly names = new Map<string, string>();
  /**
   * Reads compiled so far, by the parsed document's field node (the document cache keeps
   * it while the document is in use) and by kind (a LookupSource, or PAGE), then by
   * everything else the SQL depends on: compiling the front-line profile took a third of
   * the hub's CPU per request.
   */
  private readonly compiledReads = new WeakMap<FieldNode, Map<object, Map<string, unknown>>>();
  private readonly maxPrepared: number;
  /** Starts timing a statement (the wait for a connection included); returns its stop. */
  private readonly timer?: () => () => void;

  constructor(
    /** Connections on generic plans (app.ts): the compiled reads' own. */
    readonly pool: Pool,
    readonly compiler: ReadCompiler,
    options: { maxPrepared?: number; timer?: () => () => void } = {},
  ) {
    this.maxPrepared = options.maxPrepared ?? DEFAULT_PREPARED_STATEMENTS;
    this.timer = options.timer;
  }

  async rows<T>(text: string, values: unknown[]): Promise<T[]> {
    const done = this.timer?.();
    let client: PoolClient | undefined;
    let failed: Error | undefined;
    try {
      client = await this.pool.connect();
      const name = await this.prepare(client, text);
      const result = await client.query(name ? { name, text, values } : { text, values });
      // Named once it ran: a statement that failed leaves with its connection (below).
      if (name) this.prepared.get(client)!.set(name, true);
      return result.rows as T[];
    } catch (error) {
      failed = error as Error;
      throw error;
    } finally {
      // As pool.query does: a connection whose statement failed is closed, not reused.
      client?.release(failed);
      done?.();
    }
  }

  /** The name to run `text` under on `client`, room made for it; undefined: unnamed. */
  private async prepare(client: PoolClient, text: string): Promise<string | undefined> {
    if (this.maxPrepared === 0) return undefined;
    const byPg = (client as unknown as { connection?: { parsedStatements?: PreparedByPg } })
      .connection?.parsedStatements;
    // A node-postgres that keeps no such record could not be told of an eviction.
    if (!byPg) return undefined;
    let name = this.names.get(text);
    if (!name) {
      if (this.names.size >= this.maxPrepared * 4) this.names.clear();
      name = `read_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
      this.names.set(text, name);
    }
    let names = this.prepared.get(client);
    if (!names) {
      names = new Map();
      this.prepared.set(client, names);
    }
    if (names.delete(name)) {
      names.set(name, true);
      return name;
    }
    while (names.size >= this.maxPrepared) {
      const oldest = names.keys().next().value!;
      names.delete(oldest);
      delete byPg[oldest];
      await client.query(`deallocate ${oldest}`);
    }
    return name;
  }

  /** The read of `node` as `kind` for `key` (see `compiledReads`), compiled by `compile` once. */
  compiled<T>(node: FieldNode, kind: object, key: string, compile: () => T): T {
    let byKind = this.compiledReads.get(node);
    if (!byKind) {
      byKind = new Map();
      this.compiledReads.set(node, byKind);
    }
    let byKey = byKind.get(kind);
    if (!byKey) {
      byKey = new Map();
      byKind.set(kind, byKey);
    }
    let compiled = byKey.get(key) as T | undefined;
    if (!compiled) {
      compiled = compile();
      if (byKey.size >= COMPILED_PER_NODE) byKey.clear();
      byKey.set(key, compiled);
    }
    return compiled;
  }
}

/** A compiled read waiting for the others of its turn (ReadSession.run). */
interface QueuedRead {
  text: string;
  values: unknown[];
  resolve(rows: KeyedRow[]): void;
  reject(error: unknown): void;
}

/** What every compiled read yields: a lookup's rows by key, a page's one row (key null). */
interface KeyedRow {
  key: string | null;
  data: unknown;
}

/** `$n` placeholders of a compiled statement, whose values are bound, never spliced. */
const PLACEHOLDER = /\$(\d+)/g;

/**
 * A root field as errors name it: by its response key (an alias, or the field's name), as
 * the compiler names the fields under it, so that `c: customer { k: claims(after: ...) }`
 * reads `c.k.after`.
 */
const responsePath = (info: GraphQLResolveInfo) => String(info.path.key);

/** The read path of one request: compiles what `info` selects and runs it. */
export class ReadSession {
  private readonly loaders = new Map<string, DataLoader<string, unknown>>();
  /** Reads asked for in this turn of the event loop: they run as one statement. */
  private queued: QueuedRead[] = [];

  constructor(
    private readonly executor: ReadExecutor,
    private readonly caller: Caller,
    private readonly context: ReadContext,
  ) {}

  /** One row by key; equal selections under several aliases share one statement. */
  async lookup(info: GraphQLResolveInfo, lookup: LookupSource, key: string): Promise<unknown> {
    const { text, values, shape } = this.executor.compiled(
      info.fieldNodes[0],
      lookup,
      this.compiledKey(info),
      () => this.compileLookup(info, lookup),
    );
    // A mutation's answer is read after its write, and the next mutation of the request
    // writes again: nothing read before it stands (renamed A, then B, answered A twice).
    if (info.operation.operation === 'mutation' && !info.path.prev) this.loaders.clear();
    let loader = this.loaders.get(shape);
    if (!loader) {
      loader = new DataLoader(async (batch) => {
        const rows = await this.run(text, [batch, ...values]);
        const byKey = new Map(rows.map((r) => [r.key, r.data]));
        return batch.map((k) => byKey.get(k) ?? null);
      });
      this.loaders.set(shape, loader);
    }
    return answer(info, await loader.load(key));
  }

  private compileLookup(info: GraphQLResolveInfo, lookup: LookupSource): CompiledLookup {
    const statement = this.statement(info);
    const keys = statement.params.add(null, `${lookup.keyType}[]`);
    const root: RootSource = {
      type: lookup.type,
      source: (row) => lookup.source(row, `k.key`, statement.viewer, statement.context),
    };
    const { sql } = this.executor.compiler.object(
      statement,
      root,
      selections(info),
      responsePath(info),
    );
    const text = `select k.key::text as key, ${data(info, sql)} from unnest(${keys}) as k(key)`;
    const values = statement.params.values.slice(1);
    return { text, values, shape: `${text}\n${JSON.stringify(values)}` };
  }

  /**
   * Everything a compiled selection depends on beyond the document: the caller's role and
   * branch, the business day, the active rule versions and the variables it reads.
   */
  private compiledKey(info: GraphQLResolveInfo): string {
    const { ruleSets, clock } = this.context;
    return JSON.stringify([
      this.caller.role,
      this.caller.branchPath,
      clock.today(),
      wantsRawJson(info),
      ruleSets.tier?.id,
      ruleSets.entitlement?.id,
      info.fieldNodes.length,
      ...info.fieldNodes.flatMap((node) =>
        variablesIn(node, info.fragments).map((name) => info.variableValues[name]),
      ),
    ]);
  }

  /**
   * A page of rows as a Relay connection. `root` must follow from the field's arguments,
   * the caller and the read context alone: its SQL is compiled once for them all, for
   * every cursor.
   */
  async connection(info: GraphQLResolveInfo, root: RootSource, args: Args): Promise<unknown> {
    const after = args.after as string | undefined | null;
    const field = info.parentType.getFields()[info.fieldName];
    const { after: _cursor, ...others } = getArgumentValues(
      field,
      info.fieldNodes[0],
      info.variableValues,
    );
    const key = `${this.compiledKey(info)}\n${JSON.stringify(others)}\n${after !== undefined && after !== null}`;
    const page = this.executor.compiled(info.fieldNodes[0], PAGE, key, (): CompiledPage => {
      const statement = this.statement(info);
      let keyset: CompiledPage['keyset'];
      const sql = this.executor.compiler.connection(
        statement,
        root,
        args,
        selections(info),
        responsePath(info),
        { onKeyset: (at, order) => (keyset = { at, order }) },
      );
      return { text: pageText(data(info, sql)), values: statement.params.values, keyset };
    });
    let values = page.values;
    if (page.keyset && after !== undefined && after !== null) {
      const { at, order } = page.keyset;
      values = [...values];
      values.splice(at, order.length, ...decodeCursor(after, order, `${responsePath(info)}.after`));
    }
    const [row] = await this.run(page.text, values);
    return answer(info, row.data);
  }

  /**
   * A page of `root` with a selection of the caller's own, beyond the API's page size; with
   * `lines`, its edges are NDJSON text (see ReadCompiler.connection).
   */
  async bulkPage<T>(
    root: RootSource,
    args: Args,
    selection: readonly SelectionSetNode[],
    options: { maxPageSize: number } & Pick<PageOptions, 'lines' | 'until'>,
  ): Promise<T> {
    const { maxPageSize, ...page } = options;
    const statement: Statement = { ...this.statement(), maxPageSize, keys: 'response' };
    // The export's query parameters are named as sent (`after`), not under a field.
    const sql = this.executor.compiler.connection(statement, root, args, selection, '', page);
    const [row] = await this.run(pageText(`${sql} as data`), statement.params.values);
    return row.data as T;
  }

  /** Where a bulk page of `rows` rows after `after` ends (see ReadCompiler.pageEnd). */
  async bulkPageEnd(root: RootSource, after: string | undefined, rows: number) {
    const statement = this.statement();
    const text = this.executor.compiler.pageEnd(statement, root, after, rows);
    const [row] = await this.executor.rows<{ cursor: string }>(text, statement.params.values);
    return row?.cursor ?? null;
  }

  /**
   * Runs a compiled read with the others the request asks for in the same turn (the root
   * fields of one operation: a customer's and a vehicle's risk history) as one statement,
   * each its own part of a UNION ALL: one round trip and one snapshot instead of one each.
   */
  private run(text: string, values: unknown[]): Promise<KeyedRow[]> {
    return new Promise((resolve, reject) => {
      if (!this.queued.length) setImmediate(() => this.flush());
      this.queued.push({ text, values, resolve, reject });
    });
  }

  private flush(): void {
    const reads = this.queued;
    this.queued = [];
    if (reads.length === 1) {
      const [read] = reads;
      this.executor.rows<KeyedRow>(read.text, read.values).then(read.resolve, read.reject);
      return;
    }
    const values: unknown[] = [];
    const parts = reads.map((read, part) => {
      const offset = values.length;
      values.push(...read.values);
      const text = read.text.replace(PLACEHOLDER, (_, n: string) => `$${Number(n) + offset}`);
      return `select ${part} as part, r.key, r.data from (${text}) r`;
    });
    this.executor.rows<KeyedRow & { part: number }>(parts.join('\nunion all\n'), values).then(
      (rows) => {
        const byPart = reads.map((): KeyedRow[] => []);
        for (const { part, key, data } of rows) byPart[part].push({ key, data });
        reads.forEach((read, part) => read.resolve(byPart[part]));
      },
      (error: unknown) => reads.forEach((read) => read.reject(error)),
    );
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
      // JSON text goes out as it is: keyed as the response is.
      keys: info && wantsRawJson(info) ? 'response' : 'graphql',
      fragments: info?.fragments ?? {},
      variables: info?.variableValues ?? {},
    };
  }
}

/** A page's statement: one row, keyed as every compiled read is (ReadSession.run). */
const pageText = (data: string) => `select null::text as key, ${data}`;

/** The data column of a read for `info`: JSON text where the executor asks for RawJson. */
const data = (info: GraphQLResolveInfo, sql: string) =>
  wantsRawJson(info) ? `(${sql})::text as data` : `${sql} as data`;

/** A read's value as the executor asked for it: RawJson from JSON text, or as it came. */
const answer = (info: GraphQLResolveInfo, value: unknown) =>
  wantsRawJson(info) && typeof value === 'string' ? new RawJson(value) : value;

function selections(info: GraphQLResolveInfo) {
  return info.fieldNodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
}
