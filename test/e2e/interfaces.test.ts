import { spawnSync } from 'node:child_process';
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeadStream } from './lead-stream.js';
import { SERVICES, Stack } from './stack.js';

const EVERY = [...SERVICES, 'console'] as const;

/** `promtool check metrics` on an exposition: what it finds (nothing when the metrics are valid), and its exit code. */
function promtool(exposition: string): { status: number | null; problems: string } {
  const run = spawnSync('promtool', ['check', 'metrics'], { input: exposition, encoding: 'utf8' });
  if (run.error)
    throw new Error(`promtool could not run (npm test installs Debian's prometheus): ${run.error.message}`);
  return { status: run.status, problems: `${run.stdout}${run.stderr}`.trim() };
}

interface Operation {
  operationId?: string;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}

/**
 * What a real client of each service reads, checked with the clients themselves: Prometheus's promtool on every
 * /metrics after traffic (console pages, API calls, refusals, Kafka), and Redocly's OpenAPI linter (its recommended
 * rules) on every /openapi.json.
 */
describe('every service’s interfaces pass the tools their clients use', () => {
  const stack = new Stack();

  beforeAll(async () => {
    await stack.start();
    const stream = await new LeadStream(stack).setUp();
    for (let n = 0; n < 3; n++) await stream.send(n);
    await stream.settle();
    // The console's pages, an asset that is not there, and refusals: every kind of label a route can give.
    for (const page of ['/', '/queue', '/routing', '/no-such-page']) {
      await fetch(`${stack.url('console')}${page}`, { headers: { accept: 'text/html' } });
    }
    await fetch(`${stack.url('console')}/assets/missing.js`);
    for (const name of EVERY) {
      await fetch(`${stack.url(name)}/v1/nothing-here`);
      await fetch(`${stack.url(name)}/openapi.json`);
    }
  });

  afterAll(async () => {
    await stack.stop();
  });

  it.each(EVERY)('%s: /metrics passes promtool check metrics', async (name) => {
    const exposition = await (await fetch(`${stack.url(name)}/metrics`)).text();
    expect(exposition).toContain('handoff_http_requests_total');
    expect(promtool(exposition)).toEqual({ status: 0, problems: '' });
  });

  it('promtool finds what it should (the check can fail)', () => {
    const bad = '# TYPE handoff_things_total gauge\nhandoff_things_total{route="/^\\/(?!api\\/)$/"} 1\n';
    expect(promtool(bad).status).not.toBe(0);
  });

  it.each(EVERY)(
    '%s: /openapi.json has no Redocly lint error, and every operation an id, a success, its refusals and a schema for each body',
    async (name) => {
      const source = await (await fetch(`${stack.url(name)}/openapi.json`)).text();
      const problems = await lintFromString({
        source,
        absoluteRef: `${stack.url(name)}/openapi.json`,
        config: await createConfig({ extends: ['recommended'] }),
      });
      const errors = problems
        .filter((p) => p.severity === 'error')
        .map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? '?'}`);
      expect(errors).toEqual([]);

      const spec = JSON.parse(source) as { paths: Record<string, Record<string, Operation>> };
      const undescribed: string[] = [];
      for (const [path, operations] of Object.entries(spec.paths)) {
        for (const [method, operation] of Object.entries(operations)) {
          const where = `${method.toUpperCase()} ${path}`;
          if (!operation.operationId) undescribed.push(`${where}: no operationId`);
          const statuses = Object.keys(operation.responses);
          if (!statuses.some((s) => s.startsWith('2'))) undescribed.push(`${where}: no 2xx answer`);
          for (const status of ['401', '403']) {
            if (!statuses.includes(status)) undescribed.push(`${where}: no ${status} answer`);
          }
          // Every answer but a 204 has a body a client can generate a type from (HTTP_CHECK_RESPONSES, on in every
          // test, holds the services to it: an answer its schema refuses is a 500).
          for (const status of statuses.filter((s) => s !== '204')) {
            if (!operation.responses[status]?.content?.['application/json']?.schema) {
              undescribed.push(`${where}: ${status} has no body schema`);
            }
          }
        }
      }
      expect(undescribed).toEqual([]);
    },
  );
});
