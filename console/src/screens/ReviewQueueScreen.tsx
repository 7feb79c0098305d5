import { useEffect, useState } from 'react';
import { describeError, gql, type Connection } from '../api';
import { LookupForm, type Lookup } from '../components/LookupForm';
import { Masked } from '../components/Masked';
import { focusOnArrival } from '../components/arrival';
import type { Session } from '../session';
import { businessMinute } from '../time';

const SIDE = `id cifNo name status birthDate branch { code name }
  identityDocuments { id type number } contactPoints { id kind value }
  sourceRecords { id sourceSystem sourceKey receivedAt attributes }`;
const REVIEWS = `query MatchReviews($after: String) {
  matchReviews(first: 50, after: $after) { totalCount pageInfo { hasNextPage endCursor } nodes {
  id score rule createdAt evidence { field outcome weight detail }
  recordA { id sourceSystem sourceKey } recordB { id sourceSystem sourceKey }
  customerA { ${SIDE} } customerB { ${SIDE} } } } }`;
const APPROVE = `mutation Approve($id: ID!, $reason: String!) {
  approveMatchReview(id: $id, reason: $reason) { id status customerA { id cifNo } } }`;
const REJECT = `mutation Reject($id: ID!, $reason: String!) {
  rejectMatchReview(id: $id, reason: $reason) { id status } }`;
const MERGES = `query CustomerMerges($by: CustomerLookup!) { customer(by: $by) {
  id cifNo name status resolvedFrom
  merges { id kind mergedAt mergedBy reason unmergedAt unmergedBy unmergeReason
    survivor { id cifNo name } absorbed { id cifNo name status } changes { table changed removed } } } }`;
const UNMERGE = `mutation Unmerge($id: ID!, $reason: String!) {
  unmergeCustomers(mergeId: $id, reason: $reason) { id unmergedAt } }`;

interface Side {
  id: string;
  cifNo: string;
  name: string;
  status: string;
  birthDate: string | null;
  branch: { code: string; name: string };
  identityDocuments: { id: string; type: string; number: string }[];
  contactPoints: { id: string; kind: string; value: string }[];
  sourceRecords: {
    id: string;
    sourceSystem: string;
    sourceKey: string;
    receivedAt: string;
    attributes: Record<string, unknown>;
  }[];
}

interface Review {
  id: string;
  score: number;
  rule: string;
  createdAt: string;
  evidence: { field: string; outcome: string; weight: number; detail: string | null }[];
  recordA: { id: string; sourceSystem: string; sourceKey: string };
  recordB: { id: string; sourceSystem: string; sourceKey: string };
  customerA: Side | null;
  customerB: Side | null;
}

interface Merge {
  id: string;
  kind: string;
  mergedAt: string;
  mergedBy: string;
  reason: string | null;
  unmergedAt: string | null;
  unmergedBy: string | null;
  unmergeReason: string | null;
  survivor: { id: string; cifNo: string; name: string } | null;
  absorbed: { id: string; cifNo: string; name: string; status: string } | null;
  changes: { table: string; changed: number; removed: number }[];
}

interface MergedCustomer {
  id: string;
  cifNo: string;
  name: string;
  status: string;
  resolvedFrom: string | null;
  merges: Merge[];
}

/** How long ago, in whole days or hours: the queue is worked oldest-first within a score. */
interface ReviewPage {
  totalCount: number;
  nodes: Review[];
  /** The cursor of the page after this one, if there is one. */
  next?: string;
}

async function fetchPage(token: string, after: string | undefined): Promise<ReviewPage> {
  const { matchReviews: page } = await gql<{
    matchReviews: Connection<Review>;
  }>(token, REVIEWS, { after });
  return {
    totalCount: page.totalCount,
    nodes: page.nodes,
    next: page.pageInfo.hasNextPage ? (page.pageInfo.endCursor ?? undefined) : undefined,
  };
}

function age(at: string): string {
  const hours = Math.floor((Date.now() - Date.parse(at)) / 3_600_000);
  return hours >= 48 ? `${Math.floor(hours / 24)} days` : `${Math.max(hours, 0)} h`;
}

