import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { generateKeyPair, SignJWT, type JWTPayload } from 'jose';
import { Role } from '../../src/auth/roles';
import { configProblems } from '../setup/config';
import { ApiKeyService } from '../../src/modules/api-key/api-key.service';
import { AuditLog, commandLineActor } from '../../src/modules/audit/audit-log';
import { SourceSystem } from '../../src/modules/customer/customer.enums';
import { customerRecord, INGEST_CUSTOMERS, insertBranches, nextNumber } from '../setup/factories';
import { startTestIssuer, type TestIssuer } from '../setup/jwks';
import { startTestHub, TEST_SECRETS, TEST_SECRETS_ENV, type TestHub } from '../setup/test-app';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
/** Every role may read the organisation tree: a query any valid caller gets answered. */
const TREE = '{ branches(first: 1) { totalCount } }';
const now = () => Math.floor(Date.now() / 1000);

interface Answer {
  status: number;
  text: string;
  body: {
    data?: Record<string, any>;
    errors?: { message: string; extensions: Record<string, any> }[];
  };
}

async function ask(
  hub: TestHub,
  authorization: string,
  query = TREE,
  variables: Record<string, unknown> = {},
): Promise<Answer> {
  const response = await fetch(hub.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  return { status: response.status, text, body: JSON.parse(text) };
}

/** 401 UNAUTHENTICATED saying `reason`, with nothing of the credential in it. */
function expectRefused(answer: Answer, reason: RegExp, credential: string) {
  expect({ status: answer.status, code: answer.body.errors?.[0]?.extensions.code }).toEqual({
    status: 401,
    code: 'UNAUTHENTICATED',
  });
  expect(answer.body.errors![0].message).toMatch(reason);
  expect(answer.body.data).toBeUndefined();
  for (const part of credential.split('.').filter((p) => p.length > 8)) {
    expect(answer.text).not.toContain(part);
  }
}

const unsigned = (claims: JWTPayload) =>
  [{ alg: 'none', typ: 'JWT' }, claims]
    .map((part) => Buffer.from(JSON.stringify(part)).toString('base64url'))
    .join('.') + '.';

describe('bearer tokens in development and tests (HS256)', () => {
  let hub: TestHub;
  const secret = new TextEncoder().encode(TEST_SECRETS.jwtSecret);
  /** A token the hub accepts, but for `claims` (undefined drops a claim). */
  const claims = (overrides: JWTPayload = {}): JWTPayload =>
    JSON.parse(
      JSON.stringify({
        sub: 'agent-0042',
        role: 'frontline',
        branch: '3201',
        iss: 'cif-hub',
        aud: 'cif-hub',
        iat: now(),
        exp: now() + 3600,
        ...overrides,
      }),
    );
  const sign = (payload: JWTPayload, alg = 'HS256', key: Uint8Array = secret) =>
    new SignJWT(payload).setProtectedHeader({ alg, typ: 'JWT' }).sign(key);

  beforeAll(async () => {
    hub = await startTestHub();
    await insertBranches(hub);
    await hub.sql(
      `insert into branch (id, code, name, level, parent_id, path, valid_from, valid_to)
       values (gen_random_uuid(), 'AUTH-CLOSED', 'Closed', 'COUNTY',
               (select id from branch where code = '3201'), '0000.3200.3201.AUTH-CLOSED',
               current_date - 30, current_date - 1)`,
    );
  });
  afterAll(() => hub.close());

  it('accepts a token that passes every check, and the helper tokens of the test hub', async () => {
    const answer = await ask(hub, `Bearer ${await sign(claims())}`);
    expect(answer.status).toBe(200);
    expect(answer.body.data!.branches.totalCount).toBeGreaterThan(0);
    expect((await ask(hub, `Bearer ${hub.token(Role.ADMIN)}`)).status).toBe(200);
  });

  const refusals: [string, () => Promise<string>, RegExp][] = [
    ['an expired token', () => sign(claims({ iat: now() - 7200, exp: now() - 3600 })), /expired/],
    ['a token without exp', () => sign(claims({ exp: undefined })), /has no exp claim/],
    [
      'a token living longer than the maximum',
      () => sign(claims({ exp: now() + 13 * 3600 })),
      /lives 46800 s, longer than the 43200 s allowed/,
    ],
    [
      'a token expiring in a hundred years',
      () => sign(claims({ exp: now() + 100 * 365 * 86400 })),
      /longer than the 43200 s allowed/,
    ],
    [
      'a short-lived token issued in the future, to stretch its lifetime',
      () => sign(claims({ iat: now() + 50 * 365 * 86400, exp: now() + 50 * 365 * 86400 + 60 })),
      /longer than the 43200 s allowed/,
    ],
    [
      'a token signed with another secret',
      () => sign(claims(), 'HS256', new TextEncoder().encode('x'.repeat(48))),
      /signature that does not verify/,
    ],
    ['an unsigned token (alg: none)', async () => unsigned(claims()), /not signed with HS256/],
    ['a token of another algorithm', () => sign(claims(), 'HS512'), /not signed with HS256/],
    ['a token for another audience', () => sign(claims({ aud: 'crm' })), /not meant for cif-hub/],
    ['a token of another issuer', () => sign(claims({ iss: 'crm' })), /not issued by cif-hub/],
    ['a token not valid yet', () => sign(claims({ nbf: now() + 3600 })), /not valid yet/],
    [
      'a token whose nbf is no time',
      () => sign(claims({ nbf: 'x' as unknown as number })),
      /has an invalid nbf claim/,
    ],
    [
      'a token of an unknown branch',
      () => sign(claims({ branch: '9999' })),
      /names branch 9999, which does not exist/,
    ],
    [
      'a token whose branch is a mobile number',
      () => sign(claims({ branch: '13800138000' })),
      /names branch \[digits\], which does not exist/,
    ],
    ['a token of an empty branch', () => sign(claims({ branch: '' })), /has no branch/],
    [
      'a token of a closed branch',
      () => sign(claims({ branch: 'AUTH-CLOSED' })),
      /names branch AUTH-CLOSED, which is closed/,
    ],
    ['a token of an unknown role', () => sign(claims({ role: 'root' })), /has no known role/],
    ['a token without a subject', () => sign(claims({ sub: undefined })), /has no subject/],
    [
      'a token whose subject is blank',
      () => sign(claims({ sub: ' \u200b\u2800 ' })),
      /has no subject/,
    ],
    [
      'a token whose subject holds a control character',
      () => sign(claims({ sub: 'agent\u0000' })),
      /control character in its subject/,
    ],
    [
      'a token whose subject holds half a character',
      () => sign(claims({ sub: 'agent\uD800' })),
      /unpaired surrogate in its subject/,
    ],
    ['a malformed token', async () => 'not-a-jwt', /malformed/],
  ];

  it.each(refusals)('refuses %s with 401 UNAUTHENTICATED, saying why', async (_, token, why) => {
    const credential = await token();
    expectRefused(await ask(hub, `Bearer ${credential}`), why, credential);
  });

  it('refuses a request without credentials or with another scheme', async () => {
    for (const authorization of ['', 'Basic YWRtaW46YWRtaW4=', 'Bearer']) {
      expectRefused(await ask(hub, authorization), /Send Authorization: Bearer/, authorization);
    }
  });
});

describe('bearer tokens in production (the identity provider’s JWKS)', () => {
  let issuer: TestIssuer;
  let hub: TestHub;
  const steward = { subject: 'steward-7', role: Role.STEWARD, branchCode: '3201' };

  beforeAll(async () => {
    issuer = await startTestIssuer();
    // No cooldown: a rotated key is fetched on its first token, not up to 30 s later.
    hub = await startTestHub({
      config: { env: 'production', tokens: { ...issuer.settings, jwksCooldownMs: 0 } },
    });
    await insertBranches(hub);
  });
  afterAll(async () => {
    await hub.close();
    await issuer.close();
  });

  it('accepts RS256 and ES256 tokens signed with the keys the JWKS publishes', async () => {
    for (const alg of ['RS256', 'ES256'] as const) {
      const answer = await ask(hub, `Bearer ${await issuer.sign(steward, { alg })}`);
      expect({ alg, status: answer.status, errors: answer.body.errors }).toEqual({
        alg,
        status: 200,
        errors: undefined,
      });
    }
  });

  it('accepts tokens of a rotated key without a restart, fetching the JWKS again only then', async () => {
    await ask(hub, `Bearer ${await issuer.sign(steward)}`);
    const before = issuer.fetches();
    await issuer.rotate('RS256');
    const rotated = await issuer.sign(steward);
    expect((await ask(hub, `Bearer ${rotated}`)).status).toBe(200);
    expect(issuer.fetches()).toBe(before + 1);
    expect((await ask(hub, `Bearer ${rotated}`)).status).toBe(200);
    expect(issuer.fetches()).toBe(before + 1);
  });

  it('refuses tokens of keys the JWKS does not hold, and HS256 tokens of the development secret', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const stranger = await new SignJWT({ role: 'admin', branch: '0000' })
      .setProtectedHeader({ alg: 'RS256', kid: 'not-published' })
      .setSubject('intruder')
      .setIssuer(issuer.settings.issuer)
      .setAudience(issuer.settings.audience)
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(privateKey);
    expectRefused(await ask(hub, `Bearer ${stranger}`), /key set does not hold/, stranger);
    const development = hub.token(Role.ADMIN);
    expectRefused(
      await ask(hub, `Bearer ${development}`),
      /not signed with RS256 or ES256/,
      development,
    );
  });

  it('refuses a JWKS-signed token for another audience or issuer, or living too long', async () => {
    for (const [claims, why] of [
      [{ aud: 'cif-hub' }, /not meant for cif-hub-test/],
      [{ iss: 'cif-hub' }, /not issued by https:\/\/idp.test.example/],
      [{ exp: now() + 24 * 3600 }, /longer than the 43200 s allowed/],
    ] as const) {
      const token = await issuer.sign(steward, { alg: 'ES256', claims });
      expectRefused(await ask(hub, `Bearer ${token}`), why, token);
    }
  });

  it('answers 503 KEYS_UNAVAILABLE while the JWKS cannot be fetched: the token may be good', async () => {
    const gone = await startTestIssuer();
    await gone.close();
    const orphan = await startTestHub({
      sharing: hub,
      config: { env: 'production', tokens: gone.settings },
    });
    try {
      const answer = await ask(orphan, `Bearer ${await gone.sign(steward)}`);
      expect(answer.status).toBe(503);
      expect(answer.body.errors![0].extensions).toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        reason: 'KEYS_UNAVAILABLE',
      });
      expect(orphan.logs.map((l) => l.message)).toContain('token keys unavailable');
    } finally {
      await orphan.close();
    }
  });
});

