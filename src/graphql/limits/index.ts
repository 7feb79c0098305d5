export { LIST_FACTOR, operationCost } from './cost';
export { documentLimitErrors, documentLimitsRule, sourceLimitError } from './document';
export * from './errors';
export { inputProblem, textProblem, valueProblem, type InputProblem } from './input';
export { limitsPlugin } from './plugin';
export { DEFAULT_LIMITS, LIMIT_SETTINGS, type GraphQLLimits, type LimitSetting } from './settings';