/** The steward's screen: the open review tasks, each decided with a reason; merges and unmerges. */
export function ReviewQueueScreen({ session }: { session: Session }) {
  const [reviews, setReviews] = useState<Review[]>();
  const [total, setTotal] = useState(0);
  // Where the next page starts; undefined once the last page is shown.
  const [next, setNext] = useState<string>();
  const [openId, setOpenId] = useState<string>();
  // The first task the last page added, whose button takes the keyboard focus.
  const [arrived, setArrived] = useState<string>();
  // Per task, as per merge below: a reason is written for the one task it is typed in.
  const [reasons, setReasons] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string>();
  const [error, setError] = useState<string>();
  const [found, setFound] = useState<MergedCustomer | null>();
  const [lastLookup, setLastLookup] = useState<Lookup>();
  // Per merge: a reason is written for the one row it is typed in.
  const [unmergeReasons, setUnmergeReasons] = useState<Record<string, string>>({});

  // Bumped after each decision: the queue is read again.
  const [generation, setGeneration] = useState(0);
  const reload = () => setGeneration((g) => g + 1);

  useEffect(() => {
    let current = true;
    fetchPage(session.token, undefined).then(
      (page) => {
        if (!current) return;
        setReviews(page.nodes);
        setArrived(undefined);
        setTotal(page.totalCount);
        setNext(page.next);
      },
      (e: Error) => current && setError(describeError(e)),
    );
    return () => {
      current = false;
    };
  }, [session.token, generation]);

  const attempt = async (work: () => Promise<void>) => {
    setError(undefined);
    setMessage(undefined);
    try {
      await work();
    } catch (e) {
      setError(describeError(e));
    }
  };

  // Read again whatever the answer: a task decided elsewhere meanwhile leaves the queue.
  const decide = (review: Review, approve: boolean) =>
    attempt(async () => {
      try {
        await decideOne(review, approve);
      } finally {
        reload();
      }
    });

  const decideOne = async (review: Review, approve: boolean) => {
    if (approve) {
      const data = await gql<{ approveMatchReview: { customerA: { cifNo: string } } }>(
        session.token,
        APPROVE,
        { id: review.id, reason: reasons[review.id] ?? '' },
      );
      setMessage(
        `Approved: the two customers are one, ${data.approveMatchReview.customerA.cifNo}.`,
      );
    } else {
      await gql(session.token, REJECT, { id: review.id, reason: reasons[review.id] ?? '' });
      setMessage('Rejected: the two customers are kept apart (do not merge).');
    }
    setOpenId(undefined);
  };

  const findCustomer = (by: Lookup) =>
    attempt(async () => {
      setLastLookup(by);
      const data = await gql<{ customer: MergedCustomer | null }>(session.token, MERGES, { by });
      setFound(data.customer);
    });

  const unmerge = (merge: Merge) =>
    attempt(async () => {
      await gql(session.token, UNMERGE, { id: merge.id, reason: unmergeReasons[merge.id] ?? '' });
      setMessage(`Unmerged: ${merge.absorbed?.cifNo} is a customer of its own again.`);
      if (lastLookup) {
        const data = await gql<{ customer: MergedCustomer | null }>(session.token, MERGES, {
          by: lastLookup,
        });
        setFound(data.customer);
      }
      reload();
    });

  const more = () =>
    attempt(async () => {
      const page = await fetchPage(session.token, next);
      setArrived(page.nodes.find((r) => !reviews?.some((s) => s.id === r.id))?.id);
      // A task decided meanwhile shifts the pages: one already shown is not shown twice.
      setReviews((shown = []) => [
        ...shown,
        ...page.nodes.filter((r) => !shown.some((s) => s.id === r.id)),
      ]);
      setTotal(page.totalCount);
      setNext(page.next);
    });

  const open = reviews?.find((r) => r.id === openId);
  const reason = (open && reasons[open.id]) ?? '';

  return (
    <section className="reviews">
      <h1>Review queue</h1>
      {message && (
        <p role="status" className="verdict">
          {message}
        </p>
      )}
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <table className="queue">
        <caption>Open review tasks, the highest score first, then the oldest</caption>
        <thead>
          <tr>
            <th scope="col">score</th>
            <th scope="col">age</th>
            <th scope="col">rule</th>
            <th scope="col">customer A</th>
            <th scope="col">customer B</th>
          </tr>
        </thead>
        <tbody>
          {reviews?.map((r) => (
            <tr key={r.id} data-review={r.id} aria-selected={r.id === openId}>
              <td className="number">
                <button
                  type="button"
                  className="link"
                  onClick={() => setOpenId(r.id)}
                  ref={r.id === arrived ? focusOnArrival : undefined}
                >
                  {r.score.toFixed(2)}
                </button>
              </td>
              <td>{age(r.createdAt)}</td>
              <td>{r.rule}</td>
              <td>
                {r.customerA?.name} {r.customerA?.cifNo}
              </td>
              <td>
                {r.customerB?.name} {r.customerB?.cifNo}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {reviews?.length === 0 && <p>No open review tasks.</p>}
      {!!reviews?.length && (
        <p data-testid="queue-count">
          {reviews.length} of {total} open tasks shown.{' '}
          {next && (
            <button type="button" onClick={more}>
              Show more
            </button>
          )}
        </p>
      )}
      {open && (
        <article className="task" aria-label="Review task" data-testid="review-task">
          <h2>
            Task score {open.score.toFixed(2)} · {open.rule}
          </h2>
          <div className="side-by-side">
            <CustomerSide
              session={session}
              label="A"
              side={open.customerA}
              record={open.recordA.id}
            />
            <CustomerSide
              session={session}
              label="B"
              side={open.customerB}
              record={open.recordB.id}
            />
          </div>
          <table className="evidence">
            <caption>Evidence: each comparison and its weight</caption>
            <thead>
              <tr>
                <th scope="col">field</th>
                <th scope="col">outcome</th>
                <th scope="col">weight</th>
                <th scope="col">detail</th>
              </tr>
            </thead>
            <tbody>
              {open.evidence.map((e, i) => (
                <tr key={i}>
                  <td>{e.field}</td>
                  <td>{e.outcome}</td>
                  <td className="number">{e.weight.toFixed(2)}</td>
                  <td>{e.detail}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colSpan={2}>
                  total
                </th>
                <td className="number" data-testid="evidence-total">
                  {open.evidence.reduce((n, e) => n + e.weight, 0).toFixed(2)}
                </td>
                <td />
              </tr>
            </tfoot>
          </table>
          <label>
            Reason{' '}
            <input
              className="reason"
              value={reason}
              onChange={(e) => setReasons((r) => ({ ...r, [open.id]: e.target.value }))}
              placeholder="what you checked"
            />
          </label>
          <div className="toolbar">
            <button type="button" disabled={!reason.trim()} onClick={() => decide(open, true)}>
              Approve: merge
            </button>
            <button type="button" disabled={!reason.trim()} onClick={() => decide(open, false)}>
              Reject: do not merge
            </button>
          </div>
        </article>
      )}
      <h2>Merge history</h2>
      <LookupForm onFind={findCustomer} />
      {found === null && <p role="status">No customer has this key.</p>}
      {found && (
        <article data-testid="merge-history" data-customer-id={found.id}>
          <h3>
            {found.name} {found.cifNo} · {found.status}
            {found.resolvedFrom && ` (found through merged-away ${found.resolvedFrom})`}
          </h3>
          {found.merges.length === 0 ? (
            <p>No merges.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">merged</th>
                  <th scope="col">kind</th>
                  <th scope="col">absorbed</th>
                  <th scope="col">by, why</th>
                  <th scope="col">rows moved</th>
                  <th scope="col">unmerge</th>
                </tr>
              </thead>
              <tbody>
                {found.merges.map((m) => (
                  <tr key={m.id} data-merge={m.id}>
                    <td>{businessMinute(m.mergedAt)}</td>
                    <td>{m.kind}</td>
                    <td>
                      {m.absorbed?.name} {m.absorbed?.cifNo} ({m.absorbed?.status})
                    </td>
                    <td>
                      {m.mergedBy}: {m.reason}
                    </td>
                    <td>{m.changes.reduce((n, c) => n + c.changed, 0)}</td>
                    <td>
                      {m.unmergedAt ? (
                        `undone ${businessMinute(m.unmergedAt)} by ${m.unmergedBy}: ${m.unmergeReason}`
                      ) : (
                        <>
                          <input
                            aria-label="Unmerge reason"
                            value={unmergeReasons[m.id] ?? ''}
                            onChange={(e) =>
                              setUnmergeReasons((all) => ({ ...all, [m.id]: e.target.value }))
                            }
                            placeholder="why"
                          />
                          <button
                            type="button"
                            disabled={!unmergeReasons[m.id]?.trim()}
                            onClick={() => unmerge(m)}
                          >
                            Unmerge
                          </button>
                        </>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </article>
      )}
    </section>
  );
}

function CustomerSide({
  session,
  label,
  side,
  record,
}: {
  session: Session;
  label: string;
  side: Side | null;
  /** The task's record on this side, among the customer's records. */
  record: string;
}) {
  if (!side) return <div className="side">Customer {label}: not visible to your branch.</div>;
  return (
    <div className="side" data-testid={`side-${label}`} data-customer-id={side.id}>
      <h3>
        {label}: {side.name} <small>{side.cifNo}</small>
      </h3>
      <p>
        {side.status} · branch {side.branch.name} {side.birthDate && `· born ${side.birthDate}`}
      </p>
      <ul>
        {side.identityDocuments.map((d) => (
          <li key={d.id}>
            {d.type} <Masked session={session} field="identityNumber" id={d.id} masked={d.number} />
          </li>
        ))}
        {side.contactPoints.map((c) => (
          <li key={c.id}>
            {c.kind} <Masked session={session} field="contactValue" id={c.id} masked={c.value} />
          </li>
        ))}
      </ul>
      <h4>Source records</h4>
      {side.sourceRecords.map((r) => (
        <details key={r.id} open={r.id === record}>
          <summary>
            {r.sourceSystem} {r.sourceKey} {r.id === record && <strong>(this task)</strong>}
          </summary>
          <pre>{JSON.stringify(r.attributes, null, 2)}</pre>
        </details>
      ))}
    </div>
  );
}
