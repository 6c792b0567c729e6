import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { localSecret, startInfra, type Infra } from '@handoff/infra';
import type { TestInfra } from './infra.js';

const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

let infra: Infra | undefined;

/**
 * Vitest global setup: starts the project's own Postgres, Redis and Apache
 * Kafka once per run (in `.state/test`) and hands their addresses to the
 * tests. Each test creates the topics of its own prefix (createTestTopics).
 * Postgres runs without fsync here: test data need not survive a power cut.
 */
export async function setup(project: TestProject): Promise<void> {
  // HANDOFF_TEST_STATE_DIR: another folder, so that two test runs on one machine each start their own servers.
  const stateDir = process.env.HANDOFF_TEST_STATE_DIR
    ? path.resolve(process.env.HANDOFF_TEST_STATE_DIR)
    : path.join(repoRoot, '.state', 'test');
  const started = Date.now();
  infra = await startInfra({
    stateDir,
    durable: false,
    fastRebalance: true,
    log: (message) => process.stderr.write(`[infra] ${message}\n`),
  });
  process.stderr.write(`[infra] ${infra.mode} infrastructure ready in ${Date.now() - started} ms\n`);
  const value: TestInfra = {
    mode: infra.mode,
    databaseUrl: infra.databaseUrl,
    redisUrl: infra.redisUrl,
    kafkaBrokers: infra.kafkaBrokers.split(','),
    jwtSecret: localSecret(stateDir),
    repoRoot,
  };
  project.provide('handoffInfra', value);
}

export async function teardown(): Promise<void> {
  await infra?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    handoffInfra: TestInfra;
  }
}
