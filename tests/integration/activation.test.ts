import { Client } from 'pg';
import { Role } from '../../src/auth/roles';
import { DEFAULT_ENTITLEMENT_RULE_SET } from '../../src/modules/entitlement/rule-set/default-rule-set';
import { DEFAULT_TIER_RULE_SET } from '../../src/modules/tier/rule-set/default-rule-set';
import { ACTIVATION_FIELDS, activateAndWait } from '../setup/activation';
import { insertBranches, insertPortfolio, nextNumber } from '../setup/factories';
import { startTestHub, type TestHub } from '../setup/test-app';
import { lockWaits } from '../setup/waiting';
import { TIER_SWITCH } from '../../src/modules/tier/tier-switch';

const DRAFT = `mutation ($input: RuleSetDraftInput!) { createRuleSetDraft(input: $input) { id version valid } }`;

describe('activating a rule set version', () => {
  let hub: TestHub;

  beforeAll(async () => {
    hub = await startTestHub({ tierChunkSize: 7 });
    await insertBranches(hub);
    await insertPortfolio(hub, 30, nextNumber() * 1000);
    await hub.app.services.tiers.drainQueue(10_000);
  });
  afterAll(() => hub.close());

  /** A tier draft that differs from the active rules: high value from a lower premium. */
  const tierDraft = async (premium: number) => {
    const document = structuredClone(DEFAULT_TIER_RULE_SET) as any;
    document.valueClasses.find((c: { code: string }) => c.code === 'HIGH').when[0].all[0].value =
      premium;
    const res = await hub.gql(DRAFT, {
      input: { kind: 'TIER', document, note: `High value from ${premium} CNY` },
    });
    expect(res.data!.createRuleSetDraft.valid).toBe(true);
    return res.data!.createRuleSetDraft as { id: string; version: number };
  };
  const activeTierVersion = async () =>
    (await hub.sql(`select id from rule_set_version where kind = 'TIER' and status = 'ACTIVE'`))[0]
      .id;
  const openVersions = async () =>
    (
      await hub.sql(
        `select rule_set_version_id as id, count(*)::int as n from tier_assignment
         where valid_to is null group by 1`,
      )
    ).map((r) => [r.id, r.n]);

  it('returns a job at once, reports progress, and switches every customer in one step', async () => {
    const before = await activeTierVersion();
    const draft = await tierDraft(3000);
    const [{ n: customers }] = await hub.sql(
      `select count(*)::int as n from customer where status = 'ACTIVE'`,
    );
    // Hold the assignments: the job reads its metrics, then waits to write.
    const blocker = new Client({ connectionString: hub.databaseUrl });
    await blocker.connect();
    try {
      await blocker.query('begin');
      await blocker.query('lock table tier_assignment in share mode');
      const started = await hub.gql(
        `mutation ($id: ID!) { activateRuleSetVersion(id: $id) { ${ACTIVATION_FIELDS} } }`,
        { id: draft.id },
      );
      expect(started.errors).toBeUndefined();
      const job = started.data!.activateRuleSetVersion;
      expect(['QUEUED', 'RUNNING']).toContain(job.state);
      expect(job.ruleSetVersion).toEqual({ id: draft.id, version: draft.version, status: 'DRAFT' });

      const follow = () =>
        hub.gql(`query ($id: ID!) { ruleSetActivation(id: $id) { ${ACTIVATION_FIELDS} } }`, {
          id: job.id,
        });
      for (let waited = 0; ; waited += 50) {
        const { data } = await follow();
        if (data!.ruleSetActivation.customersTotal !== null) break;
        if (waited > 20_000) throw new Error('the job never counted its customers');
        await new Promise((r) => setTimeout(r, 50));
      }
      const running = (await follow()).data!.ruleSetActivation;
      expect(running).toMatchObject({
        state: 'RUNNING',
        customersTotal: customers,
        customersDone: 0,
      });
      // Until the switch, readers see the old version and the old tiers.
      expect(await activeTierVersion()).toBe(before);
      expect(await openVersions()).toEqual([[before, customers]]);
      const versions = await hub.gql(
        '{ ruleSetVersions(kind: TIER, first: 2) { nodes { version status } } }',
        {},
        Role.FRONTLINE,
      );
      expect(versions.data!.ruleSetVersions.nodes[0]).toEqual({
        version: draft.version,
        status: 'DRAFT',
      });
      // Another activation meanwhile is refused.
      const second = await tierDraft(3500);
      const refused = await hub.gql(
        `mutation ($id: ID!) { activateRuleSetVersion(id: $id) { id } }`,
        { id: second.id },
      );
      expect(refused.errors![0].extensions).toMatchObject({
        code: 'CONFLICT',
        rule: 'ACTIVATION_RUNNING',
      });

      await blocker.query('rollback');
      await hub.app.services.activations.idle();

      const done = (await follow()).data!.ruleSetActivation;
      expect(done).toMatchObject({
        state: 'SUCCEEDED',
        customersTotal: customers,
        customersDone: customers,
        error: null,
        ruleSetVersion: { id: draft.id, status: 'ACTIVE' },
      });
      expect(done.customersChanged).toBeGreaterThan(0);
      expect(await openVersions()).toEqual([[draft.id, customers]]);
      expect(hub.app.services.ruleSets.tier!.id).toBe(draft.id);
    } finally {
      await blocker.end();
    }
  });

  it('dates the switch when it commits, not when the job began: tiers and versions alike', async () => {
    const before = await activeTierVersion();
    const draft = await tierDraft(2800);
    const began = new Date(Date.now() + 60_000);
    const switched = new Date(began.getTime() + 10 * 60_000);
    const blocker = new Client({ connectionString: hub.databaseUrl });
    await blocker.connect();
    hub.clock.set(began);
    try {
      await blocker.query('begin');
      await blocker.query('lock table tier_assignment in share mode');
      const started = await hub.gql(
        `mutation ($id: ID!) { activateRuleSetVersion(id: $id) { id } }`,
        {
          id: draft.id,
        },
      );
      expect(started.errors).toBeUndefined();
      await lockWaits(hub, 1, 'the activation');
      // Ten minutes pass while the job waits; decisions meanwhile are made on the old rules.
      hub.clock.set(switched);
      await blocker.query('rollback');
      await hub.app.services.activations.idle();
      const at = (rows: Record<string, unknown>[]) => [
        ...new Set(rows.map((r) => (r.at as Date).toISOString())),
      ];
      expect(
        at(
          await hub.sql(
            `select valid_from as at from tier_assignment where rule_set_version_id = $1`,
            [draft.id],
          ),
        ),
      ).toEqual([switched.toISOString()]);
      expect(
        at(
          await hub.sql(
            `select valid_to as at from tier_assignment where rule_set_version_id = $1
             and valid_to is not null and valid_to >= $2`,
            [before, began],
          ),
        ),
      ).toEqual([switched.toISOString()]);
      const [version] = await hub.sql(
        `select (select activated_at from rule_set_version where id = $1) as activated,
           (select retired_at from rule_set_version where id = $2) as retired`,
        [draft.id, before],
      );
      expect(version).toEqual({ activated: switched, retired: switched });
    } finally {
      hub.clock.set(undefined);
      await blocker.end();
    }
  });

  it('dates the switch after the eligibility decisions in flight, which were made on the old tiers', async () => {
    const draft = await tierDraft(2700);
    // Now, or at the latest switch if a test dated one ahead: versions activate in order.
    const [{ latest }] = await hub.sql<{ latest: Date }>(
      `select greatest(now(), max(activated_at)) as latest from rule_set_version`,
    );
    const inFlight = latest;
    const recorded = new Date(inFlight.getTime() + 1_000);
    // A decision reading a tier (as EligibilityService does) when the switch comes.
    const decision = new Client({ connectionString: hub.databaseUrl });
    await decision.connect();
    hub.clock.set(inFlight);
    try {
      await decision.query('begin');
      await decision.query(`select pg_advisory_xact_lock_shared(${TIER_SWITCH})`);
      const started = await hub.gql(
        `mutation ($id: ID!) { activateRuleSetVersion(id: $id) { id } }`,
        { id: draft.id },
      );
      expect(started.errors).toBeUndefined();
      await lockWaits(hub, 1, 'the switch');
      // The decision is recorded a second on: the switch is dated after it.
      hub.clock.set(recorded);
      await decision.query('commit');
      await hub.app.services.activations.idle();
      const [version] = await hub.sql(`select activated_at from rule_set_version where id = $1`, [
        draft.id,
      ]);
      expect(version).toEqual({ activated_at: recorded });
    } finally {
      hub.clock.set(undefined);
      await decision.end();
    }
  });

  it('keeps the worker from writing under the old rules while the switch is pending', async () => {
    const draft = await tierDraft(2800);
    const { tiers } = hub.app.services;
    // Holding the first customer's open assignment stops the job at its first chunk: after
    // it retired the old version and read everyone's metrics, before it wrote anything.
    const holder = new Client({ connectionString: hub.databaseUrl });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query(`select 1 from tier_assignment where valid_to is null
        order by customer_id limit 1 for update`);
      const started = await hub.gql(
        `mutation ($id: ID!) { activateRuleSetVersion(id: $id) { id } }`,
        { id: draft.id },
      );
      expect(started.errors).toBeUndefined();
      await lockWaits(hub, 1, 'the job at its first chunk');
      // A customer arrives meanwhile. The worker must not tier it under the version being
      // retired: it waits for the switch (or gives up until its next tick).
      await insertPortfolio(hub, 1, nextNumber() * 1000);
      let settled = false;
      const draining = tiers.drainQueue().finally(() => (settled = true));
      await lockWaits(hub, 2, 'the worker', () => settled);
      await holder.query('rollback');
      await draining;
    } finally {
      await holder.end();
    }
    await hub.app.services.activations.idle();
    await tiers.drainQueue();
    expect(
      await hub.sql(
        `select rule_set_version_id as id from tier_assignment where valid_to is null group by 1`,
      ),
    ).toEqual([{ id: draft.id }]);
  });

  it('leaves the old version and every tier as they were when it fails', async () => {
    const before = await activeTierVersion();
    const tiers = await hub.sql('select id, tier, valid_to from tier_assignment order by id');
    const draft = await tierDraft(2500);
    await hub.sql(`create function refuse_assignments() returns trigger language plpgsql as $$
      begin raise exception 'assignments are read-only during maintenance'; end $$`);
    await hub.sql(`create trigger refuse_assignments before insert on tier_assignment
      for each statement execute function refuse_assignments()`);
    try {
      const { job } = await activateAndWait(hub, draft.id);
      expect(job).toMatchObject({
        state: 'FAILED',
        error: 'assignments are read-only during maintenance',
        ruleSetVersion: { id: draft.id, status: 'DRAFT' },
      });
    } finally {
      await hub.sql('drop trigger refuse_assignments on tier_assignment');
      await hub.sql('drop function refuse_assignments()');
    }
    expect(await activeTierVersion()).toBe(before);
    expect(hub.app.services.ruleSets.tier!.id).toBe(before);
    expect(await hub.sql('select id, tier, valid_to from tier_assignment order by id')).toEqual(
      tiers,
    );
    expect(hub.logs).toContainEqual(
      expect.objectContaining({
        level: 'error',
        message: 'rule set activation failed; the previous version stays active',
      }),
    );
    // The draft can be activated once the cause is gone.
    expect((await activateAndWait(hub, draft.id)).job).toMatchObject({ state: 'SUCCEEDED' });
  });

  it('switches a renamed tier and the entitlement rules that grant it in one transaction', async () => {
    // The tier most customers hold, and one of its customers.
    const [{ tier: held, cif_no: cifNo }] = await hub.sql<{ tier: string; cif_no: string }>(
      `select current_tier as tier, min(cif_no) as cif_no from customer
       where current_tier is not null group by 1 order by count(*) desc limit 1`,
    );
    const rename = (code: string) => (code === held ? 'RENAMED' : code);
    const tierDocument = structuredClone(DEFAULT_TIER_RULE_SET) as any;
    for (const t of tierDocument.tiers) t.code = rename(t.code);
    for (const cell of tierDocument.matrix) cell.tier = rename(cell.tier);
    const grantDocument = structuredClone(DEFAULT_ENTITLEMENT_RULE_SET) as any;
    for (const grant of grantDocument.grants) grant.tiers = grant.tiers.map(rename);
    const draft = async (kind: string, document: object) =>
      (await hub.gql(DRAFT, { input: { kind, document, note: `${held} is now RENAMED` } })).data!
        .createRuleSetDraft as { id: string; valid: boolean };
    const tiers = await draft('TIER', tierDocument);
    const grants = await draft('ENTITLEMENT', grantDocument);
    // Alone, each is checked against the other kind's active version, which it does not fit
    // (as validated and activated: drafted, a tier document is checked on its own).
    expect(grants.valid).toBe(false);
    expect(tiers.valid).toBe(true);
    const validate = `query ($id: ID!, $with: ID) {
      validateRuleSetVersion(id: $id, alongWith: $with) { valid problems { rule } } }`;
    expect((await hub.gql(validate, { id: grants.id })).data!.validateRuleSetVersion.valid).toBe(
      false,
    );
    // The tier draft alone too: activated alone, it goes with the active grants, which name
    // the tier it renames (the job would fail).
    const alone = (await hub.gql(validate, { id: tiers.id })).data!.validateRuleSetVersion;
    expect(alone.valid).toBe(false);
    expect(alone.problems).toContainEqual({ rule: 'UNKNOWN_TIER' });
    // Together, either way round, as activating them together checks them.
    for (const [id, along] of [
      [grants.id, tiers.id],
      [tiers.id, grants.id],
    ]) {
      expect((await hub.gql(validate, { id, with: along })).data!.validateRuleSetVersion).toEqual({
        valid: true,
        problems: [],
      });
    }
    const unchanged = await draft('ENTITLEMENT', DEFAULT_ENTITLEMENT_RULE_SET);
    const mismatch = (await hub.gql(validate, { id: tiers.id, with: unchanged.id })).data!
      .validateRuleSetVersion;
    expect(mismatch.valid).toBe(false);
    expect(mismatch.problems).toContainEqual({ rule: 'UNKNOWN_TIER' });
    // A tier draft with problems of its own: its problems, not a failure.
    const broken = await draft('TIER', { tiers: 'x' });
    for (const [id, along] of [
      [grants.id, broken.id],
      [broken.id, grants.id],
    ]) {
      const checked = await hub.gql(validate, { id, with: along });
      expect(checked.errors).toBeUndefined();
      expect(checked.data!.validateRuleSetVersion.valid).toBe(false);
      const activated = await hub.gql(
        `mutation ($id: ID!, $with: ID) { activateRuleSetVersion(id: $id, alongWith: $with) { id } }`,
        { id, with: along },
      );
      expect(activated.errors![0].extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
    }
    const retired = await hub.gql(validate, { id: grants.id, with: await activeTierVersion() });
    expect(retired.errors![0].extensions).toMatchObject({
      field: 'alongWith',
      rule: 'NOT_A_DRAFT',
    });
    const aloneActivated = await hub.gql(
      `mutation ($id: ID!) { activateRuleSetVersion(id: $id) { id } }`,
      { id: tiers.id },
    );
    expect(aloneActivated.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: expect.stringMatching(/^activeEntitlementRules\.grants\[\d+\]\.tiers\[\d+\]$/),
      rule: 'UNKNOWN_TIER',
    });
    const wrong = await hub.gql(
      `mutation ($id: ID!, $with: ID) { activateRuleSetVersion(id: $id, alongWith: $with) { id } }`,
      { id: tiers.id, with: (await tierDraft(2750)).id },
    );
    expect(wrong.errors![0].extensions).toMatchObject({ field: 'alongWith', rule: 'WRONG_KIND' });

    const started = await hub.gql(
      `mutation ($id: ID!, $with: ID) { activateRuleSetVersion(id: $id, alongWith: $with) {
        id alongWith { id } } }`,
      { id: tiers.id, with: grants.id },
    );
    expect(started.errors).toBeUndefined();
    expect(started.data!.activateRuleSetVersion.alongWith).toEqual({ id: grants.id });
    await hub.app.services.activations.idle();
    const active = await hub.sql(
      `select kind, id from rule_set_version where status = 'ACTIVE' order by kind`,
    );
    expect(active).toEqual([
      { kind: 'ENTITLEMENT', id: grants.id },
      { kind: 'TIER', id: tiers.id },
    ]);
    // The customers of the renamed tier hold it, with the services it grants, at once.
    const profile = await hub.gql(
      `query ($cif: String!) { customer(by: { cifNo: $cif }) {
        tier { tier } entitlements { service } } }`,
      { cif: cifNo },
      Role.FRONTLINE,
    );
    expect(profile.data!.customer.tier.tier).toBe('RENAMED');
    expect(profile.data!.customer.entitlements.length).toBeGreaterThan(0);

    // And back, the same way, for the other cases of this file.
    const back = await draft('ENTITLEMENT', DEFAULT_ENTITLEMENT_RULE_SET);
    const original = await draft('TIER', DEFAULT_TIER_RULE_SET);
    const restored = await hub.gql(
      `mutation ($id: ID!, $with: ID) { activateRuleSetVersion(id: $id, alongWith: $with) { id } }`,
      { id: back.id, with: original.id },
    );
    expect(restored.errors).toBeUndefined();
    await hub.app.services.activations.idle();
    expect(await activeTierVersion()).toBe(original.id);
  });

  it('refuses at once what is not a valid draft, without starting a job', async () => {
    const jobs = async () =>
      (await hub.sql('select count(*)::int as n from rule_set_activation'))[0].n;
    const before = await jobs();
    const res = await hub.gql(`mutation ($id: ID!) { activateRuleSetVersion(id: $id) { id } }`, {
      id: await activeTierVersion(),
    });
    expect(res.errors![0].extensions).toMatchObject({ code: 'CONFLICT', rule: 'NOT_A_DRAFT' });
    expect(await jobs()).toBe(before);
  });

  it('marks FAILED at start-up a job whose process died, and only such a job', async () => {
    const draft = await tierDraft(2000);
    const [dead, alive] = await hub.sql<{ id: string }>(
      `insert into rule_set_activation (id, rule_set_version_id, requested_by, state, started_at)
       select gen_random_uuid(), $1, 'test', 'RUNNING', now() from generate_series(1, 2)
       returning id`,
      [draft.id],
    );
    // The live one's runner holds its lock, as a running job's transaction does.
    const runner = new Client({ connectionString: hub.databaseUrl });
    await runner.connect();
    try {
      await runner.query('begin');
      await runner.query('select pg_advisory_xact_lock(7301, hashtext($1))', [alive!.id]);
      expect(await hub.app.services.activations.failAbandoned()).toBe(1);
    } finally {
      await runner.end();
    }
    const states = await hub.sql(
      'select id, state, error from rule_set_activation where id = any($1::uuid[])',
      [[dead!.id, alive!.id]],
    );
    expect(states).toEqual(
      expect.arrayContaining([
        {
          id: dead!.id,
          state: 'FAILED',
          error: 'the process running it stopped before it finished',
        },
        { id: alive!.id, state: 'RUNNING', error: null },
      ]),
    );
    await hub.sql(`delete from rule_set_activation where id = $1`, [alive!.id]);
  });

  it('answers FAILED for a job whose process died, when it is followed', async () => {
    const draft = await tierDraft(2250);
    const [dead] = await hub.sql<{ id: string }>(
      `insert into rule_set_activation (id, rule_set_version_id, requested_by, state, started_at)
       values (gen_random_uuid(), $1, 'test', 'RUNNING', now()) returning id`,
      [draft.id],
    );
    const followed = await hub.gql(
      `query ($id: ID!) { ruleSetActivation(id: $id) { state error } }`,
      { id: dead!.id },
    );
    expect(followed.data!.ruleSetActivation).toEqual({
      state: 'FAILED',
      error: 'the process running it stopped before it finished',
    });
  });

  describe('seen by another instance', () => {
    let other: TestHub;
    beforeAll(async () => {
      // A second hub on the same database, running no tier worker.
      other = await startTestHub({ sharing: hub });
    });
    afterAll(() => other.close());

    const eventually = async (check: () => boolean) => {
      for (let waited = 0; !check(); waited += 50) {
        if (waited > 5_000) throw new Error('not within 5 seconds');
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    it('learns of an activation within seconds, and decides under the new rules', async () => {
      const document = structuredClone(DEFAULT_ENTITLEMENT_RULE_SET);
      const draft = await hub.gql(DRAFT, {
        input: { kind: 'ENTITLEMENT', document, note: 'Same services, new version' },
      });
      const { id, version } = draft.data!.createRuleSetDraft;
      expect(other.app.services.ruleSets.entitlement!.id).not.toBe(id);
      expect((await activateAndWait(hub, id)).job).toMatchObject({ state: 'SUCCEEDED' });
      await eventually(() => other.app.services.ruleSets.entitlement?.id === id);

      const [customer] = await other.sql(`select id from customer limit 1`);
      const decision = await other.gql(
        `mutation ($input: EligibilityRequest!) { decideEligibility(input: $input) {
          entitlementRuleSetVersion { version } } }`,
        {
          input: {
            customerId: customer.id,
            service: 'FLASH_CLAIM',
            claim: {
              amount: '1000',
              accidentAt: hub.clock.now().toISOString(),
              singleParty: true,
              injury: false,
            },
          },
        },
        Role.FRONTLINE,
      );
      expect(decision.errors).toBeUndefined();
      expect(decision.data!.decideEligibility.entitlementRuleSetVersion).toEqual({ version });
    });

    it('hears of activations again after its listening connection was cut', async () => {
      const cut = await hub.sql(
        `select pg_terminate_backend(pid) from pg_stat_activity
         where datname = current_database() and query like 'listen %'`,
      );
      expect(cut.length).toBeGreaterThanOrEqual(2);
      const draft = await hub.gql(DRAFT, {
        input: {
          kind: 'ENTITLEMENT',
          document: structuredClone(DEFAULT_ENTITLEMENT_RULE_SET),
          note: 'Activated while nobody listened',
        },
      });
      const { id } = draft.data!.createRuleSetDraft;
      expect((await activateAndWait(hub, id)).job).toMatchObject({ state: 'SUCCEEDED' });
      await eventually(() => other.app.services.ruleSets.entitlement?.id === id);
      expect(other.logs).toContainEqual(
        expect.objectContaining({ message: 'lost the notification connection; reconnecting' }),
      );
    });
  });
});
