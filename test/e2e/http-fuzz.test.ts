import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { testInfra } from '@handoff/testkit';
import { operationsOf, problemWith, requestOf, send, type FuzzRequest, type FuzzResponse } from './http-fuzz.js';
import { SERVICES, Stack } from './stack.js';

/**
 * Every service's HTTP API under hostile input, generated from its own
 * `/openapi.json` (see http-fuzz.ts): no 5xx, every 4xx in the JSON error
 * format with a message, and the service stays ready throughout.
 */
const SEED = 20261203;
const REQUESTS_PER_SERVICE = 10_000;
const READY_EVERY = 500;

/** Requests Node's HTTP parser refuses before express sees them. */
const RAW_REQUESTS = [
  'GARBAGE\r\n\r\n',
  'GET /v1/leads HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
  'GET /v1/leads HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n',
  'GET /v1/\u0000 HTTP/1.1\r\nHost: x\r\n\r\n',
  'POST /v1/leads HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  `GET /v1/leads?${'q'.repeat(20_000)} HTTP/1.1\r\nHost: x\r\n\r\n`,
  `GET /v1/leads HTTP/1.1\r\nHost: x\r\nX-Big: ${'h'.repeat(20_000)}\r\n\r\n`,
  'GET /v1/leads HTTP/9.9\r\nHost: x\r\n\r\n',
];

/** A request short enough to read: huge headers and bodies by their size. */
function describeRequest(request: FuzzRequest | undefined): string[] {
  if (!request) return [];
  return [
    `  ${request.method} ${request.target.slice(0, 300)}`,
    ...Object.entries(request.headers).map(([k, v]) => `  ${k}: ${v.length > 120 ? `<${v.length} chars>` : v}`),
    `  body (${request.body?.length ?? 0} chars): ${request.body?.slice(0, 300) ?? '(none)'}`,
    `  tries: ${request.kinds.join(', ')}`,
  ];
}

function sendRaw(base: string, raw: string): Promise<FuzzResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const status = Number(/^HTTP\/1\.\d (\d{3})/.exec(head)?.[1] ?? 0);
      const contentType = /\r\ncontent-type: ([^\r\n]+)/i.exec(head)?.[1] ?? '';
      resolve({ status, contentType, body });
    });
    socket.end(raw, 'latin1');
  });
}

describe('HTTP under hostile input: every service, driven by its own /openapi.json', () => {
  const stack = new Stack();

  beforeAll(async () => {
    await stack.start();
  });
  afterAll(async () => {
    await stack.stop();
  });

  for (const name of [...SERVICES, 'console'] as const) {
    it(`${name}: ${REQUESTS_PER_SERVICE.toLocaleString('en')} generated requests, no 5xx, every 4xx a JSON error, ready throughout`, async () => {
      const base = stack.url(name);
      const document = (await (await fetch(`${base}/openapi.json`)).json()) as Parameters<typeof operationsOf>[0];
      const operations = operationsOf(document);
      expect(operations.length).toBeGreaterThan(0);
      const secret = testInfra().jwtSecret;
      const requests = fc.oneof(...operations.map((operation) => requestOf(operation, secret)));
      const statuses: Record<string, number> = {};
      let sent = 0;
      // Shrinking replays smaller requests; after a crash every request fails, so the first failure is the one to read.
      let first: { request: FuzzRequest; problem: string } | undefined;
      const run = await fc.check(
        fc.asyncProperty(requests, async (request) => {
          const response = await send(base, request).catch((err: Error) => err);
          const problem = response instanceof Error ? `no answer: ${response.message}` : problemWith(response);
          if (problem) {
            first ??= { request, problem };
            throw new Error(problem);
          }
          if (response instanceof Error) return;
          statuses[response.status] = (statuses[response.status] ?? 0) + 1;
          sent += 1;
          if (sent % READY_EVERY === 0) {
            const ready = await fetch(`${base}/health/ready`);
            if (ready.status !== 200) throw new Error(`not ready after ${sent} requests: ${await ready.text()}`);
          }
        }),
        { numRuns: REQUESTS_PER_SERVICE, seed: SEED },
      );
      // The smallest failing request, short enough to read (huge bodies and headers by their size).
      if (run.failed) {
        const [smallest] = run.counterexample ?? [];
        throw new Error(
          [
            `${name}: failed after ${run.numRuns} requests (replay: seed ${run.seed}, path "${run.counterexamplePath}")`,
            `first failure: ${first?.problem}`,
            ...describeRequest(first?.request),
            `smallest failure: ${run.errorInstance instanceof Error ? run.errorInstance.message : String(run.errorInstance)}`,
            ...describeRequest(smallest),
          ].join('\n'),
        );
      }
      for (const raw of RAW_REQUESTS) {
        const response = await sendRaw(base, raw);
        expect(response.status, raw.slice(0, 80)).toBeGreaterThanOrEqual(400);
        expect(problemWith(response), raw.slice(0, 80)).toBeUndefined();
      }
      expect((await fetch(`${base}/health/ready`)).status).toBe(200);
      console.log(JSON.stringify({ fuzz: name, operations: operations.length, requests: sent, statuses }));
      // Requests must get past authentication and validation to the handlers, or the fuzzer tests only the front door.
      const refusedAtTheDoor = new Set(['400', '401', '403', '413', '415', '431']);
      const reachedHandlers = Object.entries(statuses)
        .filter(([status]) => !refusedAtTheDoor.has(status))
        .reduce((sum, [, count]) => sum + count, 0);
      expect(reachedHandlers).toBeGreaterThan(REQUESTS_PER_SERVICE / 50);
    }, 600_000);
  }
});
