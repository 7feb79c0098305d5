import { defineConfig, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import { SeedManager } from '@mikro-orm/seeder';
import path from 'node:path';
import { DEFAULT_BUSINESS_TIME_ZONE, sessionOptions } from '../time/clock';
import type { DbLimits } from './pg';
import { Branch } from '../modules/branch/branch.entity';
import { BranchHistory } from '../modules/branch/branch-history.entity';
import { Claim } from '../modules/claim/claim.entity';
import { ContactPoint } from '../modules/customer/contact-point.entity';
import { Customer } from '../modules/customer/customer.entity';
import { IdentityDocument } from '../modules/customer/identity-document.entity';
import { SourceRecord } from '../modules/customer/source-record.entity';
import { PolicyParty } from '../modules/policy/policy-party.entity';
import { Policy } from '../modules/policy/policy.entity';
import { RiskScore } from '../modules/risk/risk-score.entity';
import { Vehicle } from '../modules/vehicle/vehicle.entity';
import { EligibilityDecision } from '../modules/entitlement/eligibility-decision.entity';
import { RuleSetVersion } from '../modules/tier/rule-set-version.entity';
import { TierRecomputeQueue } from '../modules/tier/recompute-queue.entity';
import { RuleSetActivation } from '../modules/tier/rule-set-activation.entity';
import { TierAssignment } from '../modules/tier/tier-assignment.entity';
import { AuditEvent } from '../modules/audit/audit-event.entity';
import { ApiKey } from '../modules/api-key/api-key.entity';
import { TrustedDocument } from '../modules/trusted-document/trusted-document.entity';
import { SourceIdentifier } from '../modules/golden/source-identifier.entity';
import { MatchReview } from '../modules/golden/match-review.entity';
import { MatchDecision } from '../modules/golden/match-decision.entity';
import { CustomerMerge } from '../modules/golden/customer-merge.entity';
import { NameCount } from '../modules/golden/name-count.entity';
import { SegmentCount } from '../modules/marketing/segment-count.entity';

export const ENTITIES = [
  Branch,
  BranchHistory,
  Customer,
  IdentityDocument,
  ContactPoint,
  SourceRecord,
  Vehicle,
  Policy,
  PolicyParty,
  Claim,
  RiskScore,
  RuleSetVersion,
  TierAssignment,
  TierRecomputeQueue,
  RuleSetActivation,
  EligibilityDecision,
  AuditEvent,
  ApiKey,
  TrustedDocument,
  SourceIdentifier,
  MatchReview,
  MatchDecision,
  CustomerMerge,
  NameCount,
  SegmentCount,
];

// migrations/ beside src/: the repository's TypeScript sources under ts-node and the tests,
// dist/migrations in the compiled build (tsconfig.build.json keeps the layout under dist/).
const MIGRATIONS = path.resolve(__dirname, '../../migrations');

/** The one ORM configuration: the app, the CLI scripts and the tests all build on it. */
export function ormOptions(
  clientUrl: string,
  poolSize = 10,
  zone = DEFAULT_BUSINESS_TIME_ZONE,
  limits: DbLimits = {},
  /**
   * Where MikroORM's own lines go (the migrator's "Applied ..."), and its query builder's
   * warnings (a connection that ended): the hub's log, uncoloured, one JSON object a line.
   */
  log?: { info(message: string): void; warn(message: string): void },
): Options {
  return defineConfig({
    clientUrl,
    // Uncoloured for the commands too: their output is as often a file or a CI log.
    colors: false,
    ...(log ? { logger: (message: string) => log.info(message) } : {}),
    // Sessions count days in the business zone, like the read pool's (src/db/pg.ts).
    driverOptions: {
      ...(log
        ? {
            log: {
              warn: (message: string) => log.warn(message),
              error: (message: string) => log.warn(message),
              deprecate: (message: string) => log.warn(message),
              debug: () => undefined,
            },
          }
        : {}),
      connection: {
        options: sessionOptions(zone, limits.statementTimeoutMs),
        application_name: limits.applicationName,
        ...(limits.queryTimeoutMs ? { query_timeout: limits.queryTimeoutMs } : {}),
      },
    },
    entities: ENTITIES,
    // Under @swc/jest and ts-node MikroORM cannot tell it runs TypeScript and would look
    // for compiled migrations in dist/, find none, and say nothing.
    preferTs: __filename.endsWith('.ts'),
    pool: {
      min: 0,
      max: poolSize,
      ...(limits.poolWaitMs ? { acquireTimeoutMillis: limits.poolWaitMs } : {}),
    },
    extensions: [Migrator, SeedManager],
    migrations: {
      path: MIGRATIONS,
      pathTs: MIGRATIONS,
      // No snapshot file: migration:create diffs the entities against a scratch database
      // migrated from scratch, and a snapshot would be rewritten (nondeterministically)
      // by every run that applies migrations.
      snapshot: false,
      transactional: true,
      allOrNothing: true,
      emit: 'ts',
    },
    forceUtcTimezone: true,
    // A missing database is a wrong DATABASE_URL (a typo in its name), to be said at start;
    // created, it would serve a hub that looks healthy and holds nothing.
    ensureDatabase: false,
    allowGlobalContext: false,
    debug: false,
  });
}
