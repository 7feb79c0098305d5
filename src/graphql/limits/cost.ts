import {
  getNamedType,
  getNullableType,
  isInterfaceType,
  isLeafType,
  isListType,
  isObjectType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLSchema,
  type GraphQLType,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { PAGE_SIZE } from '../../read/cursor';
import { variablesWithDefaults } from './input';
import { declaredMaxItems } from './items';

/**
 * How many items a plain list (not a connection) is assumed to hold when its field declares
 * no bound (MaxItems): lists of what one customer or record holds (contact points, a score's
 * fired rules), not fan-outs.
 */
export const LIST_FACTOR = 10;

/**
 * An operation's cost: the rows it may read in the worst case, before it runs.
 *
 * - Every object read costs 1: a single object (`branch`, `tier`, `customer` of a party) 1,
 *   each item of a list or a page 1.
 * - A connection (a field whose type has `edges`, `nodes` and `pageInfo`) costs 1 for the
 *   page, plus its page size times the cost of one node: `first`, or PAGE_SIZE.default
 *   (20) when not given, at most PAGE_SIZE.max. Connections nested in connections multiply:
 *   `customers(first: 100) { nodes { policies { nodes { ... } } } }` reads up to 100 × 20
 *   policies.
 * - A plain list of objects counts the items its field declares at most (MaxItems: 20
 *   parties of a policy), or LIST_FACTOR where it declares none.
 * - Scalar fields cost nothing: they are columns of rows already counted. Introspection and
 *   `__typename` cost nothing. `@skip`/`@include` are ignored: the worst case counts.
 *
 * Fragments are costed once per page context, so the work is linear in the document.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): number {
  const root = schema.getRootType(operation.operation);
  if (!root) return 0;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition);
    }
  }
  const values = variablesWithDefaults(operation, variables);
  const memo = new Map<string, number>();
  const visiting = new Set<string>();

  /** `page`: the page size when `type` is a connection; `edge`: when it is an edge. */
  const setCost = (
    set: SelectionSetNode,
    type: GraphQLNamedType,
    wrapper: { page: number } | 'edge' | undefined,
  ): number => {
    let total = 0;
    for (const selection of set.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition
          ? schema.getType(selection.typeCondition.name.value)
          : type;
        if (condition) total += setCost(selection.selectionSet, condition, wrapper);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment || visiting.has(name)) continue;
        const condition = schema.getType(fragment.typeCondition.name.value);
        if (!condition) continue;
        const key = `${name}:${wrapper === 'edge' ? 'edge' : (wrapper?.page ?? '')}`;
        if (!memo.has(key)) {
          visiting.add(name);
          memo.set(key, setCost(fragment.selectionSet, condition, wrapper));
          visiting.delete(name);
        }
        total += memo.get(key)!;
        continue;
      }
      if (!selection.selectionSet || selection.name.value.startsWith('__')) continue;
      if (!isObjectType(type) && !isInterfaceType(type)) continue;
      const field = type.getFields()[selection.name.value];
      if (!field) continue;
      const named = getNamedType(field.type);
      if (isLeafType(named)) continue;
      const children = selection.selectionSet;
      if (wrapper && wrapper !== 'edge') {
        // Inside a connection: its items, or its page info.
        const name = selection.name.value;
        if (name === 'edges') total += wrapper.page * (1 + setCost(children, named, 'edge'));
        else if (name === 'nodes')
          total += wrapper.page * (1 + setCost(children, named, undefined));
        continue;
      }
      if (wrapper === 'edge' && selection.name.value === 'node') {
        // The edge's row, already counted.
        total += setCost(children, named, undefined);
        continue;
      }
      if (isConnection(named)) {
        total += 1 + setCost(children, named, { page: pageSize(field, selection, values) });
        continue;
      }
      const items = declaredMaxItems(field) ?? LIST_FACTOR;
      total += items ** listDepth(field.type) * (1 + setCost(children, named, undefined));
    }
    return total;
  };
  return setCost(operation.selectionSet, root, undefined);
}

/** A Relay connection as src/graphql/connection.ts builds them: edges, nodes, pageInfo. */
function isConnection(type: GraphQLNamedType): type is GraphQLObjectType {
  if (!isObjectType(type)) return false;
  const fields = type.getFields();
  return Boolean(fields.edges && fields.nodes && fields.pageInfo);
}

function pageSize(
  field: GraphQLField<unknown, unknown>,
  node: FieldNode,
  variables: Record<string, unknown>,
): number {
  const first = node.arguments?.find((argument) => argument.name.value === 'first')?.value;
  let size: unknown = field.args.find((arg) => arg.name === 'first')?.defaultValue;
  if (first?.kind === Kind.INT) size = Number(first.value);
  else if (first?.kind === Kind.VARIABLE) size = variables[first.name.value];
  if (typeof size !== 'number' || !Number.isFinite(size)) return PAGE_SIZE.default;
  // A page over the maximum is refused when it runs (PAGE_SIZE), with its own error.
  return Math.min(Math.max(Math.trunc(size), 0), PAGE_SIZE.max);
}

/** 0 for a single object, 1 for a list, 2 for a list of lists... */
function listDepth(type: GraphQLType): number {
  let depth = 0;
  for (let t = getNullableType(type); isListType(t); t = getNullableType(t.ofType)) depth++;
  return depth;
}
