import { useRef, useState } from 'react';
import { describeError, gql, type Connection } from '../api';
import { amount, ratio } from '../numbers';
import { RiskHistoryChart, type ScorePoint } from '../components/charts';
import { LookupForm, type Lookup } from '../components/LookupForm';
import { Masked } from '../components/Masked';
import { focusOnArrival } from '../components/arrival';
import type { Session } from '../session';
import { businessDay } from '../time';

// A page of policies and of claims, in the profile and in each page after it.
const POLICY_PAGE = `
fragment PolicyPage on PolicyConnection { totalCount pageInfo { hasNextPage endCursor }
  nodes { policyNo line status effectiveDate expiryDate premium vehicle { plate vin } } }`;
const CLAIM_PAGE = `
fragment ClaimPage on ClaimConnection { totalCount pageInfo { hasNextPage endCursor }
  nodes { claimNo status reportedAt incurred stages { stage at } } }`;

// What the front line and underwriting both may read (src/auth/access.ts): no source
// records, no merges.
const PROFILE = `query CustomerProfile($by: CustomerLookup!) { customer(by: $by) {
  id cifNo name kind status resolvedFrom birthDate branch { code name }
  tier { tier riskClass valueClass reasons validFrom ruleSetVersion { version } }
  entitlements { service name status level reasons }
  identityDocuments { id type number }
  contactPoints { id kind value primary verificationStatus }
  policies(first: 20) { ...PolicyPage }
  claims(first: 20) { ...ClaimPage }
  riskScores(first: 100) { nodes { scoredAt score stage level } }
  riskHistory { claimCount3y claimFreeYears lifetimeLossRatio }
} }${POLICY_PAGE}${CLAIM_PAGE}`;

const MORE_POLICIES = `query MorePolicies($id: ID!, $after: String) {
  customer(by: { id: $id }) { policies(first: 20, after: $after) { ...PolicyPage } } }${POLICY_PAGE}`;
const MORE_CLAIMS = `query MoreClaims($id: ID!, $after: String) {
  customer(by: { id: $id }) { claims(first: 20, after: $after) { ...ClaimPage } } }${CLAIM_PAGE}`;

interface PolicyRow {
  policyNo: string;
  line: string;
  status: string;
  effectiveDate: string;
  expiryDate: string;
  premium: string;
  vehicle: { plate: string; vin: string } | null;
}

interface ClaimRow {
  claimNo: string;
  status: string;
  reportedAt: string;
  incurred: string;
  stages: { stage: string; at: string }[];
}

interface Profile {
  id: string;
  cifNo: string;
  name: string;
  kind: string;
  status: string;
  resolvedFrom: string | null;
  birthDate: string | null;
  branch: { code: string; name: string };
  tier: {
    tier: string;
    riskClass: string;
    valueClass: string;
    reasons: string[];
    validFrom: string;
    ruleSetVersion: { version: number };
  } | null;
  entitlements: {
    service: string;
    name: string;
    status: string;
    level: string;
    reasons: string[];
  }[];
  identityDocuments: { id: string; type: string; number: string }[];
  contactPoints: {
    id: string;
    kind: string;
    value: string;
    primary: boolean;
    verificationStatus: string;
  }[];
  policies: Connection<PolicyRow>;
  claims: Connection<ClaimRow>;
  riskScores: { nodes: ScorePoint[] };
  riskHistory: { claimCount3y: number; claimFreeYears: number; lifetimeLossRatio: string | null };
}

const day = businessDay;