describe('production refuses to start without real key configuration', () => {
  const production = {
    NODE_ENV: 'production',
    DATABASE_URL: 'postgres://cif_hub@db.example.internal/cif_hub',
    PII_HASH_KEY: TEST_SECRETS.piiHashKey,
    PII_ENCRYPTION_KEYS: TEST_SECRETS.piiEncryptionKeys,
  };
  const problems = configProblems;

  it('requires a JWKS URL, an issuer and an audience, and refuses an HS256 secret', () => {
    expect(problems({ ...production, JWT_SECRET: TEST_SECRETS.jwtSecret })).toEqual([
      'JWT_JWKS_URL is required in production',
      'JWT_ISSUER is required in production',
      'JWT_AUDIENCE is required in production',
      'JWT_SECRET must not be set in production: tokens are verified with JWT_JWKS_URL',
    ]);
    const keys = {
      JWT_JWKS_URL: 'https://idp.example.internal/jwks.json',
      JWT_ISSUER: 'https://idp.example.internal',
      JWT_AUDIENCE: 'cif-hub',
    };
    expect(problems({ ...production, ...keys })).toEqual([]);
    expect(
      problems({ ...production, ...keys, JWT_JWKS_URL: 'http://idp.example.internal/jwks.json' }),
    ).toEqual([
      'JWT_JWKS_URL must be an https:// URL (http:// only to a loopback address), got "http://idp.example.internal/jwks.json"',
    ]);
    expect(problems({ ...production, ...keys, JWT_ALGORITHMS: 'RS256,HS256' })).toEqual([
      'JWT_ALGORITHMS must list some of RS256, ES256, got "RS256,HS256"',
    ]);
  });

  it('exits at start with the problems listed, before opening anything', async () => {
    const started = run(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'src/main.ts'],
      { cwd: ROOT, env: { ...process.env, ...TEST_SECRETS_ENV, ...production } },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (error: { code: number; stderr: string }) => error,
    );
    const { code, stderr } = await started;
    expect(code).toBe(1);
    expect(stderr).toContain('JWT_JWKS_URL is required in production');
    expect(stderr).not.toContain(TEST_SECRETS.jwtSecret);
  }, 30_000);
});

