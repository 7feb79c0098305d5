import type { EntityManager } from '@mikro-orm/postgresql';
import type { Caller } from '../auth/roles';
import { callerFromHeader } from '../auth/tokens';
import type { Logger } from '../logger';
import { CustomerLookupService } from '../modules/customer/customer-lookup.service';
import type { PiiHasher } from '../modules/customer/pii-hasher';
import { IngestionService } from '../modules/ingestion/ingestion.service';
import { MarketingService } from '../modules/marketing/marketing.service';
import { ReadSession, type ReadExecutor } from '../read/read-session';

/** What lives for the whole process and every request shares. */
export interface AppServices {
  em: EntityManager;
  reads: ReadExecutor;
  hasher: PiiHasher;
  jwtSecret: string;
  logger: Logger;
}

/** One per request; the tests build theirs the same way. */
export interface RequestContext {
  requestId: string;
  caller: Caller;
  read: ReadSession;
  services: {
    customerLookup: CustomerLookupService;
    marketing: MarketingService;
    ingestion: IngestionService;
  };
}

export function createContext(
  app: AppServices,
  request: { authorization?: string; requestId: string },
): RequestContext {
  const caller = callerFromHeader(app.jwtSecret, request.authorization);
  return {
    requestId: request.requestId,
    caller,
    read: new ReadSession(app.reads, caller),
    services: {
      customerLookup: new CustomerLookupService(app.hasher),
      marketing: new MarketingService(),
      // Writes get their own identity map: a shared one could show one request's
      // customer to another.
      ingestion: new IngestionService(app.em.fork(), app.hasher),
    },
  };
}