/** One customer's profile, as the front line and underwriting read it. */
export function CustomerScreen({ session }: { session: Session }) {
  const [customer, setCustomer] = useState<Profile | null>();
  const [error, setError] = useState<string>();
  // The list whose next page is on its way: one request at a time.
  const [loading, setLoading] = useState<'policies' | 'claims'>();
  // The first row the last page added, which takes the keyboard focus.
  const [arrived, setArrived] = useState<{ list: 'policies' | 'claims'; row: number }>();
  // Each lookup's number: a page that arrives after another lookup is dropped, not added to
  // the customer shown then.
  const lookup = useRef(0);

  /** The next page of policies or claims, after those shown. */
  const more = async (list: 'policies' | 'claims') => {
    if (!customer || loading) return;
    const asked = lookup.current;
    const after = customer[list].pageInfo.endCursor;
    setError(undefined);
    setLoading(list);
    try {
      const data = await gql<{ customer: Pick<Profile, typeof list> | null }>(
        session.token,
        list === 'policies' ? MORE_POLICIES : MORE_CLAIMS,
        { id: customer.id, after },
      );
      const page = data.customer?.[list];
      if (!page || asked !== lookup.current) return;
      setArrived({ list, row: customer[list].nodes.length });
      setCustomer(
        (shown) =>
          shown && {
            ...shown,
            [list]: { ...page, nodes: [...shown[list].nodes, ...page.nodes] },
          },
      );
    } catch (e) {
      if (asked === lookup.current) setError(describeError(e));
    } finally {
      setLoading(undefined);
    }
  };

  const find = async (by: Lookup) => {
    const asked = ++lookup.current;
    setError(undefined);
    setArrived(undefined);
    try {
      const data = await gql<{ customer: Profile | null }>(session.token, PROFILE, { by });
      if (asked !== lookup.current) return;
      setCustomer(data.customer);
    } catch (e) {
      if (asked !== lookup.current) return;
      setCustomer(undefined);
      setError(describeError(e));
    }
  };

  const firstArrived = (list: 'policies' | 'claims', row: number) =>
    arrived?.list === list && arrived.row === row ? focusOnArrival : undefined;

  return (
    <section className="customer">
      <h1>Customers</h1>
      <LookupForm onFind={find} />
      {error && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      {customer === null && <p role="status">No customer has this key.</p>}
      {customer && (
        <article data-testid="profile" data-customer-id={customer.id}>
          <h2>
            {customer.name} <small>{customer.cifNo}</small>
          </h2>
          <p>
            {customer.kind} · {customer.status} · branch {customer.branch.name} (
            {customer.branch.code}){customer.birthDate && ` · born ${customer.birthDate}`}
            {customer.resolvedFrom &&
              ` · found through ${customer.resolvedFrom}, merged into this customer`}
          </p>
          <div className="cards">
            <div className="card" data-testid="tier">
              <h3>Tier</h3>
              {customer.tier ? (
                <>
                  <p className="big">{customer.tier.tier}</p>
                  <p>
                    {customer.tier.riskClass} × {customer.tier.valueClass}, since{' '}
                    {day(customer.tier.validFrom)} (rules v{customer.tier.ruleSetVersion.version})
                  </p>
                  <ul>
                    {customer.tier.reasons.map((r, i) => (
                      <li key={i}>{r}</li>
                    ))}
                  </ul>
                </>
              ) : (
                <p>Not classified yet.</p>
              )}
            </div>
            <div className="card">
              <h3>Entitlements</h3>
              <ul>
                {customer.entitlements.map((e) => (
                  <li key={e.service}>
                    <strong>{e.name}</strong> {e.status} {e.level}
                    <br />
                    <small>{e.reasons.join('; ')}</small>
                  </li>
                ))}
              </ul>
            </div>
            <div className="card">
              <h3>Documents and contacts</h3>
              <ul>
                {customer.identityDocuments.map((d) => (
                  <li key={d.id}>
                    {d.type}{' '}
                    <Masked session={session} field="identityNumber" id={d.id} masked={d.number} />
                  </li>
                ))}
                {customer.contactPoints.map((c) => (
                  <li key={c.id}>
                    {c.kind} {c.primary && '(primary)'}{' '}
                    <Masked session={session} field="contactValue" id={c.id} masked={c.value} />{' '}
                    <small>{c.verificationStatus}</small>
                  </li>
                ))}
              </ul>
            </div>
            <div className="card">
              <h3>Risk history</h3>
              <p>
                claims in 3 years: {customer.riskHistory.claimCount3y} · claim-free years:{' '}
                {customer.riskHistory.claimFreeYears} · lifetime loss ratio:{' '}
                {ratio(customer.riskHistory.lifetimeLossRatio)}
              </p>
            </div>
          </div>
          <h3>Policies ({customer.policies.totalCount})</h3>
          <table data-testid="policies">
            <thead>
              <tr>
                <th scope="col">policy</th>
                <th scope="col">line</th>
                <th scope="col">status</th>
                <th scope="col">cover</th>
                <th scope="col">premium</th>
                <th scope="col">vehicle</th>
              </tr>
            </thead>
            <tbody>
              {customer.policies.nodes.map((p, i) => (
                <tr key={p.policyNo} tabIndex={-1} ref={firstArrived('policies', i)}>
                  <td>{p.policyNo}</td>
                  <td>{p.line}</td>
                  <td>{p.status}</td>
                  <td>
                    {p.effectiveDate} – {p.expiryDate}
                  </td>
                  <td className="number">{amount(p.premium)}</td>
                  <td>{p.vehicle ? `${p.vehicle.plate} ${p.vehicle.vin}` : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <ShownOf
            list="policies"
            page={customer.policies}
            loading={loading === 'policies'}
            onMore={() => more('policies')}
          />
          <h3>Claims ({customer.claims.totalCount})</h3>
          <table data-testid="claims">
            <thead>
              <tr>
                <th scope="col">claim</th>
                <th scope="col">status</th>
                <th scope="col">reported</th>
                <th scope="col">incurred</th>
                <th scope="col">stages</th>
              </tr>
            </thead>
            <tbody>
              {customer.claims.nodes.map((c, i) => (
                <tr key={c.claimNo} tabIndex={-1} ref={firstArrived('claims', i)}>
                  <td>{c.claimNo}</td>
                  <td>{c.status}</td>
                  <td>{day(c.reportedAt)}</td>
                  <td className="number">{amount(c.incurred)}</td>
                  <td>
                    <ol className="stages">
                      {c.stages.map((s, i) => (
                        <li key={i}>
                          {s.stage} <small>{day(s.at)}</small>
                        </li>
                      ))}
                    </ol>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <ShownOf
            list="claims"
            page={customer.claims}
            loading={loading === 'claims'}
            onMore={() => more('claims')}
          />
          <RiskHistoryChart scores={customer.riskScores.nodes} />
        </article>
      )}
    </section>
  );
}

/** How many of a list are shown, and a way to the rest when there are more. */
function ShownOf({
  list,
  page,
  loading,
  onMore,
}: {
  list: string;
  page: Connection<unknown>;
  loading: boolean;
  onMore: () => void;
}) {
  if (!page.pageInfo.hasNextPage) return null;
  return (
    <p data-testid={`${list}-shown`}>
      {page.nodes.length} of {page.totalCount} {list} shown.{' '}
      <button type="button" onClick={onMore} disabled={loading}>
        Show more {list}
      </button>
    </p>
  );
}
