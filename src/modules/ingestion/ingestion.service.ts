import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { BadUserInputError } from '../../graphql/errors';
import { maskPersonalNumbers } from '../../logger';
import { untilNoWriteConflict } from '../../db/write-conflict';
import { AuditAction, AuditEvent } from '../audit/audit-event.entity';
import { AuditLog, type AuditActor } from '../audit/audit-log';
import type { SourceSystem } from '../customer/customer.enums';
import type { PiiSealer } from '../customer/pii-sealer';
import type { BusinessClock } from '../../time/clock';
import type { Metrics } from '../../observability/metrics';
import { orderBranchRecords } from '../branch/branch-order';
import { BranchService, type BranchChangeContext } from '../branch/branch.service';
import { ingestBranch } from './branch.ingester';
import { ingestClaim, queueClaimHolders } from './claim.ingester';
import { parentsFirst } from './parents-first';
import { CustomerBatch, openBranches, UNKNOWN_BRANCH, type BatchOutcome } from './customer-batch';
import { prepareCustomerRecord, type PreparedCustomer } from './customer-records';
import { normalizeRecord, unread } from './field-rules';
import { lockKeys } from './key-locks';
import { claimShares, policyShares } from './shared-rows';
import { DEFAULT_MATCH_SETTINGS, type MatchSettings } from '../matching/settings';
import { REFERRING_ROWS, settleReferences } from '../stewardship/merge';
import type {
  BranchRecordInput,
  ClaimRecordInput,
  CustomerRecordInput,
  PolicyRecordInput,
  RiskScoreRecordInput,
} from './ingestion.input';
import {
  RecordStatus,
  type IngestedRecord,
  type IngestionResult,
  type RecordError,
  type RecordOutcome,
} from './ingestion.type';
import { databaseRejection, RecordRejected, reject } from './record-errors';
import { ingestPolicy } from './policy.ingester';
import { ingestRiskScore } from './risk-score.ingester';

export const MAX_BATCH = 1000;

type IngestOne<R> = (em: EntityManager, record: R) => Promise<IngestedRecord>;

/** Records checked between two turns of the event loop (see customers()). */
const YIELD_EVERY = 10;

/** The input type of each kind of record, whose field rules every record meets first. */
const RECORD_TYPES = {
  customer: 'CustomerRecordInput',
  policy: 'PolicyRecordInput',
  claim: 'ClaimRecordInput',
  risk_score: 'RiskScoreRecordInput',
  branch: 'BranchRecordInput',
} as const;

/**
 * Batched upserts from source systems: a rejected record leaves nothing behind and does not
 * stop the others, and an accepted one is written whole. Customer records are matched and
 * written set-based (CustomerBatch); the others run one by one, each in its own savepoint
 * inside the batch's transaction.
 */
export class IngestionService {
  constructor(
    private readonly em: EntityManager,
    private readonly sealer: PiiSealer,
    private readonly clock: BusinessClock,
    private readonly metrics?: Metrics,
    /** The one source system the caller may send records of (an API key's); any when unset. */
    private readonly sourceSystem?: SourceSystem,
    private readonly matching: MatchSettings = DEFAULT_MATCH_SETTINGS,
  ) {}

  private readonly audit = new AuditLog(this.clock);

