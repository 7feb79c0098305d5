/**
 * The limits every GraphQL request is held to, each with its default and the setting
 * (environment key) that changes it. The defaults let every example in README.md and every
 * query of the test suite through with room to spare, and refuse the hostile requests of
 * tests/integration/hostile.test.ts.
 */
export interface GraphQLLimits {
  /** Nested field levels of an operation, fragments followed; introspection not counted. */
  maxDepth: number;
  /** Aliased fields in the document. */
  maxAliases: number;
  /** Directive uses in the document (`@include`, `@skip`, unknown ones alike). */
  maxDirectives: number;
  /** Lexical tokens of the document (graphql's `parse` maxTokens); comments do not count. */
  maxTokens: number;
  /** The document (`query`), in UTF-8 bytes. */
  maxDocumentBytes: number;
  /** The operation's estimated cost (see cost.ts): rows it may read, pages multiplied. */
  maxCost: number;
  /** How deeply a variable's value may nest lists and objects. */
  maxVariableDepth: number;
  /**
   * How deeply the document's text may nest braces, brackets and parentheses (selection
   * sets, inline fragments, arguments, literal lists and objects), counted before parsing:
   * graphql-js parses and validates by recursion, and a list literal 2,000 deep overflowed
   * its stack.
   */
  maxNesting: number;
}

export interface LimitSetting {
  /** The environment key (src/config/config.ts). */
  env: string;
  default: number;
  min: number;
  max: number;
  /** How the refusal names the limit in `extensions.limit`. */
  name: string;
}

export const LIMIT_SETTINGS: Record<keyof GraphQLLimits, LimitSetting> = {
  maxDepth: { env: 'GRAPHQL_MAX_DEPTH', default: 15, min: 1, max: 1000, name: 'depth' },
  maxAliases: { env: 'GRAPHQL_MAX_ALIASES', default: 30, min: 0, max: 100_000, name: 'aliases' },
  maxDirectives: {
    env: 'GRAPHQL_MAX_DIRECTIVES',
    default: 50,
    min: 0,
    max: 100_000,
    name: 'directives',
  },
  maxTokens: {
    env: 'GRAPHQL_MAX_TOKENS',
    default: 5_000,
    min: 100,
    max: 1_000_000,
    name: 'tokens',
  },
  maxDocumentBytes: {
    env: 'GRAPHQL_MAX_DOCUMENT_BYTES',
    default: 64 * 1024,
    min: 1024,
    max: 100 * 1024 * 1024,
    name: 'documentBytes',
  },
  maxCost: {
    env: 'GRAPHQL_MAX_COST',
    default: 5_000_000,
    min: 1,
    max: 1_000_000_000,
    name: 'cost',
  },
  maxVariableDepth: {
    env: 'GRAPHQL_MAX_VARIABLE_DEPTH',
    default: 32,
    min: 1,
    max: 10_000,
    name: 'variableDepth',
  },
  maxNesting: { env: 'GRAPHQL_MAX_NESTING', default: 64, min: 8, max: 500, name: 'nesting' },
};

export const DEFAULT_LIMITS: GraphQLLimits = Object.fromEntries(
  Object.entries(LIMIT_SETTINGS).map(([key, setting]) => [key, setting.default]),
) as unknown as GraphQLLimits;
