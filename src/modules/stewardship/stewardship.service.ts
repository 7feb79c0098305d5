import type { EntityManager } from '@mikro-orm/postgresql';
import {
  BadUserInputError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  validOrThrow,
} from '../../graphql/errors';
import { untilNoWriteConflict } from '../../db/write-conflict';
import type { ReadSession } from '../../read/read-session';
import type { BusinessClock } from '../../time/clock';
import { checkUuid } from '../../validation';
import { AuditAction, AuditEvent } from '../audit/audit-event.entity';
import { AuditLog, type AuditActor, type AuditEntry } from '../audit/audit-log';
import { currentCustomers } from '../customer/current-customers';
import { MATCHING_SPACE } from '../matching/matching-space';
import { CustomerView } from '../customer/customer.type';
import { MergeKind } from '../golden/customer-merge.entity';
import { MatchVerdict } from '../golden/match-decision.entity';
import { ReviewStatus } from '../golden/match-review.entity';
import { apartPairs, recordApart, recordDecisions } from './decisions';
import { freeText } from '../ingestion/field-rules';
import { mergeCustomers, unmergeCustomers, type MergeOptions } from './merge';
import { CustomerMergeView, MatchReviewView } from './stewardship.type';
import { SourceRecordView } from '../customer/source-record.type';
import { firstReceived } from '../customer/source-record.entity';
import type { PiiSealer } from '../customer/pii-sealer';
import { CustomerBatch } from '../ingestion/customer-batch';
import type { MatchSettings } from '../matching/settings';

/** A steward's reason, kept with the decision and in the audit log for good. */
const reasonOf = (reason: string): string => freeText(reason, 'reason', true)!;

/** How decisions and merges name who took them. */
const byOf = (actor: AuditActor) => `${actor.subject} (${actor.role})`;

interface LockedReview {
  id: string;
  status: ReviewStatus;
  record_a_id: string;
  record_b_id: string;
  score: number;
  rule: string;
  customer_a: string;
  customer_b: string;
}

/**
 * What a split leaves of customer `customerId` without record `recordId`: the records that
 * still hang with the customer's earliest other record of its own stay, and are kept apart
 * from the split one. They hang by the links they joined by (each record's link names the
 * record it joined) and by how matching groups them without the split one (`groups`: each
 * record keeps one link only; those `bound` to it by its identity document are not grouped,
 * and stay only by their links, or when all the others are such). Those that hung on the
 * customer only through it (a record sharing its document, one a steward merge linked to
 * it) are matched again, with it or wherever their own evidence takes them. A record of its
 * own is one the customer did not get by a merge still standing, nor through a record it got
 * so (one that joined it since); the earliest other record may be one a merge brought, and
 * the customer's id must not stay with that person while its own goes. When the split record
 * is the last of the customer's own, its other records are all a standing merge's: those
 * `merges` are what part them.
 */
