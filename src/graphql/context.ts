import type { EntityManager } from '@mikro-orm/postgresql';
import type { Pool } from 'pg';
import type { Caller } from '../auth/roles';
import type { Authenticator } from '../auth/authenticator';
import type { BranchDirectory } from '../modules/branch/branch-directory';
import type { Logger } from '../logger';
import type { Metrics } from '../observability/metrics';
import type { MatchSettings } from '../modules/matching/settings';
import type { BusinessClock } from '../time/clock';
import { BranchService } from '../modules/branch/branch.service';
import { CustomerLookupService } from '../modules/customer/customer-lookup.service';
import type { PiiCipher } from '../modules/customer/pii-cipher';
import type { PiiHasher } from '../modules/customer/pii-hasher';
import { PiiSealer } from '../modules/customer/pii-sealer';
import { IngestionService } from '../modules/ingestion/ingestion.service';
import { MarketingService } from '../modules/marketing/marketing.service';
import { EligibilityService } from '../modules/entitlement/eligibility.service';
import { RevealService } from '../modules/customer/reveal.service';
import { StewardshipService } from '../modules/stewardship/stewardship.service';
import { RuleSetVersionService } from '../modules/tier/rule-set-version.service';
import type { ActiveRuleSets } from '../modules/tier/active-rule-sets';
import type { TierService } from '../modules/tier/tier.service';
import type { RuleSetActivations } from '../modules/tier/rule-set-activation.service';
import { ReadSession, type ReadExecutor } from '../read/read-session';
import { actorOf, AuditLog, type AuditEntry } from '../modules/audit/audit-log';
import type { TrustedDocuments } from '../modules/trusted-document/trusted-documents';
import type { RawJsonParts } from './raw-json';
import type { CallerRateLimit } from '../http/rate-limit';

/** What lives for the whole process and every request shares. */
export interface AppServices {
  clock: BusinessClock;
  em: EntityManager;
  pool: Pool;
  reads: ReadExecutor;
  ruleSets: ActiveRuleSets;
  tiers: TierService;
  activations: RuleSetActivations;
  hasher: PiiHasher;
  /** Encrypts and decrypts personal data at rest (identity numbers, contact values). */
  cipher: PiiCipher;
  /** Who is calling: a verified token or API key, and the caller's branch. */
  authenticator: Authenticator;
  /** Branches by code, kept a while: every request names some. */
  branches: BranchDirectory;
  /** The budget of lookups by an identity number or a mobile (PERSONAL_LOOKUPS_PER_MINUTE). */
  personalLookups: CallerRateLimit;
  logger: Logger;
  metrics: Metrics;
  /** Registered documents, and the roles that may run nothing else. */
  trustedDocuments: TrustedDocuments;
  /** When source records are one customer. */
  matching: MatchSettings;
}

/** One per request; the tests build theirs the same way. */
export interface RequestContext {
  requestId: string;
  caller: Caller;
  /** What the request log and the metrics record of this request (see observability/). */
  observed: { operation?: string; errorCodes: string[] };
  read: ReadSession;
  /**
   * Where the executor leaves the JSON text of compiled reads for the response body; set by
   * the HTTP layer, which splices it in (src/graphql/raw-json.ts).
   */
  rawJson?: RawJsonParts;
  /** Records an audit entry as this request's caller, on its own connection. */
  audit(entry: AuditEntry): Promise<void>;
  /** Says the organisation tree changed: callers' branches are read again. */
  treeChanged(): void;
  services: {
    branches: BranchService;
    customerLookup: CustomerLookupService;
    marketing: MarketingService;
    ingestion: IngestionService;
    ruleSetVersions: RuleSetVersionService;
    eligibility: EligibilityService;
    reveal: RevealService;
    trustedDocuments: TrustedDocuments;
    stewardship: StewardshipService;
  };
}

export async function createContext(
  app: AppServices,
  request: { authorization?: string; requestId: string },
): Promise<RequestContext> {
  const caller = await app.authenticator.caller(request.authorization);
  // Writes get their own identity map: a shared one could show one request's customer
  // to another. Forked, like each service, only when the request needs it: most reads
  // need none, and building them all cost as much as authenticating.
  let forked: EntityManager | undefined;
  const em = () => (forked ??= app.em.fork());
  const read = new ReadSession(app.reads, caller, { ruleSets: app.ruleSets, clock: app.clock });
  const audit = (entry: AuditEntry) =>
    new AuditLog(app.clock).record(app.pool, actorOf(caller, request.requestId), entry);
  return {
    requestId: request.requestId,
    caller,
    observed: { errorCodes: [] },
    read,
    audit,
    treeChanged: () => app.branches.forget(),
    services: lazily<RequestContext['services']>({
      branches: () => new BranchService(em(), app.clock),
      customerLookup: () =>
        new CustomerLookupService(app.hasher, { caller, read, audit, budget: app.personalLookups }),
      marketing: () => new MarketingService(app.ruleSets, app.clock, app.branches),
      ingestion: () =>
        new IngestionService(
          em(),
          new PiiSealer(app.hasher, app.cipher),
          app.clock,
          app.metrics,
          caller.sourceSystem,
          app.matching,
        ),
      ruleSetVersions: () =>
        new RuleSetVersionService(em(), app.tiers, app.ruleSets, app.activations),
      eligibility: () => new EligibilityService(em(), app.pool, app.ruleSets, app.clock),
      reveal: () => new RevealService(em(), app.cipher, app.clock),
      trustedDocuments: () => app.trustedDocuments,
      stewardship: () =>
        new StewardshipService(
          em(),
          app.clock,
          app.matching,
          new PiiSealer(app.hasher, app.cipher),
        ),
    }),
  };
}

/** An object whose properties are built by `make`, each on its first read. */
function lazily<T extends object>(make: { [K in keyof T]: () => T[K] }): T {
  const built = {} as T;
  for (const key of Object.keys(make) as (keyof T)[]) {
    Object.defineProperty(built, key, {
      enumerable: true,
      get() {
        const value = make[key]();
        Object.defineProperty(built, key, { value, enumerable: true });
        return value;
      },
      configurable: true,
    });
  }
  return built;
}
