// Shared steps of the root commands (npm start, npm test, npm run bench).
// Plain Node with built-ins only: these run before dependencies are installed.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('..', import.meta.url));

export function say(message) {
  process.stderr.write(`\x1b[1m[handoff]\x1b[0m ${message}\n`);
}

/** Runs a command in the repo, inheriting the terminal; exits with its code if it fails. */
export function step(title, command, args, options = {}) {
  say(title);
  const started = Date.now();
  const result = spawnSync(command, args, {
    cwd: repoRoot,
    // Output goes to stderr, so stdout carries only a command's own result (bench JSON lines, a token).
    stdio: ['inherit', 2, 2],
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1', ...options.env },
  });
  if (result.status !== 0) {
    say(`${title}: failed (exit ${result.status ?? result.signal})`);
    process.exit(result.status ?? 1);
  }
  say(`${title}: done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Installs npm dependencies when node_modules is missing or older than the lockfile. */
export function ensureDependencies() {
  const marker = path.join(repoRoot, 'node_modules', '.package-lock.json');
  const lock = path.join(repoRoot, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  // `npm install`, not `npm ci`: npm leaves other platforms' optional packages (turbo's
  // darwin/windows binaries) out of the lockfile here, and `npm ci` then refuses it as out of sync.
  // `npm install` still installs the locked versions.
  step('installing npm dependencies', 'npm', ['install', '--no-audit', '--no-fund']);
}

export function build() {
  step('building (turbo)', 'npx', ['turbo', 'run', 'build', '--output-logs=errors-only']);
}

/** The node arguments a service runs with (its package.json's `handoff.nodeArgs`, e.g. a heap cap). */
export function nodeArgsOf(service) {
  const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'services', service, 'package.json'), 'utf8'));
  return manifest.handoff?.nodeArgs ?? [];
}