async function partsWithout(
  em: EntityManager,
  customerId: string,
  recordId: string,
  { groups, bound }: { groups: string[][]; bound: Set<string> },
): Promise<{ stays: string[]; rematched: string[]; merges: string[] }> {
  const records = await em.execute<{ id: string; key: string; with: string | null }[]>(
    `select id, source_system || ':' || source_key as key, link_evidence->>'with' as with
     from source_record sr where customer_id = ?::uuid
     order by ${firstReceived('sr')}`,
    [customerId],
  );
  // Per record a standing merge into the customer journaled, whether it came with the merge
  // (or its survivor held it then), and the merge.
  const journaled = await em.execute<{ id: string; merged: boolean; merge: string }[]>(
    `select distinct on (j.value->>'id') j.value->>'id' as id, m.id as merge,
       coalesce(m.journal->'changed'->'source_record', '[]'::jsonb)
         @> jsonb_build_array(jsonb_build_object('id', j.value->'id')) as merged
     from customer_merge m, jsonb_array_elements(m.journal->'links') j
     where m.survivor_id = ?::uuid and m.unmerged_at is null
       and jsonb_typeof(m.journal->'links') = 'array'
     order by j.value->>'id', merged desc`,
    [customerId],
  );
  const seen = new Map(journaled.map((r) => [r.id, r]));
  const byKey = new Map(records.map((r) => [r.key, r]));
  const broughtBy = (record: (typeof records)[number]): string | undefined => {
    const walked = new Set<string>();
    for (let at: typeof record | undefined = record; at && !walked.has(at.id);) {
      walked.add(at.id);
      const known = seen.get(at.id);
      if (known) return known.merged ? known.merge : undefined;
      at = at.with === null ? undefined : byKey.get(at.with);
    }
    return undefined;
  };
  const split = records.find((r) => r.id === recordId)!;
  const others = records.filter((r) => r.id !== recordId);
  // Not one bearing the split record's identity document, unless all do: a steward may part
  // two holders of one number.
  const own = others.filter((r) => broughtBy(r) === undefined);
  const anchor =
    own.find((r) => !bound.has(r.id)) ??
    own[0] ??
    (broughtBy(split) === undefined ? undefined : others[0]);
  if (others.length && !anchor) {
    return {
      stays: [],
      rematched: [],
      merges: [...new Set(others.map((r) => broughtBy(r)!))],
    };
  }
  const ids = new Map(others.map((r) => [r.key, r.id]));
  const edges = new Map<string, string[]>(others.map((r) => [r.id, []]));
  for (const r of others) {
    const linked = r.with === null ? undefined : ids.get(r.with);
    if (linked === undefined) continue;
    edges.get(r.id)!.push(linked);
    edges.get(linked)!.push(r.id);
  }
  for (const [first, ...rest] of groups) {
    for (const id of rest) {
      edges.get(first!)!.push(id);
      edges.get(id)!.push(first!);
    }
  }
  const stays = new Set<string>();
  const reach = anchor ? [anchor.id] : [];
  for (let next = reach.pop(); next !== undefined; next = reach.pop()) {
    if (stays.has(next)) continue;
    stays.add(next);
    reach.push(...edges.get(next)!);
  }
  return {
    stays: others.filter((r) => stays.has(r.id)).map((r) => r.id),
    rematched: others.filter((r) => !stays.has(r.id)).map((r) => r.id),
    merges: [],
  };
}

/**
 * The data steward's side of matching: review tasks approved or rejected, customers merged
 * by hand, merges undone, customers kept apart. Every write is one transaction with its
 * audit entries; a record or customer the caller may not see is answered as a missing one.
 */
export class StewardshipService {
  /** Survivorship's settings (of the matching configuration). */
  private readonly golden: Pick<MergeOptions, 'genericHolders'>;

  constructor(
    private readonly em: EntityManager,
    private readonly clock: BusinessClock,
    private readonly matching: MatchSettings,
    /** For matching again the records a split or an unmerge moves. */
    private readonly sealer: PiiSealer,
  ) {
    this.golden = { genericHolders: matching.genericHolders };
  }

  private readonly audit = new AuditLog(this.clock);

  /** Force-merge: `absorbedId` into `survivorId`, recorded as SAME_CUSTOMER. Returns the merge id. */
  async merge(
    actor: AuditActor,
    read: ReadSession,
    survivorId: string,
    absorbedId: string,
    reason: string,
  ): Promise<string> {
    const why = reasonOf(reason);
    await this.seeCustomers(read, ['survivorId', survivorId], ['absorbedId', absorbedId]);
    return this.transaction(async (em) => {
      const [mergeId] = await mergeCustomers(
        em,
        this.clock,
        [{ survivorId, absorbedId, kind: MergeKind.STEWARD, mergedBy: byOf(actor), reason: why }],
        { ...this.golden, actor },
      );
      await this.record(em, actor, {
        action: AuditAction.MATCH_DECISION,
        target: { type: 'Customer', id: survivorId },
        purpose: why,
        details: {
          verdict: MatchVerdict.SAME_CUSTOMER,
          customers: [survivorId, absorbedId],
          merge: mergeId,
        },
      });
      return mergeId!;
    });
  }

