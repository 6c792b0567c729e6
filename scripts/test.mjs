// npm test: everything CI runs, from a fresh clone: install, build, lint, then
// unit, integration and end-to-end tests against the project's own Postgres,
// Redis and broker (started by the tests' global setup), and the console in
// headless Chromium.
import { prepareLocal, detectMode } from '../infra/index.mjs';
import { ensureSystemPackages } from '../infra/local/system-packages.mjs';
import { build, ensureDependencies, say, step } from './lib.mjs';

ensureDependencies();
// The console's end-to-end tests drive Debian's Chromium (playwright-core downloads no browser); every /metrics
// is checked with Prometheus's own promtool (Debian's prometheus package; its server is not started).
await ensureSystemPackages(
  [
    { bin: 'chromium', pkg: 'chromium' },
    { bin: 'promtool', pkg: 'prometheus' },
  ],
  { log: say },
);
build();
step('linting (tsc, eslint, prettier)', 'npm', ['run', '--silent', 'lint']);
if (detectMode() === 'local') {
  say('preparing local infrastructure (system packages, Java, Apache Kafka from Maven Central once)');
  await prepareLocal({ log: say });
}
step('testing (vitest: unit, integration, end-to-end)', 'npx', ['vitest', 'run', ...process.argv.slice(2)]);
