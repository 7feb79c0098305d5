import {
  coerceInputValue,
  getNamedType,
  getNullableType,
  GraphQLError,
  isEnumType,
  isInputObjectType,
  isInputType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  Kind,
  print,
  typeFromAST,
  valueFromASTUntyped,
  visit,
  type ArgumentNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLInputType,
  type GraphQLList,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { maskPersonal, withoutValues } from '../../logger';
import { declaredMaxItems } from './items';

/** What is wrong with one input value, and where: `by.cifNo`, `records[3].name`. */
export interface InputProblem {
  field: string;
  rule: string;
  message: string;
  /** Every value of the request that does not coerce, this one first, when there are more. */
  problems?: Omit<InputProblem, 'problems'>[];
}

/** An unpaired UTF-16 surrogate: not a character, and not storable as UTF-8. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Text PostgreSQL cannot store as given: NUL (text and jsonb refuse it; the statement would
 * fail as an internal error) and lone surrogates (node-postgres would silently store U+FFFD).
 */
export function textProblem(text: string, field: string): InputProblem | undefined {
  if (text.includes('\u0000')) {
    return {
      field,
      rule: 'CONTROL_CHARACTER',
      message: `${field}: contains a NUL character (U+0000)`,
    };
  }
  if (LONE_SURROGATE.test(text)) {
    return {
      field,
      rule: 'LONE_SURROGATE',
      message: `${field}: contains an unpaired UTF-16 surrogate, which is not a character`,
    };
  }
  return undefined;
}

const pathOf = (parent: string, key: string | number) =>
  typeof key === 'number' ? `${parent}[${key}]` : parent ? `${parent}.${key}` : key;

/**
 * The first problem of a JSON value (a variable, a record): nesting deeper than
 * `maxDepth`, or, with `text`, a string or an object key `textProblem` refuses. Iterative:
 * a value nested 100,000 deep costs a walk, not the stack.
 */
export function valueProblem(
  value: unknown,
  root: string,
  options: { maxDepth: number; text: boolean },
): InputProblem | undefined {
  // A variable's name and the keys of its objects are the caller's text, as its values are.
  const stack: { value: unknown; path: string; depth: number }[] = [
    { value, path: maskPersonal(root), depth: 0 },
  ];
  while (stack.length) {
    const item = stack.pop()!;
    if (typeof item.value === 'string') {
      const problem = options.text ? textProblem(item.value, item.path) : undefined;
      if (problem) return problem;
      continue;
    }
    if (item.value === null || typeof item.value !== 'object') continue;
    const depth = item.depth + 1;
    if (depth > options.maxDepth) {
      return {
        field: item.path,
        rule: 'NESTING_DEPTH',
        message: `${item.path}: nests lists and objects deeper than ${options.maxDepth} levels (GRAPHQL_MAX_VARIABLE_DEPTH)`,
      };
    }
    if (Array.isArray(item.value)) {
      for (let i = item.value.length - 1; i >= 0; i--) {
        stack.push({ value: item.value[i], path: pathOf(item.path, i), depth });
      }
    } else {
      const entries = Object.entries(item.value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, child] = entries[i];
        const path = pathOf(item.path, maskPersonal(key));
        const problem = options.text ? textProblem(key, path) : undefined;
        if (problem) return problem;
        stack.push({ value: child, path, depth });
      }
    }
  }
  return undefined;
}

/**
 * Root mutation fields whose `records` are validated record by record: a record with text
 * the database cannot store is rejected on its own (src/modules/ingestion), not the batch.
 */
const PER_RECORD_FIELD = /^ingest[A-Z]/;
const PER_RECORD_ARGUMENT = 'records';

function perRecordArguments(operation: OperationDefinitionNode): Set<ArgumentNode> {
  const exempt = new Set<ArgumentNode>();
  if (operation.operation !== 'mutation') return exempt;
  for (const selection of operation.selectionSet.selections) {
    if (selection.kind !== Kind.FIELD || !PER_RECORD_FIELD.test(selection.name.value)) continue;
    for (const argument of selection.arguments ?? []) {
      if (argument.name.value === PER_RECORD_ARGUMENT) exempt.add(argument);
    }
  }
  return exempt;
}

