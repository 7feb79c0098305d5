import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload, type KeyLike } from 'jose';
import {
  DEFAULT_TOKEN_SETTINGS,
  type JwksAlgorithm,
  type TokenClaims,
  type TokenSettings,
} from '../../src/auth/tokens';

/**
 * An identity provider of the test's own, as production has one: a JWKS served over
 * node:http on a free port, and tokens signed with the private keys behind it.
 */
export interface TestIssuer {
  /** What a hub verifying this issuer's tokens is configured with. */
  settings: TokenSettings;
  /** The same, as the environment of a hub process in production. */
  env: Record<'JWT_JWKS_URL' | 'JWT_ISSUER' | 'JWT_AUDIENCE', string>;
  /**
   * A token for `caller` from the newest key of `alg` (RS256 by default), living
   * `lifetimeSeconds` (default one hour); `claims` override or add to the standard ones.
   */
  sign(
    caller: TokenClaims,
    options?: { alg?: JwksAlgorithm; lifetimeSeconds?: number; claims?: JWTPayload },
  ): Promise<string>;
  /** A new key of `alg`, with a new kid, published beside the old ones and signing from now. */
  rotate(alg: JwksAlgorithm): Promise<string>;
  /** How many times the JWKS was fetched. */
  fetches(): number;
  close(): Promise<void>;
}

const ISSUER = 'https://idp.test.example';
const AUDIENCE = 'cif-hub-test';

export async function startTestIssuer(): Promise<TestIssuer> {
  const published: JWK[] = [];
  const signing = new Map<JwksAlgorithm, { kid: string; key: KeyLike }>();
  let fetched = 0;
  const rotate = async (alg: JwksAlgorithm) => {
    const { publicKey, privateKey } = await generateKeyPair(alg);
    const kid = randomUUID();
    published.push({ ...(await exportJWK(publicKey)), kid, alg, use: 'sig' });
    signing.set(alg, { kid, key: privateKey });
    return kid;
  };
  await rotate('RS256');
  await rotate('ES256');

  const server = http.createServer((_request, response) => {
    fetched += 1;
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ keys: published }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;

  return {
    settings: { ...DEFAULT_TOKEN_SETTINGS, jwksUrl, issuer: ISSUER, audience: AUDIENCE },
    env: { JWT_JWKS_URL: jwksUrl, JWT_ISSUER: ISSUER, JWT_AUDIENCE: AUDIENCE },
    async sign(caller, { alg = 'RS256', lifetimeSeconds = 3600, claims = {} } = {}) {
      const { kid, key } = signing.get(alg)!;
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({
        role: caller.role,
        branch: caller.branchCode,
        sub: caller.subject,
        iss: ISSUER,
        aud: AUDIENCE,
        iat: now,
        exp: now + lifetimeSeconds,
        ...claims,
      })
        .setProtectedHeader({ alg, kid, typ: 'JWT' })
        .sign(key);
    },
    rotate,
    fetches: () => fetched,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