  /** Undoes a merge (see unmergeCustomers). Returns the merge id. */
  async unmerge(actor: AuditActor, read: ReadSession, mergeId: string, reason: string) {
    const why = reasonOf(reason);
    const id = validOrThrow('mergeId', checkUuid(mergeId));
    const seen = await read.seenIds(() => CustomerMergeView, [id]);
    if (!seen.has(id)) throw new NotFoundError('mergeId: no merge has this id', 'mergeId');
    // A merge is read with either of its customers, and undone only by a caller who sees
    // both: undoing it changes both.
    const [merge] = await this.em.execute<{ survivor_id: string; absorbed_id: string }[]>(
      `select survivor_id, absorbed_id from customer_merge where id = ?::uuid`,
      [id],
    );
    const customers = await read.seenIds(
      () => CustomerView,
      [merge!.survivor_id, merge!.absorbed_id],
    );
    // The caller reads the merge: a missing one would be a riddle. Who else it joined stays
    // unnamed.
    if (customers.size < 2) {
      throw new ForbiddenError(
        "mergeId: the merge joined a customer outside the caller's branches, and is undone only by a caller who sees both",
        { role: actor.role, field: 'mergeId', rule: 'BRANCH_SCOPE' },
      );
    }
    await this.transaction(async (em) => {
      // A steward's merge undone leaves the pair to matching, and what the two were before
      // it was matching's answer to their records as they were then. Records their sources
      // changed while merged (on the customer that holds what the merge gave) were matched
      // as one customer's: they are matched again once it is undone, so that the two end as
      // their records now say (linked, or a task scored on what they now hold), as had the
      // changes come after the unmerge. (An automatic merge undone keeps the two apart for
      // good; its records arrived with the batch that merged them.)
      const changed = await em.execute<{ id: string }[]>(
        `select sr.id from customer_merge m join customer a on a.id = m.absorbed_id
           join source_record sr on sr.customer_id in (m.survivor_id, a.merged_into_id)
         where m.id = ?::uuid and m.kind = 'STEWARD' and m.unmerged_at is null
           and sr.received_at > m.merged_at
         order by sr.id`,
        [id],
      );
      const rematched = changed.map((r) => r.id);
      const { regrouped } = await unmergeCustomers(em, this.clock, id, byOf(actor), why, {
        ...this.golden,
        actor,
        rematched,
      });
      const batch = new CustomerBatch(em, this.sealer, this.clock, this.matching, actor);
      await this.withinSight(read, actor, 'mergeId', [
        ...regrouped,
        ...(await batch.rematch(rematched)),
      ]);
    });
    return id;
  }

  /**
   * Do-not-merge: DIFFERENT_CUSTOMERS between each source record of one customer and each
   * of the other (apartPairs), so that matching never joins them, directly or through
   * others; open review tasks between their records are rejected with it. Returns the id
   * of the decision between their earliest records.
   */
  async markDifferent(
    actor: AuditActor,
    read: ReadSession,
    customerIdA: string,
    customerIdB: string,
    reason: string,
  ): Promise<string> {
    const why = reasonOf(reason);
    await this.seeCustomers(read, ['customerIdA', customerIdA], ['customerIdB', customerIdB]);
    return this.transaction(async (em) => {
      const customers = await em.execute<{ id: string; current: string }[]>(
        `select id, coalesce(merged_into_id, id) as current from customer
         where id in (?::uuid, ?::uuid) for share`,
        [customerIdA, customerIdB],
      );
      const current = new Map(customers.map((c) => [c.id, c.current]));
      const [a, b] = [current.get(customerIdA)!, current.get(customerIdB)!];
      if (a === b) {
        throw new ConflictError('the two are one customer now: undo the merge first', {
          field: 'customerIdB',
          rule: 'ALREADY_ONE_CUSTOMER',
        });
      }
      const pairs = await apartPairs(em, a, b);
      if (pairs.length === 0) {
        const [held] = await em.execute<{ n: number }[]>(
          `select count(*)::int as n from source_record where customer_id = ?::uuid`,
          [a],
        );
        throw new ConflictError(
          'a customer without source records gives matching nothing to keep apart',
          {
            field: held!.n ? 'customerIdB' : 'customerIdA',
            rule: 'NO_SOURCE_RECORD',
          },
        );
      }
      const records = pairs[0]!;
      const at = this.clock.now();
      const decision = await recordApart(em, at, pairs, byOf(actor), why);
      const rejected = await this.rejectOpenBetween(em, a, b, actor, why, at);
      await this.withinSight(read, actor, 'customerIdA', [
        a,
        b,
        ...(await this.rematchApart(em, actor, a, b)),
      ]);
      await this.record(em, actor, {
        action: AuditAction.MATCH_DECISION,
        target: { type: 'Customer', id: a },
        purpose: why,
        details: {
          verdict: MatchVerdict.DIFFERENT_CUSTOMERS,
          customers: [a, b],
          records,
          pairs: pairs.length,
          decision,
          reviewsRejected: rejected,
        },
      });
      return decision;
    });
  }

