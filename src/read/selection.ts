import {
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  getDirectiveValues,
  visit,
  type FieldNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

export interface SelectionContext {
  fragments: Record<string, FragmentDefinitionNode>;
  variables: Record<string, unknown>;
}

/**
 * The fields selected on an object type, grouped by response key as GraphQL merges them
 * (fragments flattened, @skip/@include applied). Read types are concrete object types,
 * so a fragment's type condition either names the type or does not apply.
 */
export function collectFields(
  typeName: string,
  selectionSets: readonly SelectionSetNode[],
  context: SelectionContext,
): Map<string, FieldNode[]> {
  const fields = new Map<string, FieldNode[]>();
  const visited = new Set<string>();
  const included = (node: Parameters<typeof getDirectiveValues>[1]) =>
    getDirectiveValues(GraphQLSkipDirective, node, context.variables)?.if !== true &&
    getDirectiveValues(GraphQLIncludeDirective, node, context.variables)?.if !== false;

  const visit = (selectionSet: SelectionSetNode) => {
    for (const selection of selectionSet.selections) {
      if (!included(selection)) continue;
      if (selection.kind === 'Field') {
        const key = selection.alias?.value ?? selection.name.value;
        const list = fields.get(key);
        if (list) list.push(selection);
        else fields.set(key, [selection]);
      } else if (selection.kind === 'InlineFragment') {
        const condition = selection.typeCondition?.name.value;
        if (!condition || condition === typeName) visit(selection.selectionSet);
      } else {
        const name = selection.name.value;
        const fragment = context.fragments[name];
        if (visited.has(name) || !fragment || fragment.typeCondition.name.value !== typeName) {
          continue;
        }
        visited.add(name);
        visit(fragment.selectionSet);
      }
    }
  };
  selectionSets.forEach(visit);
  return fields;
}

/** The merged sub-selections of all the nodes of one response key. */
export function subSelections(nodes: readonly FieldNode[]): SelectionSetNode[] {
  return nodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
}

const variablesByNode = new WeakMap<FieldNode, string[]>();

/**
 * The variables that a field's selection (its fragments included) reads: what a compiled
 * selection depends on beyond the document, where the field's own arguments do not count.
 */
export function variablesIn(
  node: FieldNode,
  fragments: Record<string, FragmentDefinitionNode>,
): string[] {
  let names = variablesByNode.get(node);
  if (!names) {
    const found = new Set<string>();
    const spread = new Set<string>();
    const walk = (selectionSet: SelectionSetNode) =>
      visit(selectionSet, {
        Variable: (variable) => void found.add(variable.name.value),
        FragmentSpread: (fragment) => {
          const name = fragment.name.value;
          if (spread.has(name) || !fragments[name]) return;
          spread.add(name);
          walk(fragments[name].selectionSet);
        },
      });
    if (node.selectionSet) walk(node.selectionSet);
    names = [...found].sort();
    variablesByNode.set(node, names);
  }
  return names;
}
