import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testInfra } from '@handoff/testkit';
import { LeadStream, deadLetters } from './lead-stream.js';
import { SERVICES, Stack } from './stack.js';

const LEADS = 40;

describe('Postgres connections terminated under every service while leads stream through', () => {
  const stack = new Stack({}, { console: false });
  let admin: pg.Client;

  beforeAll(async () => {
    await stack.start();
    admin = new pg.Client({ connectionString: testInfra().databaseUrl });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await stack.stop();
  });

  /** pg_terminate_backend on every connection of this stack's services (their application_name is their schema). */
  async function terminateAll(): Promise<number> {
    const schemas = stack.prefix.slice(0, -1).replace(/[^a-z0-9_]/g, '_');
    const { rows } = await admin.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM (
         SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE application_name LIKE $1 AND pid <> pg_backend_pid()) AS t`,
      [`${schemas}\\_%`],
    );
    return rows[0]!.n;
  }

  it('no process exits, and every lead has each effect once', { timeout: 240_000 }, async () => {
    const stream = await new LeadStream(stack).setUp();
    let terminated = 0;
    for (let n = 0; n < LEADS; n++) {
      await stream.send(n);
      // Every fourth lead, mid-stream: in-use connections (transactions open) as well as idle ones.
      if (n % 4 === 3) terminated += await terminateAll();
    }
    expect(terminated).toBeGreaterThan(0);
    await stream.settle();
    await stream.expectExactlyOnce();
    expect(await deadLetters(stack)).toBe(0);
    for (const name of SERVICES) {
      expect({ name, running: stack.services.get(name)!.running }).toEqual({ name, running: true });
      expect((await fetch(`${stack.url(name)}/health/ready`)).status).toBe(200);
    }
  });
});
