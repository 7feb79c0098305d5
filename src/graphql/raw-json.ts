import { randomUUID } from 'node:crypto';
import {
  getArgumentValues,
  getVariableValues,
  isNonNullType,
  Kind,
  locatedError,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLError,
  type GraphQLField,
  type GraphQLResolveInfo,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import { Extensions } from 'type-graphql';

/**
 * The JSON text PostgreSQL built for a whole root field, keyed by response key: it goes
 * into the response as it is. A compiled read's JSON was otherwise parsed by node-postgres,
 * walked by the executor and written out again, a fifth of the hub's CPU on a segment page.
 */
export class RawJson {
  constructor(readonly text: string) {}
}

/**
 * Marks a query whose resolver answers with a compiled read of its whole selection and
 * nothing else (`context.read.lookup` or `context.read.connection`, as it is): the
 * executor may then ask for its JSON text (see runCompiledReads).
 */
export const CompiledRead = () => Extensions({ compiledRead: true });

/** The root value that asks a compiled read for RawJson; the executor's own root is undefined. */
export const RAW_ROOT: unknown = Object.freeze({});

export const wantsRawJson = (info: GraphQLResolveInfo) => info.rootValue === RAW_ROOT;

/**
 * JSON texts of one response, each standing in the result as a marker string until the
 * HTTP layer splices it into the serialised body. The marker holds a NUL and a nonce, which
 * no value of the result can: every root field of the operation is one of these texts.
 */
export class RawJsonParts {
  private readonly parts: string[] = [];
  /** Drawn with the first part: a response with no compiled read needs none. */
  private nonce?: string;

  add(json: RawJson): string {
    this.nonce ??= randomUUID();
    this.parts.push(json.text);
    return this.marker(this.parts.length - 1);
  }

  /** `body` with each marker, as JSON.stringify wrote it, replaced by its text. */
  splice(body: string): string {
    let spliced = body;
    this.parts.forEach((text, i) => {
      const marker = JSON.stringify(this.marker(i));
      const at = spliced.indexOf(marker);
      if (at >= 0) spliced = spliced.slice(0, at) + text + spliced.slice(at + marker.length);
    });
    return spliced;
  }

  private marker(part: number): string {
    return `\u0000${this.nonce}:${part}`;
  }
}

interface RootField {
  key: string;
  nodes: FieldNode[];
  field: GraphQLField<unknown, unknown>;
}

interface Plan {
  fields: RootField[];
  /** The document's fragments, for the resolvers' `info`. */
  fragments: Record<string, FragmentDefinitionNode>;
}

/** Per operation: its root fields, when every one is a compiled read; null otherwise. */
const plans = new WeakMap<OperationDefinitionNode, Plan | null>();

function planOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): Plan | null {
  const known = plans.get(operation);
  if (known !== undefined) return known;
  let plan: RootField[] | null = [];
  const query = schema.getQueryType()!;
  const byKey = new Map<string, RootField>();
  for (const selection of operation.selectionSet.selections) {
    // Fragments and @skip/@include at the root are rare: graphql-jit runs those.
    if (selection.kind !== Kind.FIELD || selection.directives?.length) {
      plan = null;
      break;
    }
    const field = query.getFields()[selection.name.value];
    if (!field?.extensions.compiledRead) {
      plan = null;
      break;
    }
    const key = selection.alias?.value ?? selection.name.value;
    const same = byKey.get(key);
    if (same) same.nodes.push(selection);
    else byKey.set(key, { key, nodes: [selection], field });
  }
  if (plan) plan = [...byKey.values()];
  if (operation.operation !== 'query' || !plan?.length) {
    plans.set(operation, null);
    return null;
  }
  const fragments: Record<string, FragmentDefinitionNode> = {};
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments[definition.name.value] = definition;
  }
  const planned = { fields: plan, fragments };
  plans.set(operation, planned);
  return planned;
}

/**
 * Runs an operation made only of compiled reads as graphql-js would, but with each root
 * field's JSON text taken as PostgreSQL built it (RawJson) and left in `parts`: the root
 * fields run together (so their reads share one statement), an error nulls its field and,
 * on a non-null field, the data. Undefined when the operation has anything else: the
 * executor then runs it.
 */
export async function runCompiledReads(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  inputs: Record<string, unknown>,
  context: unknown,
  parts: RawJsonParts,
): Promise<
  { data?: Record<string, unknown> | null; errors?: readonly GraphQLError[] } | undefined
> {
  const plan = planOf(schema, document, operation);
  if (!plan) return undefined;
  const { fields, fragments } = plan;
  const variables = getVariableValues(schema, operation.variableDefinitions ?? [], inputs, {
    maxErrors: 50,
  });
  if (variables.errors) return { errors: variables.errors };
  const query = schema.getQueryType()!;
  const errors: GraphQLError[] = [];
  let nulled = false;
  const values = await Promise.all(
    fields.map(async ({ key, nodes, field }) => {
      const path = { prev: undefined, key, typename: query.name };
      try {
        const args = getArgumentValues(field, nodes[0], variables.coerced);
        const info: GraphQLResolveInfo = {
          fieldName: field.name,
          fieldNodes: nodes,
          returnType: field.type,
          parentType: query,
          path,
          schema,
          fragments,
          rootValue: RAW_ROOT,
          operation,
          variableValues: variables.coerced,
        };
        const value = await field.resolve!(RAW_ROOT, args, context, info);
        if (value === null || value === undefined) {
          if (isNonNullType(field.type)) nulled = true;
          return null;
        }
        if (!(value instanceof RawJson)) {
          throw new Error(`${field.name} is marked CompiledRead but answered something else`);
        }
        return parts.add(value);
      } catch (error) {
        errors.push(locatedError(error, nodes, [key]));
        if (isNonNullType(field.type)) nulled = true;
        return null;
      }
    }),
  );
  const data = nulled ? null : Object.fromEntries(fields.map(({ key }, i) => [key, values[i]]));
  return { data, errors: errors.length ? errors : undefined };
}