describe('API keys of source systems', () => {
  let hub: TestHub;
  let key: string;
  let keyId: string;
  const keys = () => new ApiKeyService(hub.app.services.em.fork());
  const operator = commandLineActor();
  const audit = () => new AuditLog(hub.clock);

  beforeAll(async () => {
    hub = await startTestHub();
    await insertBranches(hub);
    const created = await keys().create(
      { name: 'claims system, Nanjing', sourceSystem: SourceSystem.CLAIMS, branchCode: '3201' },
      operator,
      audit(),
    );
    ({ key } = created);
    keyId = created.apiKey.id;
  });
  afterAll(() => hub.close());

  const claimsRecord = (n: number) =>
    customerRecord(n, { sourceSystem: 'CLAIMS', sourceKey: `CL-${n}` });

  it('ingests records of its own source system', async () => {
    const n = nextNumber();
    const answer = await ask(hub, `ApiKey ${key}`, INGEST_CUSTOMERS, {
      records: [claimsRecord(n)],
    });
    expect(answer.body.errors).toBeUndefined();
    expect(answer.body.data!.ingestCustomers).toMatchObject({ accepted: 1, rejected: 0 });
    expect(
      await hub.sql('select source_system from source_record where source_key = $1', [`CL-${n}`]),
    ).toEqual([{ source_system: 'CLAIMS' }]);
  });

  it('rejects each record of another source system, and writes the others', async () => {
    const [own, other] = [nextNumber(), nextNumber()];
    const answer = await ask(hub, `ApiKey ${key}`, INGEST_CUSTOMERS, {
      records: [customerRecord(other), claimsRecord(own)],
    });
    expect(answer.body.data!.ingestCustomers).toMatchObject({
      accepted: 1,
      rejected: 1,
      records: [
        {
          index: 0,
          status: 'REJECTED',
          errors: [
            {
              field: 'sourceSystem',
              rule: 'SOURCE_SYSTEM_MISMATCH',
              message: 'this API key sends CLAIMS records only, got POLICY_ADMIN',
            },
          ],
        },
        { index: 1, status: 'CREATED' },
      ],
    });
    expect(
      await hub.sql('select count(*)::int as n from source_record where source_key = $1', [
        `PA-${other}`,
      ]),
    ).toEqual([{ n: 0 }]);
  });

  it('may call nothing but what the ingest role may: FORBIDDEN', async () => {
    for (const query of [
      '{ customer(by: { cifNo: "C0000000001" }) { cifNo } }',
      '{ marketingCustomers { totalCount } }',
    ]) {
      const answer = await ask(hub, `ApiKey ${key}`, query);
      expect(answer.body.errors![0].extensions).toMatchObject({
        code: 'FORBIDDEN',
        role: 'ingest',
      });
    }
  });

  it('is stored as its SHA-256 only', async () => {
    const rows = await hub.sql('select * from api_key where id = $1', [keyId]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      key_hash: createHash('sha256').update(key).digest('hex'),
      source_system: 'CLAIMS',
    });
    expect(JSON.stringify(rows)).not.toContain(key.slice(4));
    expect(JSON.stringify(hub.logs)).not.toContain(key.slice(4));
  });

  it('refuses an unknown key, and a key from the request after its revocation', async () => {
    const { key: doomed, apiKey } = await keys().create(
      { name: 'to revoke 13800138000', sourceSystem: SourceSystem.CLAIMS, branchCode: '3201' },
      operator,
      audit(),
    );
    expect((await ask(hub, `ApiKey ${doomed}`, INGEST_CUSTOMERS, { records: [] })).status).toBe(
      200,
    );
    await keys().revoke(apiKey.id, operator, audit());
    await keys().revoke(apiKey.id, operator, audit());
    expectRefused(await ask(hub, `ApiKey ${doomed}`), /has been revoked/, doomed);
    // Granted and taken away, once each, in the audit log; the name as kept, masked.
    const entries = await hub.sql<{ actor_subject: string; details: Record<string, unknown> }>(
      `select actor_subject, details from audit_event
       where action = 'API_KEY_CHANGE' and target_id = $1 order by id`,
      [apiKey.id],
    );
    expect(entries).toEqual(
      ['CREATED', 'REVOKED'].map((change) => ({
        actor_subject: operator.subject,
        details: { change, name: apiKey.name, sourceSystem: 'CLAIMS', branch: '3201' },
      })),
    );
    expect(apiKey.name).not.toContain('13800138000');
    const unknown = `cif_${'A'.repeat(43)}`;
    expectRefused(await ask(hub, `ApiKey ${unknown}`), /not known/, unknown);
  });

  it('are created, listed and revoked with npm run api-keys', async () => {
    const cli = (...args: string[]) =>
      run(
        process.execPath,
        ['-r', 'ts-node/register/transpile-only', 'src/cli/api-keys.ts', ...args],
        {
          cwd: ROOT,
          env: { ...process.env, ...TEST_SECRETS_ENV, DATABASE_URL: hub.databaseUrl },
        },
      );
    const created = await cli(
      'create',
      '--source-system',
      'DEALER',
      '--branch',
      '3301',
      '--name',
      'dealer portal',
    );
    const printed = created.stdout.trim();
    expect(printed).toMatch(/^cif_[\w-]{43}$/);
    const ingested = await ask(hub, `ApiKey ${printed}`, INGEST_CUSTOMERS, {
      records: [claimsRecord(nextNumber())],
    });
    expect(ingested.body.data!.ingestCustomers.records[0].errors[0].rule).toBe(
      'SOURCE_SYSTEM_MISMATCH',
    );
    const id = /^([0-9a-f-]{36}) {2}DEALER {2}branch 3301 {2}"dealer portal"/m.exec(
      (await cli('list')).stdout,
    )?.[1];
    expect(id).toBeDefined();
    expect((await cli('revoke', id!)).stdout).toMatch(/REVOKED .* by cli:/);
    expectRefused(await ask(hub, `ApiKey ${printed}`), /has been revoked/, printed);
  }, 60_000);
});