  /**
   * Customer records, set-based: every record is checked on its own, then the batch is
   * matched and written in a fixed number of statements (CustomerBatch).
   */
  async customers(actor: AuditActor, records: CustomerRecordInput[]): Promise<IngestionResult> {
    checkBatchSize(records);
    const outcomes: RecordOutcome[] = [];
    const prepared: PreparedCustomer[] = [];
    // The accepted record of each key; a later one with its content is a retry, answered as
    // that record is (UNCHANGED once written), and one with other content is refused.
    const keys = new Map<string, PreparedCustomer>();
    const repeats: { index: number; of: number }[] = [];
    const normalized = records.map((r) => normalizeRecord(RECORD_TYPES.customer, r, this.clock));
    // Of well-formed records only: a branch code with a NUL cannot even be looked up.
    const branches = await openBranches(
      this.em,
      normalized
        .filter((n) => n.errors.length === 0)
        .map((n) => n.record.branchCode?.trim())
        .filter((code) => code),
    );
    for (const [index, { record, errors }] of normalized.entries()) {
      // Checking and sealing a record takes about 0.25 ms: a batch of 1,000 would hold the
      // event loop for a quarter of a second, stalling the batch whose statements are in
      // flight, and so the database, where the two could overlap.
      if (index % YIELD_EVERY === YIELD_EVERY - 1) await yieldToEventLoop();
      // A record that breaks a field rule is reported with those problems only: the other
      // checks would report the same field again (a blank name, an ID of 40 characters).
      const wellFormed = errors.length === 0;
      const key = `${record.sourceSystem}:${record.sourceKey}`;
      const own = this.sourceSystem;
      if (own && record.sourceSystem !== own) {
        errors.push({
          field: 'sourceSystem',
          rule: 'SOURCE_SYSTEM_MISMATCH',
          message: `this API key sends ${own} records only, got ${record.sourceSystem}`,
        });
      }
      const checked = wellFormed
        ? prepareCustomerRecord(
            this.sealer,
            record,
            index,
            branches.get(record.branchCode?.trim()) ?? { error: UNKNOWN_BRANCH },
            this.clock.today(),
          )
        : [];
      const first = keys.get(key);
      if (!errors.length && !Array.isArray(checked) && first) {
        if (first.contentHash === checked.contentHash) {
          repeats.push({ index, of: first.index });
          continue;
        }
        errors.push({
          field: 'sourceKey',
          rule: 'DUPLICATE_KEY',
          message: 'an earlier record of this batch has the same source system and key',
        });
      }
      if (errors.length || Array.isArray(checked)) {
        const all = [...errors, ...(Array.isArray(checked) ? checked : [])];
        // A key refused for holding a mobile, an ID number or an e-mail is not sent back
        // (nor audited): the source's integration logs keep responses. `index` names it.
        // Nor is one too long to be read for them.
        const shown = all.some((e) => e.rule === 'PERSONAL_KEY')
          ? `${record.sourceSystem}:[personal]`
          : unread(record.sourceKey)
            ? `${record.sourceSystem}:[too long]`
            : key;
        outcomes.push({
          index,
          key: shown,
          status: RecordStatus.REJECTED,
          errors: all,
          warnings: [],
        });
      } else {
        keys.set(key, checked);
        prepared.push(checked);
      }
    }
    const written = await untilNoWriteConflict(() =>
      this.em.transactional(async (em) => {
        const results = await this.writeCustomers(em, actor, prepared);
        const batchOutcomes = prepared.map((r): RecordOutcome => {
          const result = results.get(r.index)!;
          const key = `${r.sourceSystem}:${r.sourceKey}`;
          return 'errors' in result
            ? { index: r.index, key, status: result.status, errors: result.errors, warnings: [] }
            : {
                index: r.index,
                key,
                status: result.status,
                id: result.id,
                errors: [],
                warnings: result.warnings,
              };
        });
        const answered = new Map(batchOutcomes.map((o) => [o.index, o]));
        const retried = repeats.map(({ index, of }): RecordOutcome => {
          const outcome = answered.get(of)!;
          const status =
            outcome.status === RecordStatus.REJECTED ? outcome.status : RecordStatus.UNCHANGED;
          return { ...outcome, index, status };
        });
        em.create(
          AuditEvent,
          this.audit.entity(
            actor,
            batchAudit('customer', [...outcomes, ...batchOutcomes, ...retried]),
          ),
        );
        return [...batchOutcomes, ...retried];
      }),
    );
    return this.result('customer', [...outcomes, ...written]);
  }

