import { Role } from '../../src/auth/roles';
import {
  customerRecord,
  ingestPortfolio,
  insertBranches,
  residentId,
  vin,
} from '../setup/factories';
import { startTestHub, type TestHub } from '../setup/test-app';

/** As a Chinese input method types digits and letters. */
const fullWidth = (text: string) =>
  text.replace(/[0-9A-Za-z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0));

const PROFILE = `query ($by: CustomerLookup!) {
  customer(by: $by) {
    cifNo name kind gender birthDate
    branch { code name parent { code } }
    identityDocuments { type number }
    contactPoints { kind value verificationStatus verificationMethod verifiedAt }
    policies(status: [IN_FORCE]) {
      totalCount
      edges { cursor node { policyNo line premium expiryDate vehicle { vin plate newEnergy }
        parties { role customer { cifNo } } } }
      pageInfo { hasNextPage endCursor }
    }
    openClaims: claims(open: true) { nodes { claimNo status reserve incurred stages { stage at } latestRiskScores { level } } }
    latestRiskScores { stage level score model modelVersion firedRules { code weight } }
    riskHistory { claimCount1y claimFreeYears earnedPremium incurred lifetimeLossRatio }
  }
}`;

describe('the front-line profile', () => {
  let hub: TestHub;
  let cifs: string[];

  beforeAll(async () => {
    hub = await startTestHub();
    await insertBranches(hub);
    cifs = await ingestPortfolio(hub, 3);
  });
  afterAll(() => hub.close());

  it('returns the whole profile of a customer found by identity document in one request', async () => {
    const res = await hub.gql(
      PROFILE,
      { by: { identityDocument: { type: 'RESIDENT_ID', number: residentId(1) } } },
      Role.FRONTLINE,
    );
    expect(res.errors).toBeUndefined();
    const c = res.data!.customer;
    expect(c.cifNo).toBe(cifs[0]);
    expect(c.name).toBe(customerRecord(1).name);
    expect(c.birthDate).toBe('1985-03-12');
    expect(c.gender).toBe('MALE');
    expect(c.branch).toEqual({ code: '3201', name: 'Nanjing', parent: { code: '3200' } });
    expect(c.identityDocuments).toEqual([
      { type: 'RESIDENT_ID', number: `**************${residentId(1).slice(-4)}` },
    ]);
    const mobile = c.contactPoints.find((p: { kind: string }) => p.kind === 'MOBILE');
    expect(mobile).toMatchObject({
      value: '139****0001',
      verificationStatus: 'VERIFIED',
      verificationMethod: 'SMS',
    });
    expect(c.policies.totalCount).toBe(1);
    expect(c.policies.edges[0].node).toMatchObject({
      policyNo: 'PCA00000001',
      line: 'COMMERCIAL_AUTO',
      premium: '4280.50',
      parties: [
        { role: 'POLICYHOLDER', customer: { cifNo: cifs[0] } },
        { role: 'INSURED', customer: { cifNo: cifs[0] } },
      ],
    });
    expect(c.openClaims.nodes[0]).toMatchObject({
      claimNo: 'CL00000001',
      status: 'SURVEYED',
      reserve: '3200.00',
      incurred: '3200.00',
      latestRiskScores: [{ level: 'HIGH' }],
    });
    expect(c.openClaims.nodes[0].stages.map((s: { stage: string }) => s.stage)).toEqual([
      'REPORTED',
      'REGISTERED',
      'SURVEYED',
    ]);
    expect(c.latestRiskScores).toEqual([
      {
        stage: 'UNDERWRITING',
        level: 'LOW',
        score: '12.00',
        model: 'claims-rules',
        modelVersion: 'v3',
        firedRules: [{ code: 'R017', weight: '30' }],
      },
    ]);
  });

  it('finds the same customer by every key the front line holds', async () => {
    const keys = [
      { cifNo: cifs[1] },
      { mobile: '+86 139-0000-0002' },
      { policyNo: 'PCA00000002' },
      { plate: '苏A00002' },
      // Typed with a Chinese input method: full-width digits and letters are the same keys.
      { mobile: fullWidth('13900000002') },
      { identityDocument: { type: 'RESIDENT_ID', number: fullWidth(residentId(2)) } },
      // Read out and written down in groups.
      {
        identityDocument: {
          type: 'RESIDENT_ID',
          number: residentId(2).replace(/^(\d{6})(\d{8})/, '$1 $2 '),
        },
      },
      { plate: fullWidth('苏A00002') },
      // Pasted with the invisible characters around it that ingestion drops.
      { mobile: '\u200b13900000002\u200b\ufeff' },
      { cifNo: `\u2060${cifs[1]}\u200b` },
    ];
    for (const by of keys) {
      const res = await hub.gql(
        'query ($by: CustomerLookup!) { customer(by: $by) { cifNo } }',
        { by },
        Role.FRONTLINE,
      );
      expect(res.data!.customer).toEqual({ cifNo: cifs[1] });
    }
  });

  it('finds a vehicle and a branch by keys typed in full width, as customers', async () => {
    const res = await hub.gql(
      `query ($vin: String!, $plate: String!, $code: String!) {
        byVin: vehicle(vin: $vin) { plate } byPlate: vehicle(plate: $plate) { vin }
        branch(code: $code) { code } branches(under: $code) { totalCount } }`,
      { vin: fullWidth(vin(2)), plate: fullWidth('苏A00002'), code: fullWidth('3201') },
      Role.FRONTLINE,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      byVin: { plate: '苏A00002' },
      byPlate: { vin: vin(2) },
      branch: { code: '3201' },
      branches: { totalCount: expect.any(Number) },
    });
    expect(res.data!.branches.totalCount).toBeGreaterThan(0);
    const segments = await hub.gql(
      `query ($code: String!) { typed: marketingCustomers(filter: { branchCode: $code }) { totalCount }
        plain: marketingCustomers(filter: { branchCode: "3201" }) { totalCount } }`,
      { code: fullWidth('3201') },
      Role.ADMIN,
    );
    expect(segments.data!.typed).toEqual(segments.data!.plain);
    const renamed = await hub.gql(
      `mutation ($code: String!) { renameBranch(input: { code: $code, name: "Nanjing" }) { code } }`,
      { code: fullWidth('3201') },
      Role.ADMIN,
    );
    expect(renamed.data).toEqual({ renameBranch: { code: '3201' } });
  });

  it('answers null for a customer it does not know', async () => {
    const res = await hub.gql(
      '{ customer(by: { cifNo: "C9999999999" }) { cifNo } }',
      {},
      Role.FRONTLINE,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.customer).toBeNull();
  });

  it('rejects a lookup by an identity number that fails its check character', async () => {
    const bad = residentId(1).slice(0, 17) + (residentId(1).endsWith('1') ? '2' : '1');
    const res = await hub.gql(
      'query ($by: CustomerLookup!) { customer(by: $by) { cifNo } }',
      { by: { identityDocument: { type: 'RESIDENT_ID', number: bad } } },
      Role.FRONTLINE,
    );
    expect(res.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'by.identityDocument.number',
      rule: 'ID_CHECKSUM',
    });
  });

  it('refuses a list argument given empty, as a screen with every box unticked, rather than list everything', async () => {
    for (const [list, argument] of [
      ['policies(status: [])', 'customer.policies.status'],
      ['policies(line: [])', 'customer.policies.line'],
      ['riskScores(stage: [])', 'customer.riskScores.stage'],
      [
        'reports: riskScores(stage: [REPORT]) { totalCount } all: riskScores(stage: [])',
        'customer.all.stage',
      ],
    ]) {
      const res = await hub.gql(
        `{ customer(by: { cifNo: "${cifs[1]}" }) { ${list} { totalCount } } }`,
        {},
        Role.FRONTLINE,
      );
      expect(res.errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: argument,
        rule: 'EMPTY_LIST',
      });
    }
    // An alias that is also an argument's name is named once.
    const aliased = await hub.gql(
      `{ first: customer(by: { cifNo: "${cifs[1]}" }) { policies(first: 1000) { totalCount } } }`,
      {},
      Role.FRONTLINE,
    );
    expect(aliased.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'first.policies.first',
      rule: 'PAGE_SIZE',
    });
    // And the administrators' lists.
    for (const [query, argument] of [
      ['{ auditEvents(filter: { actions: [] }) { totalCount } }', 'filter.actions'],
      ['{ branches(status: []) { totalCount } }', 'status'],
      ['{ ruleSetVersions(kind: TIER, status: []) { totalCount } }', 'status'],
    ]) {
      const res = await hub.gql(query!, {}, Role.ADMIN);
      expect(res.errors![0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: argument,
        rule: 'EMPTY_LIST',
      });
    }
  });

  it('refuses a blank key, naming it, for every key of a lookup', async () => {
    for (const key of ['id', 'cifNo', 'mobile', 'policyNo', 'vin', 'plate']) {
      for (const blank of ['', '   ']) {
        const res = await hub.gql(
          'query ($by: CustomerLookup!) { customer(by: $by) { cifNo } }',
          { by: { [key]: blank } },
          Role.FRONTLINE,
        );
        expect(res.errors![0].extensions).toMatchObject({
          code: 'BAD_USER_INPUT',
          field: `by.${key}`,
          rule: 'REQUIRED',
        });
      }
    }
  });
});
