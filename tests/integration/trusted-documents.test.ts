import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Role } from '../../src/auth/roles';
import { parseManifest } from '../../src/modules/trusted-document/manifest';
import { insertBranches } from '../setup/factories';
import { countStatements } from '../setup/statements';
import { startTestHub, type TestHub } from '../setup/test-app';

const ROOT = path.resolve(__dirname, '../..');
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

const BRANCHES = `query Branches($first: Int) {
  branches(first: $first) { totalCount nodes { code } }
}`;
const REGISTER = `mutation ($input: TrustedDocumentInput!) {
  registerTrustedDocument(input: $input) {
    outcome trustedDocument { hash name registeredBy registeredAt revokedAt }
  }
}`;
const REVOKE = `mutation ($hash: String!) { revokeTrustedDocument(hash: $hash) { hash revokedAt revokedBy } }`;

interface Answer {
  status: number;
  body: { data?: any; errors?: { message: string; extensions: Record<string, unknown> }[] };
}

/** A POST of `body` as `role`. */
async function send(hub: TestHub, role: Role, body: Record<string, unknown>): Promise<Answer> {
  const response = await fetch(hub.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${hub.token(role)}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Answer['body'] };
}

/** Apollo's wire format for a persisted query: the hash instead of the text. */
const byHash = (hash: string, extra: Record<string, unknown> = {}) => ({
  extensions: { persistedQuery: { version: 1, sha256Hash: hash } },
  ...extra,
});

/** A document of its own for each test, so that none depends on what another registered. */
let documents = 0;
const ownDocument = () => {
  documents += 1;
  return BRANCHES.replace('query Branches', `query Branches${documents}`);
};