  policies(actor: AuditActor, records: PolicyRecordInput[]): Promise<IngestionResult> {
    return this.batch(
      actor,
      records,
      ['policyNo'],
      this.ownSystemOnly((em, r) => ingestPolicy(em, this.clock, r)),
      'policy',
      {
        // A renewal after the policy it renews, whatever order a source lists a year's
        // history in (sorted by number, say).
        plan: (all) => {
          const first = new Map<string, number>();
          all.forEach((r, i) => {
            if (!first.has(r.policyNo)) first.set(r.policyNo, i);
          });
          const renewed = (i: number) =>
            all[i]!.renewsPolicyNo ? first.get(all[i]!.renewsPolicyNo!) : undefined;
          const { order, cycles } = parentsFirst(all.length, renewed);
          // Policies of the batch renewing each other: neither can be written first, and each
          // was refused as renewing a policy not known. (One renewing itself is the policy's
          // own rule.) The loop is not listed: a loop of 1,000 listed in each record answers a
          // million names.
          const problems = new Map<number, RecordError>();
          for (const cycle of cycles.filter((c) => c.length > 1)) {
            for (const i of cycle) {
              problems.set(i, {
                field: 'renewsPolicyNo',
                rule: 'RENEWAL_ORDER',
                message: maskPersonalNumbers(
                  `renews ${all[i]!.renewsPolicyNo}, which this batch has renewing this policy in turn: ` +
                    'renewals run forward in time',
                ),
              });
            }
          }
          return { order, problems };
        },
        // A renewal is checked against the policy it renews (holder, line, car), and that
        // policy's changes against its renewal: a batch changing one waits for a batch
        // writing the other, or both would pass, each checked against what the other had not
        // yet committed.
        reads: (r) => (r.renewsPolicyNo ? [r.renewsPolicyNo] : []),
        naming: 'renewsPolicyNo',
        shares: policyShares,
      },
    );
  }

  async claims(actor: AuditActor, records: ClaimRecordInput[]): Promise<IngestionResult> {
    // The policies the claims moved off, in any attempt and of records rejected after the
    // move was read: queueing a holder too many is harmless.
    const left = new Set<string>();
    const result = await this.batch(
      actor,
      records,
      ['claimNo'],
      this.ownSystemOnly((em, r) => ingestClaim(em, this.clock, r, left)),
      'claim',
      { shares: claimShares },
    );
    await untilNoWriteConflict(() =>
      queueClaimHolders(this.em, 'claim', accepted(result), [...left]),
    );
    return result;
  }

  async riskScores(actor: AuditActor, records: RiskScoreRecordInput[]): Promise<IngestionResult> {
    const result = await this.batch(
      actor,
      records,
      ['sourceSystem', 'sourceKey'],
      this.ownSystemOnly(ingestRiskScore),
      'risk_score',
    );
    await untilNoWriteConflict(() => queueClaimHolders(this.em, 'risk_score', accepted(result)));
    return result;
  }

  /**
   * The organisation tree, by code. Parents are written before their children whatever
   * order the batch lists them in; outcomes come back in the batch's order.
   */
  async branches(
    actor: AuditActor,
    records: BranchRecordInput[],
    change: BranchChangeContext,
  ): Promise<IngestionResult> {
    const branches = new BranchService(this.em, this.clock);
    return this.batch(
      actor,
      records,
      ['code'],
      (em, r) => ingestBranch(em, branches, change, r),
      'branch',
      { plan: orderBranchRecords, naming: 'parentCode' },
    );
  }

  /**
   * Writes the records in a savepoint. A rule only the database knows (a constraint, a
   * trigger) fails a whole statement, not a record: the batch is then halved until the
   * records it refuses stand alone, rejected with the rule's name, and the rest are written.
   */
  private async writeCustomers(
    em: EntityManager,
    actor: AuditActor,
    records: PreparedCustomer[],
  ): Promise<Map<number, BatchOutcome>> {
    try {
      return await em.transactional((savepoint) =>
        new CustomerBatch(
          savepoint,
          this.sealer,
          this.clock,
          this.matching,
          actor,
          this.metrics,
        ).write(records),
      );
    } catch (error) {
      const errors = databaseRejection(error);
      if (!errors) throw error;
      if (records.length === 1) {
        return new Map([[records[0].index, { status: RecordStatus.REJECTED, errors }]]);
      }
      const half = Math.ceil(records.length / 2);
      return new Map([
        ...(await this.writeCustomers(em, actor, records.slice(0, half))),
        ...(await this.writeCustomers(em, actor, records.slice(half))),
      ]);
    }
  }

