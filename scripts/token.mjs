// npm run --silent token -- <role> [--sub <id>] [--team <team>]
// Prints a JWT for the local stack, signed with its secret (.state/dev/jwt-secret).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { localSecret } from '../infra/index.mjs';
import { ensureDependencies, repoRoot } from './lib.mjs';

const ROLES = ['marketing_ops', 'sdr', 'sdr_manager', 'sales', 'leadership', 'admin', 'service'];
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { sub: { type: 'string' }, team: { type: 'string' }, expires: { type: 'string', default: '12h' } },
});
const role = positionals[0];
if (!ROLES.includes(role)) {
  process.stderr.write(
    `usage: npm run --silent token -- <role> [--sub <id>] [--team <team>]\nroles: ${ROLES.join(', ')}\n`,
  );
  process.exit(2);
}
ensureDependencies();
const { SignJWT } = await import('jose');
// The same claims as @handoff/http's signToken; kept here so the command needs no build.
const secret = localSecret(path.join(repoRoot, '.state', 'dev'));
const token = await new SignJWT({ role, ...(values.team ? { team: values.team } : {}) })
  .setProtectedHeader({ alg: 'HS256' })
  .setSubject(values.sub ?? `${role}-1`)
  .setIssuer('handoff')
  .setAudience('handoff-api')
  .setIssuedAt()
  .setExpirationTime(values.expires)
  .sign(new TextEncoder().encode(secret));
process.stdout.write(`${token}\n`);
