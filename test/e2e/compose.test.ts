import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { KAFKA_VERSION } from '@handoff/infra';
import { testInfra } from '@handoff/testkit';

// The containers path (docker-compose.yml, and testcontainers in infra/index.mjs) runs the same broker as local mode.

const read = (file: string) => readFileSync(path.join(testInfra().repoRoot, file), 'utf8');

/** `docker compose` (the plugin) where a Docker client has it; otherwise why not, to print. */
function composeCommand(): { ok: true } | { ok: false; reason: string } {
  const probe = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8', timeout: 10_000 });
  if (probe.error) return { ok: false, reason: `no Docker client (${probe.error.message})` };
  if (probe.status !== 0) {
    return { ok: false, reason: `the Docker client has no compose plugin: ${(probe.stderr || probe.stdout).trim()}` };
  }
  return { ok: true };
}

const compose = composeCommand();
if (!compose.ok) console.warn(`[compose] skipping \`docker compose config\`: ${compose.reason}`);

describe('the containers path', () => {
  it('names the Kafka version local mode runs, in docker-compose.yml, testcontainers and the pom', () => {
    const images = [...read('docker-compose.yml').matchAll(/image:\s*apache\/kafka:(\S+)/g)].map((m) => m[1]);
    expect(images).toEqual([KAFKA_VERSION]);
    expect(read('infra/index.mjs')).toContain('`apache/kafka:${KAFKA_VERSION}`');
    expect(/<kafka\.version>([^<]+)<\/kafka\.version>/.exec(read('infra/kafka/pom.xml'))?.[1]).toBe(KAFKA_VERSION);
  });

  it.skipIf(!compose.ok)('docker compose config accepts the compose file', () => {
    const result = spawnSync('docker', ['compose', 'config', '--quiet'], {
      cwd: testInfra().repoRoot,
      encoding: 'utf8',
      env: { ...process.env, JWT_SECRET: 'compose-config-check' },
    });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
