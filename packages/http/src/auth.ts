import { webcrypto } from 'node:crypto';
import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { Role, type Principal } from '@handoff/contracts';
import { unauthorized } from './errors.js';

// The caller's identity lives in @handoff/contracts (use cases take it without knowing HTTP); HTTP makes it.
export { actorOf, type Principal } from '@handoff/contracts';

const ISSUER = 'handoff';
const AUDIENCE = 'handoff-api';

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

// Importing the HMAC key costs more than checking a signature: import it once per secret.
const verifyKeys = new Map<string, Promise<webcrypto.CryptoKey>>();
function verifyKey(secret: string): Promise<webcrypto.CryptoKey> {
  let imported = verifyKeys.get(secret);
  if (!imported) {
    imported = webcrypto.subtle.importKey('raw', key(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['verify']);
    verifyKeys.set(secret, imported);
  }
  return imported;
}

/**
 * Tokens already verified, until they expire: a caller sends the same token
 * with every request, and checking it again would be most of a small
 * request's cost. Bounded; the oldest entries go first.
 */
const VERIFIED_MAX = 10_000;
const verified = new Map<string, { principal: Principal; expiresAt: number }>();

/** Signs an HS256 JWT for a principal. */
export async function signToken(
  secret: string,
  principal: Principal,
  options: { expiresIn?: string } = {},
): Promise<string> {
  return new SignJWT({ role: principal.role })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(principal.sub)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '12h')
    .sign(key(secret));
}

/** Verifies a bearer token; throws 401 with the reason. */
export async function verifyToken(secret: string, token: string): Promise<Principal> {
  const cacheKey = `${secret.length}:${secret}:${token}`;
  const known = verified.get(cacheKey);
  if (known && known.expiresAt > Date.now()) return known.principal;
  verified.delete(cacheKey);
  try {
    const { payload } = await jwtVerify(token, await verifyKey(secret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
    });
    const role = Role.safeParse(payload.role);
    if (!role.success || typeof payload.sub !== 'string' || payload.sub.length === 0)
      throw unauthorized('token has no valid role or subject');
    const principal: Principal = { sub: payload.sub, role: role.data };
    if (typeof payload.exp === 'number') {
      if (verified.size >= VERIFIED_MAX) verified.delete(verified.keys().next().value!);
      verified.set(cacheKey, { principal, expiresAt: payload.exp * 1000 });
    }
    return principal;
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw unauthorized('token expired');
    if (err instanceof joseErrors.JOSEError) throw unauthorized(`invalid token: ${err.code}`);
    throw err;
  }
}
