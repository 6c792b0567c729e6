// npm run --silent token -- <role> [--sub <id>] [--expires <time>]   (--help: usage)
// A manager's teams are the team records naming them (PUT /v1/teams/:id), not a claim of the token.
// Prints a JWT for the local stack, signed with its secret (.state/dev/jwt-secret; .state/<HANDOFF_STATE>/ for
// a stack started with HANDOFF_STATE).
import path from 'node:path';
import { parseArgs } from 'node:util';
import { localSecret } from '../infra/index.mjs';
import { ensureDependencies, repoRoot } from './lib.mjs';

const ROLES = ['marketing_ops', 'sdr', 'sdr_manager', 'sales', 'leadership', 'admin', 'service'];
const USAGE = `usage: npm run --silent token -- <role> [--sub <id>] [--expires <time>]
  <role>            ${ROLES.join(', ')}
  --sub <id>        who the token is for (the JWT subject): an SDR's or a manager's id; default <role>-1
  --expires <time>  how long it is valid: 90s, 30m, 12h, 7d… (default 12h)
A manager's teams are the team records naming them (PUT /v1/teams/:id), not a claim of the token.
`;
let parsed;
try {
  parsed = parseArgs({
    allowPositionals: true,
    options: {
      sub: { type: 'string' },
      expires: { type: 'string', default: '12h' },
      help: { type: 'boolean', short: 'h' },
    },
  });
} catch (err) {
  process.stderr.write(`${err.message}\n${USAGE}`);
  process.exit(2);
}
const { values, positionals } = parsed;
if (values.help) {
  process.stdout.write(USAGE);
  process.exit(0);
}
const role = positionals[0];
if (!ROLES.includes(role) || positionals.length > 1) {
  process.stderr.write(`${role === undefined ? 'no role given' : `not a role: ${positionals.join(' ')}`}\n${USAGE}`);
  process.exit(2);
}
if (
  !/^\d+\s*(s|sec|secs|second|seconds|m|min|mins|minute|minutes|h|hr|hrs|hour|hours|d|day|days|w|week|weeks)$/i.test(
    values.expires,
  )
) {
  process.stderr.write(`--expires: not a time span: ${values.expires} (e.g. 90s, 30m, 12h, 7d)\n${USAGE}`);
  process.exit(2);
}
ensureDependencies();
const { SignJWT } = await import('jose');
// The same claims as @handoff/http's signToken; kept here so the command needs no build.
const state = process.env.HANDOFF_STATE || 'dev';
if (!/^[a-z0-9][a-z0-9_-]{0,39}$/.test(state)) {
  process.stderr.write(`HANDOFF_STATE must be a folder name (a-z, 0-9, - and _), not "${state}"\n`);
  process.exit(2);
}
const secret = localSecret(path.join(repoRoot, '.state', state));
const token = await new SignJWT({ role })
  .setProtectedHeader({ alg: 'HS256' })
  .setSubject(values.sub ?? `${role}-1`)
  .setIssuer('handoff')
  .setAudience('handoff-api')
  .setIssuedAt()
  .setExpirationTime(values.expires)
  .sign(new TextEncoder().encode(secret));
process.stdout.write(`${token}\n`);
