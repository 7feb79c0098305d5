import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'pg';
import { withheldSql, grantRowsSql } from '../src/modules/entitlement/entitlement.sql';
import type { EntitlementRuleSetDocument } from '../src/modules/entitlement/rule-set/document';
import { pgConfig } from '../src/db/pg';

/**
 * The limit no GraphQL layer can beat: the answers of bench/shapes.ts written by hand as one
 * prepared statement each, behind a bare node:http server that sends PostgreSQL's JSON text
 * on as it comes. Only the entitlement rules come from the hub's rule compiler: they are
 * data (the active rule set), and a hand-written copy would be a second rule engine.
 *
 * Run in a process of its own: `node -r ts-node/register/transpile-only bench/baseline.ts
 * <database url> <pool size> <business time zone>`; it prints its URL when it listens.
 */

/** An instant as the hub's DateTime scalar writes it (UTC, milliseconds). */
const instant = (sql: string) =>
  `to_char((${sql}) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** Incurred: paid once closed, the larger of reserve and paid while open, 0 if rejected. */
const incurred = (c: string) => `case when ${c}.status in ('REJECTED', 'WITHDRAWN') then 0
  when ${c}.status = 'CLOSED' then ${c}.paid_amount else greatest(${c}.reserve, ${c}.paid_amount) end`;

/** Premium earned by a date: pro rata over the cover, nothing for cancelled or pending. */
const earned = (
  p: string,
  asOf: string,
) => `case when ${p}.status in ('CANCELLED', 'PENDING') then 0
  else round(${p}.premium * least(greatest((${asOf} - ${p}.effective_date + 1)::numeric
    / (${p}.expiry_date - ${p}.effective_date + 1), 0), 1), 2) end`;

/** The cursor the hub hands out for a row ordered by these keys. */
const cursor = (...keys: string[]) =>
  `translate(encode(convert_to(json_build_array(${keys.map((k) => `(${k})::text`).join(', ')})::text, 'UTF8'), 'base64'), E'+/=\\n', '-_')`;

function profileSql(rules: EntitlementRuleSetDocument, version: number): string {
  return `select json_build_object('data', json_build_object('customer', (
  select json_build_object(
    'cifNo', c.cif_no, 'name', c.name, 'gender', c.gender, 'birthDate', c.birth_date,
    'branch', json_build_object('code', b.code, 'name', b.name),
    'identityDocuments', coalesce((select json_agg(json_build_object('type', d.type, 'number', d.number_masked)
        order by d.type, d.id) from identity_document d where d.customer_id = c.id), '[]'),
    'contactPoints', coalesce((select json_agg(json_build_object('kind', cp.kind, 'value', cp.value_masked,
        'verificationStatus', cp.verification_status) order by cp.kind, cp."primary" desc, cp.id)
        from contact_point cp where cp.customer_id = c.id), '[]'),
    'policies', (select json_build_object('totalCount', count(*),
        'nodes', coalesce(json_agg(json_build_object('policyNo', p.policy_no, 'line', p.line,
          'premium', p.premium::text, 'expiryDate', p.expiry_date,
          'vehicle', case when v.id is null then null
            else json_build_object('plate', v.plate, 'vin', v.vin, 'newEnergy', v.new_energy) end)
          order by p.expiry_date desc, p.id) filter (where p.rn <= 10), '[]'))
      from (select p.*, row_number() over (order by p.expiry_date desc, p.id) as rn
        from policy p where p.status = 'IN_FORCE'
          and p.id in (select pp.policy_id from policy_party pp where pp.customer_id = c.id)) p
      left join vehicle v on v.id = p.vehicle_id),
    'claims', json_build_object('nodes', coalesce((select json_agg(json_build_object(
        'claimNo', cl.claim_no, 'status', cl.status, 'reserve', cl.reserve::text,
        'incurred', (${incurred('cl')})::text,
        'stages', (select coalesce(json_agg(json_build_object('stage', s.stage, 'at', ${instant('s.at')})
            order by s.n), '[]') from (values (0, 'REPORTED', cl.reported_at),
            (1, 'REGISTERED', cl.registered_at), (2, 'SURVEYED', cl.surveyed_at),
            (3, 'ASSESSED', cl.assessed_at), (4, 'APPROVED', cl.approved_at), (5, 'PAID', cl.paid_at),
            (6, 'CLOSED', cl.closed_at)) s(n, stage, at) where s.at is not null))
        order by cl.reported_at desc, cl.id)
      from (select cl.* from claim cl where cl.policy_id in
          (select pp.policy_id from policy_party pp where pp.customer_id = c.id)
        order by cl.reported_at desc, cl.id limit 5) cl), '[]')),
    'latestRiskScores', coalesce((select json_agg(json_build_object('stage', rs.stage, 'level', rs.level,
        'score', rs.score::text, 'modelVersion', rs.model_version,
        'firedRules', (select coalesce(json_agg(json_build_object('code', f.e->>'code',
            'weight', ((f.e->>'weight')::numeric)::text) order by f.n), '[]')
          from jsonb_array_elements(rs.fired_rules) with ordinality f(e, n))) order by rs.stage)
      from (select distinct on (stage) * from risk_score where customer_id = c.id
        order by stage, scored_at desc) rs), '[]'),
    'tier', (select json_build_object('tier', a.tier, 'reasons', a.reasons)
      from tier_assignment a where a.customer_id = c.id and a.valid_to is null),
    'entitlements', coalesce((select json_agg(json_build_object('service', e.service,
        'status', case when cardinality(e.withheld) = 0 then 'GRANTED' else 'WITHHELD' end,
        'level', e.level,
        'reasons', case when cardinality(e.withheld) = 0
          then json_build_array(format('tier %s grants it (entitlement rules v${version})', e.tier))
          else array_to_json(e.withheld) end) order by e.n)
      from (select g.*, a.tier, ${withheldSql(rules, 'g.service', 'a')} as withheld
        from ${grantRowsSql(rules, 'g')}
        join tier_assignment a on a.customer_id = c.id and a.valid_to is null
        where a.tier = any(g.tiers)) e), '[]'))
  from customer c join branch b on b.id = c.branch_id where c.id = $1)))::text as body`;
}

/**
 * A risk history over the policies of `policyIds` (an SQL uuid[]) as of $3: the totals
 * and one entry per year of cover.
 */
const riskHistory = (policyIds: string) => `(select json_build_object(
    'claimCount1y', k.claims_1y, 'claimCount3y', k.claims_3y, 'claimCount5y', k.claims_5y,
    'claimFreeYears', case when po.first_cover is null then 0
      else extract(year from age($3::date, coalesce(k.last_accident, po.first_cover)))::int end,
    'lastAccidentDate', k.last_accident,
    'writtenPremium', coalesce(po.written, 0.00)::text,
    'earnedPremium', coalesce(po.earned, 0.00)::text,
    'incurred', coalesce(k.incurred, 0.00)::text,
    'paid', coalesce(k.paid, 0.00)::text,
    'lifetimeLossRatio', case when coalesce(po.earned, 0) = 0 then null
      else round(coalesce(k.incurred, 0) / po.earned, 4) end::text,
    'policyYears', po.years)
  from (select sum(y.written) as written, sum(y.earned) as earned, min(y.first_cover) as first_cover,
      coalesce(json_agg(json_build_object('year', y.year, 'policyCount', y.policies,
        'claimCount', y.claims, 'writtenPremium', y.written::text, 'earnedPremium', y.earned::text,
        'incurred', y.incurred::text, 'paid', y.paid::text,
        'lossRatio', case when y.earned = 0 then null else round(y.incurred / y.earned, 4) end::text)
        order by y.year), '[]') as years
    from (select extract(year from p.effective_date)::int as year, count(*) as policies,
        sum(p.premium) as written, sum(${earned('p', '$3::date')}) as earned,
        min(p.effective_date) as first_cover,
        sum(k.claims) as claims, sum(k.paid) as paid, sum(k.incurred) as incurred
      from policy p cross join lateral (select count(*) as claims,
          coalesce(sum(cl.paid_amount), 0.00) as paid, coalesce(sum(${incurred('cl')}), 0.00) as incurred
        from claim cl where cl.policy_id = p.id and cl.status not in ('REJECTED', 'WITHDRAWN')
          and cl.accident_at::date <= $3::date) k
      where p.id = any(${policyIds}) and p.effective_date <= $3::date
      group by 1) y) po,
  lateral (select count(*) filter (where cl.accident_at::date > $3::date - interval '1 year') as claims_1y,
      count(*) filter (where cl.accident_at::date > $3::date - interval '3 years') as claims_3y,
      count(*) filter (where cl.accident_at::date > $3::date - interval '5 years') as claims_5y,
      max(cl.accident_at)::date as last_accident, sum(cl.paid_amount) as paid,
      sum(${incurred('cl')}) as incurred
    from claim cl where cl.policy_id = any(${policyIds})
      and cl.status not in ('REJECTED', 'WITHDRAWN') and cl.accident_at::date <= $3::date) k)`;

const RISK_HISTORY_SQL = `select json_build_object('data', json_build_object(
  'customer', (select json_build_object('cifNo', c.cif_no, 'riskHistory',
      ${riskHistory('array(select pp.policy_id from policy_party pp where pp.customer_id = c.id)')})
    from customer c where c.id = $1),
  'vehicle', (select json_build_object('vin', v.vin, 'riskHistory',
      ${riskHistory('array(select p.id from policy p where p.vehicle_id = v.id)')})
    from vehicle v where v.vin = $2)))::text as body`;

/** The branches under the branch of code $2, itself included. */
const SUBTREE = `array(select b.id from branch b, branch root
  where root.code = $2 and (b.path = root.path or b.path like root.path || '.%'))`;

/**
 * Consenting active customers of a tier under a branch, on the hub's segment design: the
 * current tier on the customer (customer_segment_idx) and the counts in segment_count.
 */
const SEGMENT_ROWS = `from customer c where c.status = 'ACTIVE' and c.marketing_consent
  and c.current_tier = $1 and c.branch_id = any(${SUBTREE})`;

/*
 * The first page's cursor is '' (before every CIF number): `$3 is null or cif_no > $3` would
 * keep the cursor out of the index condition under a generic plan, and each page would read
 * every customer before its cursor.
 */
const SEGMENT_PAGE_SQL = `select json_build_object('data', json_build_object('marketingCustomers',
  json_build_object(
    'totalCount', (select coalesce(sum(s.customers), 0) from segment_count s
      where s.current_tier = $1 and s.status = 'ACTIVE' and s.marketing_consent
        and s.branch_id = any(${SUBTREE})),
    'pageInfo', json_build_object('hasNextPage', count(*) > 50,
      'endCursor', (array_agg(${cursor('p.cif_no')} order by p.cif_no desc) filter (where p.rn <= 50))[1]),
    'nodes', coalesce(json_agg(json_build_object('cifNo', p.cif_no, 'name', p.name,
        'tier', json_build_object('tier', p.tier),
        'policies', json_build_object('nodes', coalesce((select json_agg(json_build_object(
            'policyNo', q.policy_no, 'line', q.line, 'expiryDate', q.expiry_date)
            order by q.expiry_date desc, q.id)
          from (select q.* from policy q where q.status = 'IN_FORCE'
            and q.id in (select pp.policy_id from policy_party pp where pp.customer_id = p.id)
            order by q.expiry_date desc, q.id limit 20) q), '[]')))
      order by p.cif_no) filter (where p.rn <= 50), '[]'))))::text as body
  from (select c.id, c.cif_no, c.name, c.current_tier as tier, row_number() over (order by c.cif_no) as rn
    ${SEGMENT_ROWS} and c.cif_no > coalesce($3, '')
    order by c.cif_no limit 51) p`;

/**
 * One page of the segment export (every consenting active customer, by CIF number) as
 * NDJSON lines, the last CIF number and the row count.
 */
const EXPORT_PAGE_SQL = `select string_agg(json_build_object('cursor', ${cursor('e.cif_no')},
    'customer', json_build_object('cifNo', e.cif_no, 'name', e.name, 'kind', e.kind,
      'gender', e.gender, 'birthYear', extract(year from e.birth_date)::int, 'status', e.status,
      'branch', json_build_object('code', b.code, 'name', b.name),
      'tier', (select json_build_object('tier', a.tier, 'validFrom', ${instant('a.valid_from')})
        from tier_assignment a where a.customer_id = e.id and a.valid_to is null),
      'marketingConsent', e.marketing_consent, 'consentAt', ${instant('e.consent_at')},
      'consentChannel', e.consent_channel,
      'contactPoints', coalesce((select json_agg(json_build_object('kind', cp.kind,
          'value', cp.value_masked, 'verificationStatus', cp.verification_status)
          order by cp.kind, cp."primary" desc, cp.id)
        from contact_point cp where cp.customer_id = e.id), '[]')))::text || E'\\n', '' order by e.cif_no)
    as lines, max(e.cif_no) as last, count(*)::int as rows
  from (select * from customer c where c.status = 'ACTIVE' and c.marketing_consent
    and c.cif_no > coalesce($1, '') order by c.cif_no limit 1000) e
  join branch b on b.id = e.branch_id`;

/**
 * Streams the whole export page by page, reading the next page while it writes this one
 * (as the hub does), each page sent before the one after it is read.
 */
async function exportAll(pool: Pool, response: http.ServerResponse) {
  response.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
  let closed = false;
  response.on('close', () => (closed = true));
  type ExportPage = { lines: string | null; last: string; rows: number };
  const read = async (after: string | null): Promise<ExportPage> =>
    (await pool.query<ExportPage>({ name: 'export', text: EXPORT_PAGE_SQL, values: [after] }))
      .rows[0];
  let exported = 0;
  let page = await read(null);
  while (!closed && page.lines) {
    const next = page.rows === 1000 ? read(page.last) : undefined;
    next?.catch(() => undefined);
    exported += page.rows;
    if (!response.write(page.lines)) {
      const waits = new AbortController();
      const { signal } = waits;
      await Promise.race([
        once(response, 'drain', { signal }),
        once(response, 'close', { signal }),
      ]);
      waits.abort();
    }
    if (!next) break;
    page = await next;
  }
  if (!closed) response.end(`${JSON.stringify({ end: true, exported })}\n`);
}

interface Route {
  name: string;
  text: string;
  params: (variables: Record<string, unknown>, today: string) => unknown[];
}

const decodeCursor = (after: unknown) =>
  typeof after === 'string'
    ? (JSON.parse(Buffer.from(after, 'base64url').toString('utf8')) as string[])[0]
    : null;

async function main() {
  const [url, poolSize, zone] = process.argv.slice(2);
  // The hub's read sessions (generic plans, no JIT): planning a wide statement anew on each
  // request cost the baseline more than running it.
  const pool = new Pool({ ...pgConfig(url, zone, { compiledReads: true }), max: Number(poolSize) });
  const active = await pool.query<{ document: EntitlementRuleSetDocument; version: number }>(
    `select document, version from rule_set_version where kind = 'ENTITLEMENT' and status = 'ACTIVE'`,
  );
  const { document, version } = active.rows[0];
  const routes = new Map<string, Route>(
    (
      [
        { name: 'profile', text: profileSql(document, version), params: (v) => [v.id] },
        {
          name: 'riskHistory',
          text: RISK_HISTORY_SQL,
          params: (v, today) => [v.id, v.vin, today],
        },
        {
          name: 'segmentPage',
          text: SEGMENT_PAGE_SQL,
          params: (v) => [v.tier, v.branchCode, decodeCursor(v.after)],
        },
      ] satisfies Route[]
    ).map((r) => [`/${r.name}`, r]),
  );
  const today = () =>
    new Intl.DateTimeFormat('en-CA', { timeZone: zone }).format(new Date()).slice(0, 10);

  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      if (request.url === '/export') {
        exportAll(pool, response).catch(() => response.destroy());
        return;
      }
      const route = routes.get(request.url ?? '');
      if (!route) {
        response.writeHead(404).end();
        return;
      }
      const variables = JSON.parse(Buffer.concat(chunks).toString()) as Record<string, unknown>;
      pool
        .query<{ body: string }>({
          name: route.name,
          text: route.text,
          values: route.params(variables, today()),
        })
        .then(
          ({ rows }) => {
            response.writeHead(200, { 'content-type': 'application/json' });
            response.end(rows[0].body);
          },
          (error: Error) => {
            response.writeHead(500, { 'content-type': 'application/json' });
            response.end(JSON.stringify({ errors: [{ message: error.message }] }));
          },
        );
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    console.log(`http://127.0.0.1:${port}`);
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
