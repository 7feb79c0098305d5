import { textProblem } from '../graphql/limits/input';
import { hasControlCharacter, isBlank } from '../modules/ingestion/field-rules';
import { createHmac } from 'node:crypto';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import {
  ServiceUnavailableError,
  UnauthenticatedError,
  UnavailableReason,
} from '../graphql/errors';
import type { Logger } from '../logger';
import { ROLES, type Caller, type Role } from './roles';

/** The algorithms a JWKS may sign with; HS256 is for development and tests only. */
export const JWKS_ALGORITHMS = ['RS256', 'ES256'] as const;
export type JwksAlgorithm = (typeof JWKS_ALGORITHMS)[number];
const SECRET_ALGORITHM = 'HS256';

/** What a token must say to be accepted, whoever signed it. */
export interface TokenRules {
  issuer: string;
  audience: string;
  /** The longest a token may live, in seconds, from its `iat` (or from now, without one). */
  maxLifetimeSeconds: number;
}

/** How tokens are verified: config.ts reads these from the environment. */
export interface TokenSettings extends TokenRules {
  /** The issuer's key set. Without one, HS256 with the hub's secret (never in production). */
  jwksUrl?: string;
  jwksAlgorithms: JwksAlgorithm[];
  /** How soon after a fetch of the key set a token naming an unknown `kid` may fetch it again. */
  jwksCooldownMs: number;
}

export const DEFAULT_TOKEN_SETTINGS: TokenSettings = {
  issuer: 'cif-hub',
  audience: 'cif-hub',
  maxLifetimeSeconds: 12 * 60 * 60,
  jwksAlgorithms: [...JWKS_ALGORITHMS],
  jwksCooldownMs: 30_000,
};

/** Clocks of the issuer and the hub may differ by this much, for `exp`, `nbf` and `iat`. */
const CLOCK_TOLERANCE_SECONDS = 30;

/** What a verified token says about its caller; the branch is checked by the caller of this. */
export type TokenClaims = Pick<Caller, 'subject' | 'role' | 'branchCode'>;

const nowSeconds = () => Math.floor(Date.now() / 1000);

/**
 * Signs an HS256 token. The hub issues tokens itself only in development (the tokens printed
 * at start) and in tests; synchronous, unlike jose's signer, so that helpers stay simple.
 */
export function signToken(
  secret: string,
  caller: TokenClaims,
  lifetimeSeconds: number,
  rules: Pick<TokenRules, 'issuer' | 'audience'> = DEFAULT_TOKEN_SETTINGS,
): string {
  const iat = nowSeconds();
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signed = `${part({ alg: SECRET_ALGORITHM, typ: 'JWT' })}.${part({
    sub: caller.subject,
    role: caller.role,
    branch: caller.branchCode,
    iss: rules.issuer,
    aud: rules.audience,
    iat,
    exp: iat + lifetimeSeconds,
  })}`;
  return `${signed}.${createHmac('sha256', secret).update(signed).digest('base64url')}`;
}

/**
 * How long a verified token is taken at its word before its signature is checked again
 * (never past its expiry): a front-line client sends the same token hundreds of times a
 * minute, and an RS256 check cost a tenth of the hub's CPU per request. A key withdrawn
 * from the key set stops working this much later.
 */
const VERIFIED_FOR_SECONDS = 60;
const VERIFIED_TOKENS = 10_000;

/** Verifies bearer tokens with jose: signature, algorithm, issuer, audience, expiry, lifetime. */
export class TokenVerifier {
  private readonly key: Uint8Array | JWTVerifyGetKey;
  private readonly algorithms: string[];
  /** Tokens verified lately, until when their claims stand without another check. */
  private readonly verified = new Map<string, { claims: TokenClaims; until: number }>();

  constructor(
    private readonly rules: TokenSettings,
    /** The HS256 secret, used only without a JWKS. */
    secret: string | undefined,
    private readonly logger: Logger,
  ) {
    if (rules.jwksUrl) {
      // Cached; a token naming a kid the cached set lacks fetches the set again (at most
      // once per cooldown), so the issuer can rotate keys without a restart of the hub.
      this.key = createRemoteJWKSet(new URL(rules.jwksUrl), {
        cooldownDuration: rules.jwksCooldownMs,
      });
      this.algorithms = [...rules.jwksAlgorithms];
    } else if (secret) {
      this.key = new TextEncoder().encode(secret);
      this.algorithms = [SECRET_ALGORITHM];
    } else {
      throw new Error('Tokens need a JWKS URL or an HS256 secret to be verified with');
    }
  }

