import { SignJWT, decodeJwt } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { signToken, verifyToken } from './auth.js';
import { HttpError } from './errors.js';

const secret = 's'.repeat(32);
const key = new TextEncoder().encode(secret);

/** A token crafted by hand, so each claim can be wrong on its own. */
function craft(
  claims: Record<string, unknown>,
  options: { issuer?: string; audience?: string; subject?: string; alg?: string; secret?: string } = {},
): Promise<string> {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: options.alg ?? 'HS256' })
    .setIssuer(options.issuer ?? 'handoff')
    .setAudience(options.audience ?? 'handoff-api')
    .setIssuedAt()
    .setExpirationTime('1h');
  if (options.subject !== '') jwt.setSubject(options.subject ?? 'user-1');
  return jwt.sign(options.secret ? new TextEncoder().encode(options.secret) : key);
}

async function rejection(token: string, withSecret = secret): Promise<HttpError> {
  try {
    await verifyToken(withSecret, token);
  } catch (err) {
    return err as HttpError;
  }
  throw new Error('verifyToken accepted the token');
}

describe('signToken / verifyToken', () => {
  it('round-trips subject and role', async () => {
    const token = await signToken(secret, { sub: 'mgr-7', role: 'sdr_manager' });
    expect(await verifyToken(secret, token)).toEqual({ sub: 'mgr-7', role: 'sdr_manager' });
  });

  it('takes no team from a token: a manager’s teams are the team records, not a claim', async () => {
    const token = await new SignJWT({ role: 'sdr_manager', team: 'everyone' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('mgr-8')
      .setIssuer('handoff')
      .setAudience('handoff-api')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode(secret));
    const principal = await verifyToken(secret, token);
    expect(principal).toEqual({ sub: 'mgr-8', role: 'sdr_manager' });
    expect(principal).not.toHaveProperty('team');
  });

  it('signs for the Handoff issuer and audience, expiring in 12h by default', async () => {
    const claims = decodeJwt(await signToken(secret, { sub: 'u', role: 'sdr' }));
    expect(claims).toMatchObject({ iss: 'handoff', aud: 'handoff-api', sub: 'u', role: 'sdr' });
    expect(claims.exp! - claims.iat!).toBe(12 * 3600);
  });

  it('accepts a hand-made token with every claim right', async () => {
    expect(await verifyToken(secret, await craft({ role: 'leadership' }))).toEqual({
      sub: 'user-1',
      role: 'leadership',
    });
  });

  it.each<[string, () => Promise<string>, RegExp]>([
    ['an unknown role', () => craft({ role: 'superuser' }), /role/],
    ['no role', () => craft({}), /role/],
    ['no subject', () => craft({ role: 'sdr' }, { subject: '' }), /subject/],
    ['a wrong issuer', () => craft({ role: 'sdr' }, { issuer: 'evil' }), /invalid token/],
    ['a wrong audience', () => craft({ role: 'sdr' }, { audience: 'other-api' }), /invalid token/],
    ['another algorithm', () => craft({ role: 'sdr' }, { alg: 'HS512' }), /invalid token/],
    ['another secret', () => signToken('t'.repeat(32), { sub: 'u', role: 'admin' }), /invalid token/],
    ['an expired token', () => signToken(secret, { sub: 'u', role: 'sdr' }, { expiresIn: '-1s' }), /expired/],
    ['garbage', () => Promise.resolve('not-a-jwt'), /invalid token/],
    ['three garbage parts', () => Promise.resolve('a.b.c'), /invalid token/],
    ['an empty string', () => Promise.resolve(''), /invalid token/],
  ])('rejects %s with 401', async (_what, token, message) => {
    const error = await rejection(await token());
    expect(error).toBeInstanceOf(HttpError);
    expect(error.status).toBe(401);
    expect(error.code).toBe('unauthorized');
    expect(error.message).toMatch(message);
  });

  it('rejects a token with an unsigned ("none") algorithm', async () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none' })).toString('base64url');
    const payload = Buffer.from(
      JSON.stringify({ sub: 'u', role: 'admin', iss: 'handoff', aud: 'handoff-api', exp: 4102444800 }),
    ).toString('base64url');
    const error = await rejection(`${header}.${payload}.`);
    expect(error.status).toBe(401);
  });

  // jose does not type-check `sub`; verifyToken must, or a numeric subject breaks Principal.sub: string.
  it('rejects a token whose subject is not a string', async () => {
    const token = await craft({ role: 'sdr', sub: 42 }, { subject: '' });
    const error = await rejection(token);
    expect(error.status).toBe(401);
  });

  describe('a token verified before', () => {
    afterEach(() => vi.useRealTimers());

    it('is refused once it expires, though it was accepted (and remembered) before', async () => {
      const token = await signToken(secret, { sub: 'u', role: 'sdr' }, { expiresIn: '60s' });
      expect(await verifyToken(secret, token)).toEqual({ sub: 'u', role: 'sdr' });
      expect(await verifyToken(secret, token)).toEqual({ sub: 'u', role: 'sdr' });
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() + 61_000 });
      const error = await rejection(token);
      expect(error.status).toBe(401);
      expect(error.message).toMatch(/expired/);
    });

    it('is refused under another secret', async () => {
      const token = await signToken(secret, { sub: 'u', role: 'admin' });
      await verifyToken(secret, token);
      await expect(verifyToken('t'.repeat(32), token)).rejects.toMatchObject({ status: 401 });
    });
  });
});