describe('trusted documents, in production (front line and source systems restricted)', () => {
  let hub: TestHub;

  /** A document of the test's own, registered by an administrator; its hash. */
  const registered = async () => {
    const document = ownDocument();
    const res = await hub.gql(REGISTER, { input: { document } });
    expect(res.errors).toBeUndefined();
    return sha256(document);
  };

  beforeAll(async () => {
    hub = await startTestHub({ config: { env: 'production' } });
    await insertBranches(hub);
  });
  afterAll(() => hub.close());

  it('lets an administrator register a document, keyed by its SHA-256, idempotently', async () => {
    const document = ownDocument();
    const hash = sha256(document);
    const first = await hub.gql(REGISTER, { input: { document, name: 'Branches' } });
    expect(first.errors).toBeUndefined();
    expect(first.data!.registerTrustedDocument).toMatchObject({
      outcome: 'CREATED',
      trustedDocument: {
        hash,
        name: 'Branches',
        registeredBy: 'test-admin (admin)',
        revokedAt: null,
      },
    });
    const again = await hub.gql(REGISTER, { input: { document } });
    expect(again.data!.registerTrustedDocument).toMatchObject({
      outcome: 'UNCHANGED',
      trustedDocument: { hash, name: 'Branches' },
    });
    const listed = await hub.gql('{ trustedDocuments { hash name document } }');
    expect(listed.data!.trustedDocuments.filter((d: { hash: string }) => d.hash === hash)).toEqual([
      { hash, name: 'Branches', document },
    ]);
  });

  it('dates registrations and revocations by the hub’s clock', async () => {
    const document = ownDocument();
    const now = Date.now();
    const at = (days: number) => new Date(now - days * 86_400_000).toISOString();
    try {
      hub.clock.set(at(30));
      const first = await hub.gql(REGISTER, { input: { document } });
      expect(first.data!.registerTrustedDocument.trustedDocument.registeredAt).toBe(at(30));
      hub.clock.set(at(20));
      const revoked = await hub.gql(REVOKE, { hash: sha256(document) });
      expect(revoked.data!.revokeTrustedDocument.revokedAt).toBe(at(20));
      hub.clock.set(at(10));
      const restored = await hub.gql(REGISTER, { input: { document } });
      expect(restored.data!.registerTrustedDocument).toMatchObject({
        outcome: 'REACTIVATED',
        trustedDocument: { registeredAt: at(10), revokedAt: null },
      });
    } finally {
      hub.clock.set(undefined);
    }
  });

  it('runs a registered document named by hash for a restricted role, in either wire format', async () => {
    const hash = await registered();
    const apq = await send(hub, Role.FRONTLINE, byHash(hash, { variables: { first: 2 } }));
    expect(apq.status).toBe(200);
    expect(apq.body.errors).toBeUndefined();
    expect(apq.body.data.branches.nodes).toHaveLength(2);
    const documentId = await send(hub, Role.INGEST, { documentId: `sha256:${hash}` });
    expect(documentId.status).toBe(200);
    expect(documentId.body.data.branches.totalCount).toBeGreaterThan(2);
    // The document text may come along, when it is the one the hash names.
    const text = (
      await hub.gql('{ trustedDocuments { hash document } }')
    ).data!.trustedDocuments.find((d: { hash: string }) => d.hash === hash).document;
    const both = await send(hub, Role.FRONTLINE, byHash(hash, { query: text }));
    expect(both.status).toBe(200);
    const get = await fetch(
      `${hub.url}?${new URLSearchParams({
        extensions: JSON.stringify({ persistedQuery: { version: 1, sha256Hash: hash } }),
        variables: JSON.stringify({ first: 1 }),
      })}`,
      {
        headers: {
          authorization: `Bearer ${hub.token(Role.FRONTLINE)}`,
          'apollo-require-preflight': 'true',
        },
      },
    );
    expect(get.status).toBe(200);
    expect(((await get.json()) as any).data.branches.nodes).toHaveLength(1);
    // Another version of the format, or none, is not read as this one.
    for (const version of [2, undefined, '1']) {
      const other = await send(hub, Role.FRONTLINE, {
        extensions: { persistedQuery: { version, sha256Hash: hash } },
      });
      expect({ status: other.status, extensions: other.body.errors?.[0]?.extensions }).toEqual({
        status: 400,
        extensions: { code: 'BAD_USER_INPUT', reason: 'PERSISTED_QUERY_VERSION' },
      });
    }
    // An id that is no string is malformed, not a document the hub lacks.
    for (const body of [{ documentId: { a: 1 } }, { documentId: 7 }]) {
      const malformed = await send(hub, Role.FRONTLINE, body);
      expect({
        status: malformed.status,
        extensions: malformed.body.errors?.[0]?.extensions,
      }).toEqual({
        status: 400,
        extensions: { code: 'BAD_USER_INPUT', reason: 'DOCUMENT_ID_FORMAT' },
      });
    }
  });

  it('refuses free text from a restricted role, with 403, before anything runs', async () => {
    for (const role of [Role.FRONTLINE, Role.INGEST]) {
      const { result, statements } = await countStatements(() =>
        send(hub, role, { query: BRANCHES }),
      );
      expect(result.status).toBe(403);
      expect(result.body.errors![0].extensions).toEqual({
        code: 'TRUSTED_DOCUMENT_REQUIRED',
        role,
        setting: 'TRUSTED_DOCUMENT_ROLES',
      });
      expect(statements.filter((s) => /\bas data\b/.test(s))).toEqual([]);
    }
  });

  it('refuses an unknown hash, a malformed one, and a text that is not its hash', async () => {
    const hash = await registered();
    const unknown = await send(hub, Role.FRONTLINE, byHash(sha256('{ __typename }')));
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors![0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    // A restricted role cannot register a document by sending it with its hash.
    const smuggled = await send(
      hub,
      Role.FRONTLINE,
      byHash(sha256('{ __typename }'), { query: '{ __typename }' }),
    );
    expect(smuggled.status).toBe(400);
    expect(smuggled.body.errors![0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const malformed = await send(hub, Role.FRONTLINE, {
      documentId: 'sha256:13800138000-zhang@example.com',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors![0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(JSON.stringify(malformed.body)).not.toMatch(/13800138000|zhang@/);
    expect(unknown.body.errors![0].extensions.hash).toBe(sha256('{ __typename }'));
    const mismatch = await send(hub, Role.FRONTLINE, byHash(hash, { query: '{ __typename }' }));
    expect(mismatch.status).toBe(400);
    expect(mismatch.body.errors![0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      reason: 'HASH_MISMATCH',
    });
  });

  it('lets roles not restricted send either, and run an unregistered text sent with its hash', async () => {
    const hash = await registered();
    const text = await send(hub, Role.STEWARD, { query: BRANCHES, variables: { first: 1 } });
    expect(text.status).toBe(200);
    expect(text.body.data.branches.nodes).toHaveLength(1);
    const hashed = await send(hub, Role.UNDERWRITING, byHash(hash));
    expect(hashed.status).toBe(200);
    const other = '{ branches(first: 1) { nodes { name } } }';
    const apqFlow = await send(hub, Role.STEWARD, byHash(sha256(other), { query: other }));
    expect(apqFlow.status).toBe(200);
    expect(apqFlow.body.data.branches.nodes).toHaveLength(1);
    const missing = await send(hub, Role.STEWARD, byHash(sha256(other)));
    expect(missing.status).toBe(400);
    expect(missing.body.errors![0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });

  it('stops running a revoked document at once, and runs it again once registered again', async () => {
    const hash = await registered();
    const document = (
      await hub.gql('{ trustedDocuments { hash document } }')
    ).data!.trustedDocuments.find((d: { hash: string }) => d.hash === hash).document;
    const revoked = await hub.gql(REVOKE, { hash });
    expect(revoked.errors).toBeUndefined();
    expect(revoked.data!.revokeTrustedDocument).toMatchObject({
      hash,
      revokedBy: 'test-admin (admin)',
    });
    const refused = await send(hub, Role.FRONTLINE, byHash(hash));
    expect(refused.status).toBe(400);
    expect(refused.body.errors![0].extensions.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    expect(
      (await hub.gql('{ trustedDocuments { hash } }')).data!.trustedDocuments,
    ).not.toContainEqual({
      hash,
    });
    const restored = await hub.gql(REGISTER, { input: { document } });
    expect(restored.data!.registerTrustedDocument.outcome).toBe('REACTIVATED');
    expect((await send(hub, Role.FRONTLINE, byHash(hash))).status).toBe(200);
    const nothing = await hub.gql(REVOKE, { hash: sha256('nothing') });
    expect(nothing.errors![0].extensions.code).toBe('NOT_FOUND');
  });

  it('registers only documents that validate within the limits, and only for administrators', async () => {
    const count = async () =>
      (await hub.sql<{ n: number }>('select count(*)::int as n from trusted_document'))[0]!.n;
    const before = await count();
    for (const document of [
      '{ branchez { totalCount } }',
      `{ branches(first: 1) { nodes { ${'parent { '.repeat(20)}code${' }'.repeat(20)} } } }`,
      'not graphql',
    ]) {
      const res = await hub.gql(REGISTER, { input: { document } });
      expect(res.status).toBe(200);
      expect(res.errors![0].extensions).toEqual({
        code: 'BAD_USER_INPUT',
        field: 'input.document',
        rule: 'INVALID_DOCUMENT',
      });
    }
    const steward = await hub.gql(
      REGISTER,
      { input: { document: '{ __typename }' } },
      Role.STEWARD,
    );
    expect(steward.errors![0].extensions.code).toBe('FORBIDDEN');
    expect(await count()).toBe(before);
  });

  it('refuses a document without quoting the values written into it', async () => {
    for (const document of [
      '{ customer(by: { mobile: 13887654329 }) { cifNo } }',
      '{ customer(by: { identityDocument: { type: "320502199007084565", number: "1" } }) { cifNo } }',
      '{ customer(by: { mobile: ["yiyi.secret@example.com"] }) { cifNo } }',
      '{ marketingCustomers(filter: { expiringWithinDays: "13887654329" }) { totalCount } }',
      '{ customer(by: { mobile: "13887654329" "yiyi.secret@example.com" }) { cifNo } }',
    ]) {
      const res = await hub.gql(REGISTER, { input: { document } });
      expect(res.errors![0].extensions).toMatchObject({ rule: 'INVALID_DOCUMENT' });
      const { message } = res.errors![0];
      expect(message).not.toMatch(/13887654329|320502199007084565|yiyi\.secret/);
      expect(message).toMatch(/^input\.document: /);
    }
  });

  it("leaves them to the head office's administrators: every branch's clients run them", async () => {
    const hash = await registered();
    const asCity = async (body: Record<string, unknown>) => {
      const response = await fetch(hub.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${hub.token(Role.ADMIN, '3201')}`,
        },
        body: JSON.stringify(body),
      });
      return (await response.json()) as Answer['body'];
    };
    for (const body of [
      { query: REGISTER, variables: { input: { document: ownDocument() } } },
      { query: REVOKE, variables: { hash } },
    ]) {
      const refused = await asCity(body);
      expect(refused.errors![0].extensions).toMatchObject({
        code: 'FORBIDDEN',
        rule: 'HEAD_OFFICE',
      });
      expect(refused.errors![0].message).toContain('branch 3201');
    }
    expect((await send(hub, Role.FRONTLINE, byHash(hash))).status).toBe(200);
    const listed = await asCity({ query: '{ trustedDocuments { hash } }' });
    expect(listed.data.trustedDocuments).toContainEqual({ hash });
  });

  it('keeps the key the hash of the document, in the database itself', async () => {
    const hash = sha256(ownDocument());
    await expect(
      hub.sql(
        `insert into trusted_document (hash, document, registered_by) values ($1, $2, 'sql')`,
        [hash.replace(/^./, (c) => (c === '0' ? '1' : '0')), '{ __typename }'],
      ),
    ).rejects.toMatchObject({ code: '23514', constraint: 'trusted_document_hash_check' });
  });
});

describe('npm run documents:register', () => {
  let hub: TestHub;
  let dir: string;

  beforeAll(async () => {
    hub = await startTestHub();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cif-hub-manifest-'));
  });
  afterAll(async () => {
    await hub.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const register = async (manifest: unknown) => {
    const file = path.join(dir, `manifest-${Math.random().toString(36).slice(2)}.json`);
    fs.writeFileSync(file, typeof manifest === 'string' ? manifest : JSON.stringify(manifest));
    return promisify(execFile)(
      process.execPath,
      ['-r', 'ts-node/register/transpile-only', 'src/cli/trusted-documents.ts', file],
      { cwd: ROOT, env: { ...process.env, DATABASE_URL: hub.databaseUrl } },
    ).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (error: { code: number; stdout: string; stderr: string }) => error,
    );
  };
  const operation = (name: string, body: string) => ({
    id: sha256(body),
    name,
    type: body.startsWith('mutation') ? 'mutation' : 'query',
    body,
  });
  const manifest = (...operations: unknown[]) => ({
    format: 'apollo-persisted-query-manifest',
    version: 1,
    operations,
  });

  it('registers the operations of an Apollo persisted-query manifest, idempotently', async () => {
    const ops = [
      operation('Branches', BRANCHES),
      operation('Branch', 'query Branch($code: String!) { branch(code: $code) { code name } }'),
    ];
    const first = await register(manifest(...ops));
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /Registered 2 operations .*: 2 created, 0 unchanged, 0 reactivated, 0 rejected/,
    );
    const rows = await hub.sql<{ hash: string; name: string; registered_by: string }>(
      'select hash, name, registered_by from trusted_document where hash = any($1) order by name',
      [ops.map((o) => o.id)],
    );
    expect(rows).toEqual([
      { hash: ops[1].id, name: 'Branch', registered_by: `cli:${os.userInfo().username}` },
      { hash: ops[0].id, name: 'Branches', registered_by: `cli:${os.userInfo().username}` },
    ]);
    const again = await register(manifest(...ops));
    expect(again.stdout).toMatch(/0 created, 2 unchanged/);
    // Each registration is in the audit log, as one through the API would be.
    const audited = await hub.sql(
      `select actor_subject, actor_role, details from audit_event
       where action = 'TRUSTED_DOCUMENT_CHANGE' and target_id = $1 order by id`,
      [ops[0].id],
    );
    expect(audited).toEqual(
      ['CREATED', 'UNCHANGED'].map((outcome) => ({
        actor_subject: `cli:${os.userInfo().username}`,
        actor_role: 'cli',
        details: { outcome, name: 'Branches' },
      })),
    );
  });

  it('keeps a mobile or an e-mail put in a document name masked, there and in the audit log', async () => {
    const op = operation(
      'Callback 13800138000 wang@example.com',
      '{ __typename branches { totalCount } }',
    );
    expect((await register(manifest(op))).code).toBe(0);
    const kept = await hub.sql<{ text: string }>(
      `select name as text from trusted_document where hash = $1
       union all select details::text from audit_event where target_id = $1`,
      [op.id],
    );
    expect(kept).toHaveLength(2);
    expect(JSON.stringify(kept)).not.toMatch(/13800138000|wang@example/);
  });

  it('reports a document that does not validate and registers the others (exit 1)', async () => {
    const good = operation('Typename', '{ __typename }');
    const res = await register(manifest(good, operation('Broken', '{ nothing }')));
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/operations\[1\] Broken: Cannot query field "nothing"/);
    expect(await hub.sql('select 1 from trusted_document where hash = $1', [good.id])).toHaveLength(
      1,
    );
  });

  it('refuses a manifest whose ids are not the hashes of their bodies, or that is not one (exit 2)', async () => {
    const wrongId = await register(manifest({ ...operation('X', '{ __typename }'), id: 'abc' }));
    expect(wrongId.code).toBe(2);
    expect(wrongId.stderr).toMatch(/operations\[0\]\.id must be the SHA-256 of its body/);
    const notOne = await register({ format: 'something-else', version: 1, operations: [] });
    expect(notOne.code).toBe(2);
    expect(() => parseManifest('[')).toThrow(/not JSON/);
  });
});