/** The first string literal of an argument value that `textProblem` refuses. */
function literalProblem(value: ValueNode, field: string): InputProblem | undefined {
  switch (value.kind) {
    case Kind.STRING:
      return textProblem(value.value, field);
    case Kind.LIST:
      for (const [i, item] of value.values.entries()) {
        const problem = literalProblem(item, pathOf(field, i));
        if (problem) return problem;
      }
      return undefined;
    case Kind.OBJECT:
      for (const item of value.fields) {
        const path = pathOf(field, item.name.value);
        const problem = textProblem(item.name.value, path) ?? literalProblem(item.value, path);
        if (problem) return problem;
      }
      return undefined;
    default:
      return undefined;
  }
}

/**
 * The most items a list may hold: a list of an enum names each value once at most, so it is
 * never longer than the enum has values; another list, what its field declares (MaxItems).
 * Undefined for a list nothing bounds here: the ingestion mutations' records, which their
 * batch size bounds.
 */
function mostItems(
  list: GraphQLList<GraphQLInputType>,
  field: { extensions: Readonly<Record<string, unknown>> } | undefined,
): { most: number; why: string } | undefined {
  const item = getNullableType(list.ofType);
  if (isEnumType(item)) {
    const most = item.getValues().length;
    return { most, why: `as many as ${item.name} has values` };
  }
  const most = field && declaredMaxItems(field);
  return most === undefined ? undefined : { most, why: 'its limit' };
}

/**
 * The first list of a value (an argument's, the export's filter) longer than it may be
 * (MAX_ITEMS): a filter's list of 200,000 copies of one tier made PostgreSQL compare each row
 * 200,000 times (17 s), where the values it may name are a handful.
 */
export function listProblem(
  value: unknown,
  type: GraphQLInputType,
  path: string,
  field?: { extensions: Readonly<Record<string, unknown>> },
): InputProblem | undefined {
  if (value === null || value === undefined) return undefined;
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    // One value where a list is expected is a list of one.
    const items: unknown[] = Array.isArray(value) ? value : [value];
    const bound = mostItems(nullable, field);
    if (bound && items.length > bound.most) {
      return {
        field: path,
        rule: 'MAX_ITEMS',
        message: `${path} must hold at most ${bound.most} items (${bound.why}), got ${items.length}`,
      };
    }
    for (const [i, item] of items.entries()) {
      const problem = listProblem(item, nullable.ofType, pathOf(path, i));
      if (problem) return problem;
    }
    return undefined;
  }
  if (!isInputObjectType(nullable) || typeof value !== 'object') return undefined;
  for (const inner of Object.values(nullable.getFields())) {
    const named = getNullableType(inner.type);
    if (!isListType(named) && !isInputObjectType(named)) continue;
    const problem = listProblem(
      (value as Record<string, unknown>)[inner.name],
      inner.type,
      pathOf(path, inner.name),
      inner,
    );
    if (problem) return problem;
  }
  return undefined;
}

/** An argument of the operation with its type, named as a refusal names it (`filter.tiers`). */
interface TypedArgument {
  node: ArgumentNode;
  type: GraphQLInputType;
  field: string;
}

/**
 * The arguments of the operation's fields whose values may hold a list, through fragments
 * (each walked once, named where it is first spread). A root field's argument is named bare,
 * another under its field's path, its alias where it has one (`customer.riskScores.stage`),
 * as the read compiler names the arguments it refuses.
 */