  /**
   * A record matching linked to a customer it is not: do-not-merge between it and every
   * other record of the customer, and the record matched again, so that it leaves (to a new
   * customer, or to one it matches) with the policy roles, claims and scores that name it
   * by its source key; its companions and the customer's id stay. Returns the customer the
   * record is with now. A merge joins the two again.
   */
  async splitRecord(
    actor: AuditActor,
    read: ReadSession,
    recordId: string,
    reason: string,
  ): Promise<string> {
    const why = reasonOf(reason);
    const id = validOrThrow('recordId', checkUuid(recordId));
    if (!(await read.seenIds(() => SourceRecordView, [id])).has(id)) {
      throw new NotFoundError('recordId: no source record has this id', 'recordId');
    }
    return this.transaction(async (em) => {
      const [held] = await em.execute<{ customer_id: string }[]>(
        `select customer_id from source_record where id = ?::uuid for update`,
        [id],
      );
      const from = held!.customer_id;
      const batch = new CustomerBatch(em, this.sealer, this.clock, this.matching, actor);
      const { stays, rematched, merges } = await partsWithout(
        em,
        from,
        id,
        await batch.matchedWithout(from, id),
      );
      if (merges.length) {
        throw new ConflictError(
          `recordId: the customer's other records came with ${merges.length > 1 ? 'merges' : 'merge'} ${merges.join(', ')}: undo ${merges.length > 1 ? 'them' : 'it'} (unmergeCustomers) to part them from this record, the customer's own`,
          { field: 'recordId', rule: 'MERGED', merges },
        );
      }
      if (!stays.length) {
        throw new ConflictError('recordId: the record is its customer’s only one', {
          field: 'recordId',
          rule: 'ONLY_RECORD',
        });
      }
      const decision = await recordApart(
        em,
        this.clock.now(),
        stays.map((other) => [id, other]),
        byOf(actor),
        why,
      );
      await this.withinSight(read, actor, 'recordId', [
        from,
        ...(await batch.reevaluate([id, ...rematched])),
      ]);
      const [now] = await em.execute<{ customer_id: string }[]>(
        `select customer_id from source_record where id = ?::uuid`,
        [id],
      );
      await this.record(em, actor, {
        action: AuditAction.MATCH_DECISION,
        target: { type: 'Customer', id: from },
        purpose: why,
        details: {
          verdict: MatchVerdict.DIFFERENT_CUSTOMERS,
          split: id,
          from,
          to: now!.customer_id,
          pairs: stays.length,
          decision,
          ...(rematched.length && { rematched: rematched.length }),
        },
      });
      return now!.customer_id;
    });
  }

  /**
   * The two records are one customer: their customers are merged (STEWARD), the older one
   * (by creation, then CIF number) surviving, and SAME_CUSTOMER is recorded between them.
   */
  async approveReview(actor: AuditActor, read: ReadSession, reviewId: string, reason: string) {
    const why = reasonOf(reason);
    return this.decideReview(actor, read, reviewId, why, async (em, review) => {
      const at = this.clock.now();
      await this.closeReview(em, review.id, ReviewStatus.APPROVED, actor, why, at);
      let merge: string | undefined;
      let decision: string | undefined;
      let survivor = review.customer_a;
      let absorbed = review.customer_b;
      if (review.customer_a === review.customer_b) {
        // Already one customer (merged since the task was opened): the verdict stands alone.
        const [saved] = await recordDecisions(em, at, [
          {
            records: [review.record_a_id, review.record_b_id],
            verdict: MatchVerdict.SAME_CUSTOMER,
            decidedBy: byOf(actor),
            reason: why,
          },
        ]);
        decision = saved!.id;
      } else {
        const [older] = await em.execute<{ id: string }[]>(
          `select id from customer where id in (?::uuid, ?::uuid) order by created_at, cif_no limit 1`,
          [review.customer_a, review.customer_b],
        );
        survivor = older!.id;
        absorbed = survivor === review.customer_a ? review.customer_b : review.customer_a;
        [merge] = await mergeCustomers(
          em,
          this.clock,
          [
            {
              survivorId: survivor,
              absorbedId: absorbed,
              kind: MergeKind.STEWARD,
              evidence: { review: review.id, rule: review.rule, score: review.score },
              mergedBy: byOf(actor),
              reason: why,
              decisionRecords: [review.record_a_id, review.record_b_id],
            },
          ],
          { ...this.golden, actor, argument: 'id' },
        );
      }
      return {
        verdict: MatchVerdict.SAME_CUSTOMER,
        ...(merge ? { merge, survivor, absorbed } : { decision }),
      };
    });
  }

