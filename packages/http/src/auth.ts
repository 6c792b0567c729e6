import { SignJWT, jwtVerify, errors as joseErrors } from 'jose';
import { Role } from '@handoff/contracts';
import { unauthorized } from './errors.js';

/** Who is calling: the token's subject and role. */
export interface Principal {
  sub: string;
  role: Role;
  /** The SDR team a manager runs, or an SDR belongs to. */
  team?: string;
}

const ISSUER = 'handoff';
const AUDIENCE = 'handoff-api';

function key(secret: string): Uint8Array {
  return new TextEncoder().encode(secret);
}

/** Signs an HS256 JWT for a principal. */
export async function signToken(
  secret: string,
  principal: Principal,
  options: { expiresIn?: string } = {},
): Promise<string> {
  return new SignJWT({ role: principal.role, ...(principal.team ? { team: principal.team } : {}) })
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
  try {
    const { payload } = await jwtVerify(token, key(secret), {
      issuer: ISSUER,
      audience: AUDIENCE,
      algorithms: ['HS256'],
    });
    const role = Role.safeParse(payload.role);
    if (!role.success || typeof payload.sub !== 'string' || payload.sub.length === 0)
      throw unauthorized('token has no valid role or subject');
    return {
      sub: payload.sub,
      role: role.data,
      ...(typeof payload.team === 'string' ? { team: payload.team } : {}),
    };
  } catch (err) {
    if (err instanceof joseErrors.JWTExpired) throw unauthorized('token expired');
    if (err instanceof joseErrors.JOSEError) throw unauthorized(`invalid token: ${err.code}`);
    throw err;
  }
}
