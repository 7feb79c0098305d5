import jwt from 'jsonwebtoken';
import { UnauthenticatedError } from '../graphql/errors';
import { ROLES, type Caller, type Role } from './roles';

const ISSUER = 'cif-hub';
const ALGORITHM = 'HS256';

/** Signs a caller's token; the hub issues these itself only in development. */
export function signToken(secret: string, caller: Caller, expiresIn: jwt.SignOptions['expiresIn']) {
  return jwt.sign({ role: caller.role, branch: caller.branchCode }, secret, {
    algorithm: ALGORITHM,
    issuer: ISSUER,
    subject: caller.subject,
    expiresIn,
  });
}

/** The caller named by an `Authorization: Bearer` header, or UNAUTHENTICATED. */
export function callerFromHeader(secret: string, header: string | undefined): Caller {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? '');
  if (!match) throw new UnauthenticatedError('Send Authorization: Bearer <token>');
  let claims: jwt.JwtPayload;
  try {
    claims = jwt.verify(match[1], secret, {
      algorithms: [ALGORITHM],
      issuer: ISSUER,
    }) as jwt.JwtPayload;
  } catch (error) {
    const reason = error instanceof jwt.TokenExpiredError ? 'expired' : 'invalid';
    throw new UnauthenticatedError(`The bearer token is ${reason}`);
  }
  const role = claims.role as Role;
  if (!ROLES.includes(role) || typeof claims.branch !== 'string' || !claims.sub) {
    throw new UnauthenticatedError('The bearer token lacks a known role, a branch or a subject');
  }
  return { subject: claims.sub, role, branchCode: claims.branch };
}