  private result(kind: keyof typeof RECORD_TYPES, outcomes: RecordOutcome[]): IngestionResult {
    outcomes.sort((a, b) => a.index - b.index);
    for (const outcome of outcomes) {
      this.metrics?.ingestedRecords.inc({ kind, outcome: outcome.status });
      outcome.key = printable(outcome.key);
    }
    const rejected = outcomes.filter((o) => o.status === RecordStatus.REJECTED).length;
    return { accepted: outcomes.length - rejected, rejected, records: outcomes };
  }

  /** A caller bound to a source system sends that system's records, each checked alone. */
  private ownSystemOnly<R extends { sourceSystem: SourceSystem }>(
    ingestOne: IngestOne<R>,
  ): IngestOne<R> {
    const own = this.sourceSystem;
    if (!own) return ingestOne;
    return (em, record) => {
      if (record.sourceSystem !== own) {
        reject(
          'sourceSystem',
          'SOURCE_SYSTEM_MISMATCH',
          `this API key sends ${own} records only, got ${record.sourceSystem}`,
        );
      }
      return ingestOne(em, record);
    };
  }

  private async batch<R extends object>(
    actor: AuditActor,
    records: R[],
    /** The fields that identify a record, the last one named when two records share them. */
    keyFields: readonly (keyof R & string)[],
    ingestOne: IngestOne<R>,
    /** What is ingested: its input type, and its metrics label. */
    kind: keyof typeof RECORD_TYPES,
    {
      plan = (all) => ({ order: [...all.keys()], problems: new Map() }),
      reads = () => [],
      naming,
      shares,
    }: {
      /**
       * The order to write the records in, and those refused whatever the database holds;
       * outcomes come back in the batch's order.
       */
      plan?: (records: R[]) => { order: number[]; problems: Map<number, RecordError> };
      /** The keys of other records of this kind that a record's checks read. */
      reads?: (record: R) => string[];
      /** The field by which a record names another of this kind (its parent, what it renews). */
      naming?: keyof R & string;
      /** The rows other kinds of batch write too that these records write (shared-rows.ts). */
      shares?: (em: EntityManager, records: R[]) => Promise<string[]>;
    } = {},
  ): Promise<IngestionResult> {
    checkBatchSize(records);
    const keyOf = (record: R) => keyFields.map((field) => String(record[field])).join(':');
    const keyField = keyFields[keyFields.length - 1]!;
    const normalized = records.map((record) =>
      normalizeRecord(RECORD_TYPES[kind], record, this.clock),
    );
    const { order, problems } = plan(normalized.map((n) => n.record));
    const writable = order.filter((i) => !normalized[i]!.errors.length && !problems.has(i));
    const write = () =>
      this.em.transactional(async (batch) => {
        await lockKeys(
          batch,
          writable.flatMap((i) =>
            [keyOf(normalized[i]!.record), ...reads(normalized[i]!.record)].map(
              (key) => `${kind}:${key}`,
            ),
          ),
          shares && writable.length
            ? await shares(
                batch,
                writable.map((i) => normalized[i]!.record),
              )
            : [],
        );
        const outcomes: RecordOutcome[] = [];
        // Keys a record of this batch has written: a later record under one is a retry when
        // its ingester finds nothing to change, and is refused otherwise, as customers' are
        // (which of two contents would be the record?). A rejected record holds no key.
        const written = new Set<string>();
        // Where a record of this batch under a key was rejected: a record naming that key and
        // then refused as naming nothing known is told why it is unknown.
        const rejectedAt = new Map<string, number>();
        const told = (record: R, errors: RecordError[]): RecordError[] => {
          const named = naming && record[naming];
          const at = typeof named === 'string' ? rejectedAt.get(named) : undefined;
          if (at === undefined) return errors;
          return errors.map((e) =>
            e.field === naming && e.rule.startsWith('UNKNOWN_')
              ? { ...e, message: `${e.message}: record ${at} of this batch, with it, was rejected` }
              : e,
          );
        };
        for (const index of order) {
          const { record, errors: broken } = normalized[index]!;
          const key = keyOf(record);
          try {
            const problem = problems.get(index);
            if (broken.length || problem)
              throw new RecordRejected([...broken, ...(problem ? [problem] : [])]);
            const result = await alone(batch, async (em) => {
              const one = await ingestOne(em, record);
              if (written.has(key) && one.status !== RecordStatus.UNCHANGED) {
                reject(
                  keyField,
                  'DUPLICATE_KEY',
                  'an earlier record of this batch has the same key',
                );
              }
              return one;
            });
            written.add(key);
            outcomes.push({ index, key, ...result, errors: [], warnings: result.warnings ?? [] });
          } catch (error) {
            const errors =
              error instanceof RecordRejected ? error.errors : databaseRejection(error);
            if (!errors) throw error;
            if (!rejectedAt.has(key)) rejectedAt.set(key, index);
            outcomes.push({
              index,
              key,
              status: RecordStatus.REJECTED,
              errors: told(record, errors),
              warnings: [],
            });
          }
        }
        batch.create(AuditEvent, this.audit.entity(actor, batchAudit(kind, outcomes)));
        return outcomes;
      });
    const outcomes = await untilNoWriteConflict(write);
    if (kind in REFERRING_ROWS) {
      // Resends too: a row a race left behind before this was settled is put right.
      const accepted = outcomes.flatMap((o) =>
        o.status !== RecordStatus.REJECTED && o.id ? [o.id] : [],
      );
      await this.em.transactional((em) =>
        settleReferences(
          em,
          kind as keyof typeof REFERRING_ROWS,
          accepted,
          this.clock.now().toISOString(),
        ),
      );
    }
    return this.result(kind, outcomes);
  }
}