function listArguments(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): TypedArgument[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition);
    }
  }
  const found: TypedArgument[] = [];
  const walked = new Set<string>();
  const walk = (set: SelectionSetNode, type: GraphQLNamedType | undefined, path: string) => {
    for (const selection of set.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const condition = selection.typeCondition?.name.value;
        walk(selection.selectionSet, condition ? schema.getType(condition) : type, path);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (!fragment || walked.has(selection.name.value)) continue;
        walked.add(selection.name.value);
        walk(fragment.selectionSet, schema.getType(fragment.typeCondition.name.value), path);
        continue;
      }
      if (!isObjectType(type) && !isInterfaceType(type)) continue;
      const field = type.getFields()[selection.name.value];
      if (!field) continue;
      // An alias is the caller's text: a mobile may be made one.
      const at = pathOf(path, maskPersonal(selection.alias?.value ?? selection.name.value));
      for (const node of selection.arguments ?? []) {
        const argument = field.args.find((a) => a.name === node.name.value);
        if (!argument) continue;
        const named = getNullableType(argument.type);
        if (isListType(named) || isInputObjectType(named)) {
          const name = node.name.value;
          found.push({ node, type: argument.type, field: path ? pathOf(at, name) : name });
        }
      }
      if (selection.selectionSet) walk(selection.selectionSet, getNamedType(field.type), at);
    }
  };
  walk(operation.selectionSet, schema.getRootType(operation.operation) ?? undefined, '');
  return found;
}

/**
 * The variables an operation runs with: the request's, and the declared default of each it
 * leaves out.
 */
export function variablesWithDefaults(
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const definition of operation.variableDefinitions ?? []) {
    if (definition.defaultValue) {
      values[definition.variable.name.value] = valueFromASTUntyped(definition.defaultValue);
    }
  }
  return Object.assign(values, variables);
}

/** What the input checks take from an operation's document, whatever its variables. */
interface DocumentInputs {
  /** Variables whose text is checked: those used outside the per-record arguments. */
  textVariables: Set<string>;
  /** The first string literal of an argument that breaks a text rule. */
  literal: InputProblem | undefined;
  /** Arguments whose lists are held to their bounds. */
  lists: TypedArgument[];
}

/**
 * Per operation node: Apollo's document cache hands the same parsed document to every
 * request that sends its text, and walking it again cost a tenth of a profile request.
 */
const documentInputs = new WeakMap<OperationDefinitionNode, DocumentInputs>();

function inputsOf(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
): DocumentInputs {
  let inputs = documentInputs.get(operation);
  if (inputs) return inputs;
  const exemptArguments = perRecordArguments(operation);
  // Variables used only inside per-record arguments are checked record by record.
  const textVariables = new Set<string>();
  const literals: { value: ValueNode; field: string }[] = [];
  visit(document, {
    VariableDefinition: () => false,
    Argument(node) {
      if (exemptArguments.has(node)) return false;
      literals.push({ value: node.value, field: node.name.value });
      visit(node.value, {
        Variable(variable) {
          textVariables.add(variable.name.value);
        },
      });
      return false;
    },
  });
  let literal: InputProblem | undefined;
  for (const { value, field } of literals) {
    literal = literalProblem(value, field);
    if (literal) break;
  }
  inputs = { textVariables, literal, lists: listArguments(schema, document, operation) };
  documentInputs.set(operation, inputs);
  return inputs;
}

/**
 * What the operation's input breaks, before anything runs:
 * 1. a variable nested deeper than `maxVariableDepth` (NESTING_DEPTH);
 * 2. a variable that does not coerce to its type: wrong type, an Int beyond 32 bits, null
 *    or missing for a non-null type, an unknown enum value (VARIABLE_TYPE, or the rule a
 *    scalar names), with the path inside the variable;
 * 3. a list longer than it may be (MAX_ITEMS, listProblem), in variables and literals;
 * 4. text PostgreSQL cannot store, in variables and in string literals of arguments
 *    (CONTROL_CHARACTER, LONE_SURROGATE), except in the ingestion mutations' records.
 */
