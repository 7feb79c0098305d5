import './enums';
import { GraphQLObjectType, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import { buildSchema, getMetadataStorage } from 'type-graphql';
import { RoleAuthChecker } from '../auth/auth-checker';
import { BranchResolver } from '../modules/branch/branch.resolver';
import { CustomerResolver } from '../modules/customer/customer.resolver';
import { IngestionResolver } from '../modules/ingestion/ingestion.resolver';
import { MarketingResolver } from '../modules/marketing/marketing.resolver';
import { VehicleResolver } from '../modules/vehicle/vehicle.resolver';
import { EligibilityResolver } from '../modules/entitlement/eligibility.resolver';
import { RuleSetVersionResolver } from '../modules/tier/rule-set-version.resolver';
import { AuditResolver } from '../modules/audit/audit.resolver';
import { RevealResolver } from '../modules/customer/reveal.resolver';
import { TrustedDocumentResolver } from '../modules/trusted-document/trusted-document.resolver';
import { StewardshipResolver } from '../modules/stewardship/stewardship.resolver';
import { readTypeSpecs } from '../read/read-model';
import { compiledValue } from './compiled';
import { connectionTypeNames } from './connection';
import { relationArgumentResolvers } from './relation-arguments';

export const RESOLVERS = [
  BranchResolver,
  CustomerResolver,
  VehicleResolver,
  MarketingResolver,
  IngestionResolver,
  RuleSetVersionResolver,
  EligibilityResolver,
  AuditResolver,
  RevealResolver,
  TrustedDocumentResolver,
  StewardshipResolver,
] as const;

/** The schema the code declares; `schema/schema.graphql` is this, printed. */
export async function buildAppSchema(): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: [...RESOLVERS, ...relationArgumentResolvers()],
    authChecker: RoleAuthChecker,
    validate: false,
  });
  resolveCompiledFields(schema);
  return schema;
}

/**
 * Values of read types arrive keyed by response key from the read compiler: every field of
 * theirs reads that key instead of the field name, with a plain resolver in place of
 * type-graphql's, which would run its middleware for each value (no field of a read type
 * has any: access is the compiler's). type-graphql only declared relation fields'
 * arguments (relation-arguments.ts).
 */
function resolveCompiledFields(schema: GraphQLSchema): void {
  const readNames = new Set<string>(connectionTypeNames);
  const targets = new Set(readTypeSpecs().keys());
  for (const type of getMetadataStorage().objectTypes) {
    if (targets.has(type.target)) readNames.add(type.name);
  }
  const resolve: GraphQLFieldResolver<unknown, unknown> = (source, _args, _context, info) =>
    compiledValue(source, info);
  for (const name of readNames) {
    const type = schema.getType(name);
    if (!(type instanceof GraphQLObjectType)) continue;
    for (const field of Object.values(type.getFields())) field.resolve = resolve;
  }
}
