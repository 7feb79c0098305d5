import './enums';
import { GraphQLObjectType, type GraphQLSchema } from 'graphql';
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
import { withInheritedFields } from '../read/compiler';
import { readTypeSpecs } from '../read/read-model';
import { relationValue, wrapperValue } from './compiled';
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
 * Values of read types arrive from the read compiler keyed for the executor (`graphql` keys,
 * src/read/compiler.ts): a leaf field by its name, read inline by graphql-jit with no
 * resolver; a relation by its response key, which a plain resolver reads. The wrappers of
 * connections are keyed by response key throughout. These replace type-graphql's resolvers,
 * which would run its middleware for each value (no field of a read type has any: access
 * is the compiler's); type-graphql only declared relation arguments (relation-arguments.ts).
 */
function resolveCompiledFields(schema: GraphQLSchema): void {
  const specs = readTypeSpecs();
  for (const type of getMetadataStorage().objectTypes) {
    const own = specs.get(type.target);
    const graphql = schema.getType(type.name);
    if (!own || !(graphql instanceof GraphQLObjectType)) continue;
    const spec = withInheritedFields(own);
    for (const field of Object.values(graphql.getFields())) {
      const kind = spec.fields.get(field.name)?.kind;
      field.resolve = kind === 'column' || kind === 'expression' ? undefined : relationValue;
    }
  }
  for (const name of connectionTypeNames) {
    const graphql = schema.getType(name);
    if (!(graphql instanceof GraphQLObjectType)) continue;
    for (const field of Object.values(graphql.getFields())) field.resolve = wrapperValue;
  }
}