  /**
   * The two records are different customers: DIFFERENT_CUSTOMERS between them, never
   * proposed again, and between their customers' other records (apartPairs).
   */
  async rejectReview(actor: AuditActor, read: ReadSession, reviewId: string, reason: string) {
    const why = reasonOf(reason);
    return this.decideReview(actor, read, reviewId, why, async (em, review) => {
      if (review.customer_a === review.customer_b) {
        throw new ConflictError('the two records are with one customer now: undo the merge first', {
          field: 'id',
          rule: 'ALREADY_ONE_CUSTOMER',
        });
      }
      const at = this.clock.now();
      await this.closeReview(em, review.id, ReviewStatus.REJECTED, actor, why, at);
      // The other tasks between the two customers could only be rejected now (the decision
      // keeps them apart): the verdict closes them too, as markDifferentCustomers does.
      const rejected = await this.rejectOpenBetween(
        em,
        review.customer_a,
        review.customer_b,
        actor,
        why,
        at,
      );
      // The task's pair, and the two customers' other records, as markDifferentCustomers.
      const pairs = await apartPairs(em, review.customer_a, review.customer_b, [
        review.record_a_id,
        review.record_b_id,
      ]);
      const decision = await recordApart(em, at, pairs, byOf(actor), why);
      await this.withinSight(read, actor, 'id', [
        review.customer_a,
        review.customer_b,
        ...(await this.rematchApart(em, actor, review.customer_a, review.customer_b)),
      ]);
      return { verdict: MatchVerdict.DIFFERENT_CUSTOMERS, decision, reviewsRejected: rejected };
    });
  }

  /**
   * Locks an open task the caller sees, applies `decide` and audits the verdict, in one
   * transaction; a task already decided is refused (CONFLICT, ALREADY_DECIDED). Returns the
   * task's id.
   */
  private async decideReview(
    actor: AuditActor,
    read: ReadSession,
    reviewId: string,
    reason: string,
    decide: (em: EntityManager, review: LockedReview) => Promise<Record<string, unknown>>,
  ): Promise<string> {
    const id = validOrThrow('id', checkUuid(reviewId));
    const seen = await read.seenIds(() => MatchReviewView, [id]);
    if (!seen.has(id)) throw new NotFoundError('id: no review task has this id', 'id');
    return this.transaction(async (em) => {
      const [review] = await em.execute<LockedReview[]>(
        `select r.id, r.status, r.record_a_id, r.record_b_id, r.score, r.rule,
           a.customer_id as customer_a, b.customer_id as customer_b
         from match_review r join source_record a on a.id = r.record_a_id
           join source_record b on b.id = r.record_b_id
         where r.id = ?::uuid for update of r`,
        [id],
      );
      if (!review) throw new NotFoundError('id: no review task has this id', 'id');
      if (review.status !== ReviewStatus.OPEN) {
        const settled =
          review.status === ReviewStatus.SUPERSEDED
            ? 'matching no longer proposes this pair'
            : 'decided already';
        throw new ConflictError(`review task ${id} is ${review.status}: ${settled}`, {
          field: 'id',
          rule: 'ALREADY_DECIDED',
          status: review.status,
        });
      }
      const details = await decide(em, review);
      await this.record(em, actor, {
        action: AuditAction.MATCH_DECISION,
        target: { type: 'MatchReview', id },
        purpose: reason,
        details: {
          ...details,
          records: [review.record_a_id, review.record_b_id],
          rule: review.rule,
          score: review.score,
        },
      });
      return id;
    });
  }

  /**
   * Matches again the records of two customers a steward has just kept apart: one torn
   * between one of them and a third (AMBIGUOUS) could not be that one now, and goes to the
   * third, as it would have had the decision come first, not when a later batch happens by.
   */
  private async rematchApart(
    em: EntityManager,
    actor: AuditActor,
    a: string,
    b: string,
  ): Promise<string[]> {
    const records = await em.execute<{ id: string }[]>(
      `select id from source_record where customer_id in (?::uuid, ?::uuid) order by id`,
      [a, b],
    );
    return new CustomerBatch(em, this.sealer, this.clock, this.matching, actor).rematch(
      records.map((r) => r.id),
    );
  }