export function inputProblem(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown>,
  limits: { maxVariableDepth: number },
): InputProblem | undefined {
  const { textVariables, literal, lists } = inputsOf(schema, document, operation);

  const definitions = operation.variableDefinitions ?? [];
  for (const definition of definitions) {
    const name = definition.variable.name.value;
    if (!Object.hasOwn(variables, name)) continue;
    const problem = valueProblem(variables[name], name, {
      maxDepth: limits.maxVariableDepth,
      text: false,
    });
    if (problem) return problem;
  }

  const coerced: InputProblem[] = [];
  for (const definition of definitions) {
    const name = definition.variable.name.value;
    const type = typeFromAST(schema, definition.type);
    if (!type || !isInputType(type)) continue;
    const given = Object.hasOwn(variables, name);
    if (!given || variables[name] === null) {
      if (isNonNullType(type) && !(definition.defaultValue && !given)) {
        // A variable's name is the caller's text: a mobile may be made one ($r13912345671).
        coerced.push({
          field: maskPersonal(name),
          rule: 'VARIABLE_TYPE',
          message: `Variable "$${maskPersonal(name)}" of non-null type "${print(definition.type)}" must be given, and not null`,
        });
      }
      continue;
    }
    coerced.push(...coercionProblems(variables[name], type, name));
    if (coerced.length >= MAX_PROBLEMS) break;
  }
  if (coerced.length) {
    const [first] = coerced;
    return coerced.length > 1 ? { ...first!, problems: coerced.slice(0, MAX_PROBLEMS) } : first;
  }

  const values = variablesWithDefaults(operation, variables);
  for (const { node, type, field } of lists) {
    const problem = listProblem(valueFromASTUntyped(node.value, values), type, field);
    if (problem) return problem;
  }

  for (const definition of definitions) {
    const name = definition.variable.name.value;
    if (!textVariables.has(name) || !Object.hasOwn(variables, name)) continue;
    const problem = valueProblem(variables[name], name, {
      maxDepth: limits.maxVariableDepth,
      text: true,
    });
    if (problem) return problem;
  }
  return literal;
}

/**
 * How many of a request's values that do not coerce are named, the first in `field` and
 * `rule`, all in `problems`: a source system fixes a batch's records in one go, and the
 * answer to a variable of a million wrong values stays small.
 */
const MAX_PROBLEMS = 100;

/**
 * GraphQL names a missing or unknown field of an input object only in its message, at the
 * object's path: the field it names, so that `field` says `records[1].name`.
 */
const NAMED_FIELD = /^Field "([_A-Za-z][_0-9A-Za-z]*)" (?:of required type|is not defined by type)/;

/**
 * The problems of `value` as a `type` named `name` (a variable, or the export's filter
 * parameter, `what` in the message), at most MAX_PROBLEMS: each with its path inside the
 * value, the rule, a message without the value.
 */
export function coercionProblems(
  value: unknown,
  type: GraphQLInputType,
  name: string,
  what = `Variable "$${maskPersonal(name)}"`,
): InputProblem[] {
  const problems: InputProblem[] = [];
  coerceInputValue(value, type, (path, _invalid, error) => {
    if (problems.length >= MAX_PROBLEMS) return;
    const named = NAMED_FIELD.exec(error.message)?.[1];
    // The keys of a variable's value are the caller's text, as its values are.
    const field = withoutValues(
      [...path, ...(named ? [named] : [])].reduce<string>(
        (parent, key) => pathOf(parent, key),
        name,
      ),
    );
    problems.push({
      field,
      rule: ruleOf(error),
      message: `${what} got an invalid value${
        path.length || named ? ` at "${field}"` : ''
      }: ${withoutValues(error.message)}`,
    });
  });
  return problems;
}

/** The rule a scalar named for its refusal (e.g. DECIMAL_FORMAT), else VARIABLE_TYPE. */
function ruleOf(error: GraphQLError): string {
  for (let e: unknown = error; e instanceof GraphQLError; e = e.originalError) {
    if (typeof e.extensions?.rule === 'string') return e.extensions.rule;
  }
  return 'VARIABLE_TYPE';
}