/**
 * Runs one record in a savepoint of the batch's transaction, with an identity map of its
 * own: a record that changes an entity and is then rejected takes the change with it, where
 * a shared map would hand it to the next record's flush. A unique key that another batch
 * inserted at the same time (its insert made ours wait, then win) is there to read once that
 * batch committed: the record runs once more, and updates the row or finds it unchanged.
 */
async function alone<T>(batch: EntityManager, run: (em: EntityManager) => Promise<T>): Promise<T> {
  const once = () => batch.fork({ keepTransactionContext: true }).transactional(run);
  try {
    return await once();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) return once();
    throw error;
  }
}

function checkBatchSize(records: unknown[]): void {
  if (records.length > MAX_BATCH) {
    throw new BadUserInputError(
      `a batch holds at most ${MAX_BATCH} records, got ${records.length}`,
      {
        field: 'records',
        rule: 'BATCH_SIZE',
      },
    );
  }
}

/**
 * A key as an outcome sends it back: a control character, a noncharacter or a lone
 * surrogate that got a record refused is written out (`K-\u0000`), as the error names it.
 * Sent as it came, it made the response one that strict JSON parsers and PostgreSQL's
 * jsonb refuse, and a source's log of responses lost the batch's outcomes with it.
 */
const printable = (key: string) =>
  key.replace(
    /[\p{Cc}\p{Cs}\p{Noncharacter_Code_Point}\u2028\u2029]/gu,
    (c) => `\\u${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`,
  );

/** The audit entry of a batch: what was sent, and how many records came out how. */
function batchAudit(kind: string, outcomes: RecordOutcome[]) {
  return {
    action: AuditAction.INGESTION_BATCH,
    target: { type: kind },
    details: { records: outcomes.length, ...countBy(outcomes, (o) => o.status) },
  };
}

/**
 * The rows a batch holds: resends too, so that a batch answered with an error after it
 * committed (its holders not queued) has them queued when its source sends it again; not
 * the holders of a policy a claim left, which a resend no longer names.
 */
const accepted = (result: IngestionResult) =>
  result.records.flatMap((r) => (r.status !== RecordStatus.REJECTED && r.id ? [r.id] : []));

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}