  /**
   * A steward acts on the customers they see, and so do the consequences of their word:
   * matching run again after it may regroup those customers' records (and make new
   * customers), not join them to or take them from customers of other branches. Those the
   * decision would reach are a matter for a steward whose branches cover them all; the
   * caller learns nothing of who they are. `regrouped` (the decision's own customers among
   * them: a batch may have moved them between the caller's first look and the lock) are
   * read as they were before this transaction, on the read session's own connection.
   */
  private async withinSight(
    read: ReadSession,
    actor: AuditActor,
    field: string,
    regrouped: string[],
  ): Promise<void> {
    const seen = await read.seenIds(() => CustomerView, regrouped);
    if (regrouped.every((id) => seen.has(id))) return;
    throw new ForbiddenError(
      `${field}: the decision, with matching run again after it, would join records to or take them from customers outside the caller's branches; a steward whose branches cover them all decides it`,
      { role: actor.role, field, rule: 'BRANCH_SCOPE' },
    );
  }

  /** Rejects the open review tasks between records of customers `a` and `b`; their ids. */
  private async rejectOpenBetween(
    em: EntityManager,
    a: string,
    b: string,
    actor: AuditActor,
    reason: string,
    at: Date,
  ): Promise<string[]> {
    const rejected = await em.execute<{ id: string }[]>(
      `update match_review r set status = ?, decided_by = ?, decided_at = ?::timestamptz,
         reason = ?, updated_at = ?::timestamptz
       from source_record x, source_record y
       where r.status = ? and x.id = r.record_a_id and y.id = r.record_b_id
         and ((x.customer_id = ?::uuid and y.customer_id = ?::uuid)
           or (x.customer_id = ?::uuid and y.customer_id = ?::uuid))
       returning r.id`,
      [
        ReviewStatus.REJECTED,
        byOf(actor),
        at.toISOString(),
        reason,
        at.toISOString(),
        ReviewStatus.OPEN,
        a,
        b,
        b,
        a,
      ],
    );
    return rejected.map((r) => r.id);
  }

  private async closeReview(
    em: EntityManager,
    id: string,
    status: ReviewStatus,
    actor: AuditActor,
    reason: string,
    at: Date,
  ): Promise<void> {
    await em.execute(
      `update match_review set status = ?, decided_by = ?, decided_at = ?::timestamptz,
         reason = ?, updated_at = ?::timestamptz where id = ?::uuid`,
      [status, byOf(actor), at.toISOString(), reason, at.toISOString(), id],
    );
  }

  /**
   * Two different customers, each seen by the caller as it stands now (a merged-away id as
   * its survivor, see currentCustomers), else BAD_USER_INPUT or NOT_FOUND naming the
   * argument: `[argument, id]` each.
   */
  private async seeCustomers(
    read: ReadSession,
    ...named: [[string, string], [string, string]]
  ): Promise<void> {
    const ids = named.map(([field, id]) => validOrThrow(field, checkUuid(id)));
    if (ids[0] === ids[1]) {
      throw new BadUserInputError(`${named[1][0]}: name two different customers`, {
        field: named[1][0],
        rule: 'SAME_CUSTOMER',
      });
    }
    await currentCustomers(
      this.em,
      read,
      named.map(([field], i) => [field, ids[i]!] as const),
    );
  }

  /**
   * One transaction, holding the whole matching space (see MATCHING_SPACE): stewards
   * merging customers into each other at the same moment (A into B, B into C, C into A)
   * deadlocked, each merge rewriting customers merged into the one it absorbs, and a batch's
   * automatic merges rewrite them too. Batches of policies, claims and scores do not hold
   * it: an unmerge and a claim moving between the policies it rewrites can still deadlock,
   * and the steward's action then runs again, as a batch does, rather than fail.
   */
  private async transaction<T>(work: (em: EntityManager) => Promise<T>): Promise<T> {
    return untilNoWriteConflict(() =>
      this.em.transactional(async (em) => {
        await em.execute(`select pg_advisory_xact_lock(${MATCHING_SPACE})`);
        return work(em);
      }),
    );
  }

  private async record(em: EntityManager, actor: AuditActor, entry: AuditEntry): Promise<void> {
    await em.insertMany(AuditEvent, [this.audit.entity(actor, entry)]);
  }
}