  /** The claims of a valid token; UNAUTHENTICATED saying what is wrong with any other. */
  async verify(token: string): Promise<TokenClaims> {
    const seen = this.verified.get(token);
    if (seen && nowSeconds() < seen.until) return seen.claims;
    const { claims, exp } = await this.check(token);
    if (this.verified.size >= VERIFIED_TOKENS) this.verified.clear();
    this.verified.set(token, {
      claims,
      until: Math.min(exp + CLOCK_TOLERANCE_SECONDS, nowSeconds() + VERIFIED_FOR_SECONDS),
    });
    return claims;
  }

  private async check(token: string): Promise<{ claims: TokenClaims; exp: number }> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.key as JWTVerifyGetKey, {
        algorithms: this.algorithms,
        issuer: this.rules.issuer,
        audience: this.rules.audience,
        requiredClaims: ['exp'],
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      }));
    } catch (error) {
      throw this.refusal(error);
    }
    // An `iat` in the future would stretch the lifetime: it counts from now at the latest.
    const now = nowSeconds();
    const lifetime = payload.exp! - Math.min(payload.iat ?? now, now);
    if (lifetime > this.rules.maxLifetimeSeconds) {
      throw refused(
        `lives ${lifetime} s, longer than the ${this.rules.maxLifetimeSeconds} s allowed`,
      );
    }
    const { sub, role, branch } = payload;
    // The audit log names every caller by it: spaces or invisible characters name no one,
    // and a control character (NUL among them) is no one's name and cannot be stored.
    if (typeof sub !== 'string' || isBlank(sub)) throw refused('has no subject (sub)');
    if (hasControlCharacter(sub)) throw refused('has a control character in its subject (sub)');
    // Half a character: stored, it reads as U+FFFD, and two subjects would become one name.
    if (textProblem(sub, 'sub')) throw refused('has an unpaired surrogate in its subject (sub)');
    if (!ROLES.includes(role as Role)) {
      throw refused(`has no known role: role is one of ${ROLES.join(', ')}`);
    }
    if (typeof branch !== 'string' || !branch) throw refused('has no branch');
    return { claims: { subject: sub, role: role as Role, branchCode: branch }, exp: payload.exp! };
  }

  private refusal(error: unknown): Error {
    if (error instanceof errors.JWTExpired) return refused('has expired (exp)');
    if (error instanceof errors.JWTClaimValidationFailed) {
      const { claim, reason } = error;
      if (reason === 'missing') return refused(`has no ${claim} claim`);
      if (claim === 'nbf' && reason === 'check_failed') return refused('is not valid yet (nbf)');
      if (claim === 'iss') return refused(`was not issued by ${this.rules.issuer} (iss)`);
      if (claim === 'aud') return refused(`is not meant for ${this.rules.audience} (aud)`);
      return refused(`has an invalid ${claim} claim`);
    }
    if (error instanceof errors.JOSEAlgNotAllowed) {
      return refused(`is not signed with ${this.algorithms.join(' or ')} (alg)`);
    }
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      return refused('has a signature that does not verify');
    }
    if (error instanceof errors.JWKSNoMatchingKey) {
      return refused('is signed with a key the key set does not hold (kid)');
    }
    if (
      error instanceof errors.JWKSMultipleMatchingKeys ||
      error instanceof errors.JWSInvalid ||
      error instanceof errors.JWTInvalid ||
      error instanceof errors.JOSENotSupported
    ) {
      return refused('is malformed');
    }
    // Anything else is the key set that could not be fetched or read: the token may be good.
    if (typeof this.key === 'function') {
      this.logger.warn('token keys unavailable', { error: String(error) });
      return new ServiceUnavailableError(UnavailableReason.KEYS_UNAVAILABLE);
    }
    return error as Error;
  }
}

const refused = (what: string) => new UnauthenticatedError(`The bearer token ${what}`);
