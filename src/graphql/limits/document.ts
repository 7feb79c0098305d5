import {
  Kind,
  Lexer,
  Source,
  TokenKind,
  visit,
  type DocumentNode,
  type FragmentDefinitionNode,
  type SelectionSetNode,
  type ValidationRule,
} from 'graphql';
import { LimitExceededError } from './errors';
import type { GraphQLLimits } from './settings';

/**
 * The document's size and nesting, checked on its text before it is parsed: UTF-8 bytes,
 * then tokens (lexed only; comments do not count) and how deeply braces, brackets and
 * parentheses nest. Cheap enough for the HTTP layer to run on every document before
 * authentication.
 */
export function sourceLimitError(
  query: string,
  limits: Pick<GraphQLLimits, 'maxDocumentBytes' | 'maxTokens' | 'maxNesting'>,
): LimitExceededError | undefined {
  const bytes = Buffer.byteLength(query, 'utf8');
  if (bytes > limits.maxDocumentBytes) {
    return new LimitExceededError('maxDocumentBytes', bytes, limits.maxDocumentBytes);
  }
  const { tokens, nesting } = lexicalMeasure(query);
  if (tokens > limits.maxTokens)
    return new LimitExceededError('maxTokens', tokens, limits.maxTokens);
  if (nesting > limits.maxNesting)
    return new LimitExceededError('maxNesting', nesting, limits.maxNesting);
  return undefined;
}

const OPENING = new Set<TokenKind>([TokenKind.BRACE_L, TokenKind.BRACKET_L, TokenKind.PAREN_L]);
const CLOSING = new Set<TokenKind>([TokenKind.BRACE_R, TokenKind.BRACKET_R, TokenKind.PAREN_R]);

/**
 * Tokens as graphql's parser counts them for `maxTokens`, and the deepest nesting of
 * braces, brackets and parentheses; a lexing error ends the count (the parser reports where).
 */
export function lexicalMeasure(query: string): { tokens: number; nesting: number } {
  const lexer = new Lexer(new Source(query));
  let tokens = 0;
  let open = 0;
  let nesting = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      tokens++;
      if (OPENING.has(token.kind)) nesting = Math.max(nesting, ++open);
      else if (CLOSING.has(token.kind)) open--;
    }
  } catch {
    // Not GraphQL: the parser reports where.
  }
  return { tokens, nesting };
}

export interface DocumentMeasure {
  depth: number;
  aliases: number;
  directives: number;
}

const INTROSPECTION_ROOTS = new Set(['__schema', '__type']);

/**
 * Depth (the deepest operation, through fragments; introspection, which the schema
 * bounds and production turns off, not counted), aliases and directive uses. Linear in the
 * document: each fragment's depth is computed once.
 */
export function measureDocument(document: DocumentNode): DocumentMeasure {
  let aliases = 0;
  let directives = 0;
  visit(document, {
    Field(node) {
      if (node.alias) aliases++;
    },
    Directive() {
      directives++;
    },
  });
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION) {
      fragments.set(definition.name.value, definition);
    }
  }
  const fragmentDepth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (set: SelectionSetNode): number => {
    let deepest = 0;
    for (const selection of set.selections) {
      let depth: number;
      if (selection.kind === Kind.FIELD) {
        if (INTROSPECTION_ROOTS.has(selection.name.value)) continue;
        depth = 1 + (selection.selectionSet ? depthOf(selection.selectionSet) : 0);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        depth = depthOf(selection.selectionSet);
      } else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        // Unknown fragments and cycles are validation errors of their own.
        if (!fragment || visiting.has(name)) continue;
        if (!fragmentDepth.has(name)) {
          visiting.add(name);
          fragmentDepth.set(name, depthOf(fragment.selectionSet));
          visiting.delete(name);
        }
        depth = fragmentDepth.get(name)!;
      }
      deepest = Math.max(deepest, depth);
    }
    return deepest;
  };
  let depth = 0;
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) {
      depth = Math.max(depth, depthOf(definition.selectionSet));
    }
  }
  return { depth, aliases, directives };
}

/** The limits a parsed document breaks, before variables are known. */
export function documentLimitErrors(
  document: DocumentNode,
  limits: Pick<GraphQLLimits, 'maxDepth' | 'maxAliases' | 'maxDirectives'>,
): LimitExceededError[] {
  const measure = measureDocument(document);
  const errors: LimitExceededError[] = [];
  if (measure.depth > limits.maxDepth) {
    errors.push(new LimitExceededError('maxDepth', measure.depth, limits.maxDepth));
  }
  if (measure.aliases > limits.maxAliases) {
    errors.push(new LimitExceededError('maxAliases', measure.aliases, limits.maxAliases));
  }
  if (measure.directives > limits.maxDirectives) {
    errors.push(new LimitExceededError('maxDirectives', measure.directives, limits.maxDirectives));
  }
  return errors;
}

/**
 * Depth, aliases and directives as a validation rule: measured once, when validation
 * enters the document. A response with one of these errors carries only these (see
 * plugin.ts), whatever else the other rules found.
 */
export function documentLimitsRule(
  limits: Pick<GraphQLLimits, 'maxDepth' | 'maxAliases' | 'maxDirectives'>,
): ValidationRule {
  return (context) => ({
    Document(node) {
      for (const error of documentLimitErrors(node, limits)) context.reportError(error);
      // This rule has seen what it needs; the other rules go on.
      return false;
    },
  });
}
