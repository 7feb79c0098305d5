import { BREAK, GraphQLError, Kind, parse, visit, type ASTNode, type ValueNode } from 'graphql';
import { withoutValues } from '../logger';

/**
 * The nodes of a value written in the document, or of one of its fields: what graphql-js's
 * validation (ValuesOfCorrectTypeRule, and a scalar's own parseLiteral) points at when an
 * argument's type refuses it, whatever words it uses.
 */
const LITERALS = new Set<string>([
  Kind.INT,
  Kind.FLOAT,
  Kind.STRING,
  Kind.BOOLEAN,
  Kind.NULL,
  Kind.ENUM,
  Kind.LIST,
  Kind.OBJECT,
  Kind.OBJECT_FIELD,
]);

/** `Field "CustomerRecordInput.sourceKey" of required type …`: the field left out. */
const MISSING_FIELD = /^Field "[^".]+\.([^"]+)" of required type/;

/**
 * Where in its argument (or its variable's default) a literal that validation refused sits
 * (`records[1].kind`), as the
 * `field` of a BAD_USER_INPUT: a variable's wrong value names its path (VARIABLE_TYPE), and
 * the same mistake written inline does too (LITERAL_TYPE). Undefined for other errors.
 */
export function literalMistake(error: unknown): { field: string; rule: string } | undefined {
  if (!(error instanceof GraphQLError)) return undefined;
  const target = error.nodes?.[0];
  if (!target || !LITERALS.has(target.kind)) return undefined;
  const body = target.loc?.source.body;
  if (!target.loc || body === undefined) return undefined;
  // The error keeps the nodes, not the document around them: parsed again, on this path only.
  let document;
  try {
    document = parse(body);
  } catch {
    return undefined;
  }
  const same = (node: ASTNode) =>
    node.kind === target.kind && node.loc?.start === target.loc!.start;
  let found: string | undefined;
  const walk = (value: ValueNode, path: string): boolean => {
    if (same(value)) {
      const missing = MISSING_FIELD.exec(error.message)?.[1];
      found = missing ? `${path}.${missing}` : path;
      return true;
    }
    if (value.kind === Kind.OBJECT) {
      return value.fields.some((field) => {
        const at = `${path}.${field.name.value}`;
        if (same(field)) found = at;
        return found !== undefined || walk(field.value, at);
      });
    }
    if (value.kind === Kind.LIST)
      return value.values.some((item, i) => walk(item, `${path}[${i}]`));
    return false;
  };
  visit(document, {
    Argument(argument) {
      return walk(argument.value, argument.name.value) ? BREAK : undefined;
    },
    // A variable's default is written in the document too, and named as the variable is.
    VariableDefinition(definition) {
      const value = definition.defaultValue;
      return value && walk(value, definition.variable.name.value) ? BREAK : undefined;
    },
  });
  // An unknown field's name is the caller's text, and may be a mobile typed as a key.
  return found === undefined ? undefined : { field: withoutValues(found), rule: 'LITERAL_TYPE' };
}
