import http from 'node:http';
import net from 'node:net';
import { createLogger, createMetricsRegistry } from '@handoff/observability';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { Role } from '@handoff/contracts';
import { HttpServer, createHttpApp, defineRoute } from './app.js';
import { signToken } from './auth.js';

const secret = 'a-test-secret-that-is-long-enough-32+';
const leadId = '0b6a2f0e-7c1d-4e7a-9a55-3f0b8c1d2e4f';

let readiness: Record<string, boolean> | Error = {};

const addNote = defineRoute({
  method: 'post',
  path: '/v1/leads/:id/notes',
  summary: 'Adds a note to a lead',
  roles: ['marketing_ops'],
  params: z.object({ id: z.uuid() }),
  body: z.object({ email: z.email(), note: z.string().min(1).max(5000) }),
  responses: { 201: { description: 'Created', schema: z.object({ id: z.string() }) } },
  handler: async ({ params, body, principal, correlationId }) => ({
    status: 201,
    body: { id: params.id, email: body.email, note: body.note, by: principal.sub, correlationId },
  }),
});

const queue = defineRoute({
  method: 'get',
  path: '/v1/queue',
  summary: 'The SDR queue',
  roles: ['sdr'],
  query: z.object({ limit: z.coerce.number().int().min(1).max(100).default(20), tier: z.string().optional() }),
  responses: { 200: { description: 'OK' } },
  handler: async ({ query, principal }) => ({ status: 200, body: { limit: query.limit, by: principal.sub } }),
});

const boom = defineRoute({
  method: 'get',
  path: '/v1/boom',
  summary: 'Always fails',
  roles: ['sdr'],
  responses: { 200: { description: 'never' } },
  handler: async () => {
    throw new Error('connection to postgres://handoff:hunter2@db failed');
  },
});

const databaseAway = defineRoute({
  method: 'get',
  path: '/v1/database-away',
  summary: 'Meets a database that is shutting down',
  roles: ['sdr'],
  responses: { 200: { description: 'never' } },
  handler: async () => {
    throw Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' });
  },
});

const server = new HttpServer(
  createHttpApp({
    service: 't',
    version: '1.2.3',
    logger: createLogger({ service: 't', level: 'silent' }),
    registry: createMetricsRegistry('t', { defaultMetrics: false }),
    readiness: async () => {
      if (readiness instanceof Error) throw readiness;
      return readiness;
    },
    jwtSecret: secret,
    bodyLimit: '1kb',
    routes: [addNote, queue, boom, databaseAway],
  }),
);
let base = '';

beforeAll(async () => {
  const port = await server.start(0, '127.0.0.1');
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await server.stop();
});

const tokens = new Map<string, string>();
async function tokenFor(role: Role): Promise<string> {
  if (!tokens.has(role)) tokens.set(role, await signToken(secret, { sub: `${role}-1`, role }));
  return tokens.get(role)!;
}

interface Call {
  method?: string;
  token?: string;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  /** Send the body with only the given headers' content type (none if not given). */
  noContentType?: boolean;
}

interface Reply {
  status: number;
  headers: Headers;
  text: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are checked field by field
  json: any;
}

async function call(path: string, options: Call = {}): Promise<Reply> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.raw;
  if (options.body !== undefined) body = JSON.stringify(options.body);
  if (body !== undefined && !options.noContentType) headers['content-type'] ??= 'application/json';
  // A string body without a type is sent by fetch as text/plain: a Blob without a type goes out with none.
  const sent = body !== undefined && options.noContentType && !headers['content-type'] ? new Blob([body]) : body;
  const res = await fetch(`${base}${path}`, { method: options.method ?? 'GET', headers, body: sent });
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

const notePath = `/v1/leads/${leadId}/notes`;
const goodNote = { email: 'ada@example.com', note: 'asked for pricing' };

describe('authentication', () => {
  it('answers 401 without a token', async () => {
    const res = await call(notePath, { method: 'POST', body: goodNote });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe('unauthorized');
  });

  it.each<[string, () => Promise<Record<string, string>>]>([
    ['a malformed token', async () => ({ authorization: 'Bearer not.a.jwt' })],
    ['a non-bearer scheme', async () => ({ authorization: `Basic ${Buffer.from('a:b').toString('base64')}` })],
    ['an empty bearer', async () => ({ authorization: 'Bearer ' })],
    [
      'an expired token',
      async () => ({
        authorization: `Bearer ${await signToken(secret, { sub: 'u', role: 'marketing_ops' }, { expiresIn: '-1s' })}`,
      }),
    ],
    [
      'a token of another secret',
      async () => ({ authorization: `Bearer ${await signToken('x'.repeat(40), { sub: 'u', role: 'admin' })}` }),
    ],
  ])('answers 401 to %s', async (_what, headers) => {
    const res = await call(notePath, { method: 'POST', body: goodNote, headers: await headers() });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe('unauthorized');
  });

  it.each<[string, string, Role]>([
    ['POST', notePath, 'sdr'],
    ['POST', notePath, 'sales'],
    ['GET', '/v1/queue', 'marketing_ops'],
    ['GET', '/v1/queue', 'sdr_manager'],
  ])('answers 403 to %s %s as %s', async (method, path, role) => {
    const res = await call(path, {
      method,
      token: await tokenFor(role),
      ...(method === 'POST' ? { body: goodNote } : {}),
    });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('forbidden');
  });

  it.each<[string, string, number]>([
    ['POST', notePath, 201],
    ['GET', '/v1/queue', 200],
    ['GET', '/v1/boom', 500],
  ])('lets admin call %s %s', async (method, path, status) => {
    const res = await call(path, {
      method,
      token: await tokenFor('admin'),
      ...(method === 'POST' ? { body: goodNote } : {}),
    });
    expect(res.status).toBe(status);
  });

  it('lets the listed role call its route and passes the principal', async () => {
    const res = await call(notePath, { method: 'POST', token: await tokenFor('marketing_ops'), body: goodNote });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ id: leadId, email: 'ada@example.com', by: 'marketing_ops-1' });
  });
});

describe('validation', () => {
  it.each<[string, string, unknown, string]>([
    ['a bad e-mail', notePath, { ...goodNote, email: 'not-an-email' }, 'body.email'],
    ['a missing note', notePath, { email: 'ada@example.com' }, 'body.note'],
    ['a bad path id', '/v1/leads/123/notes', goodNote, 'params.id'],
    ['a body that is not an object', notePath, ['x'], 'body'],
  ])('answers 400 to %s, naming the field', async (_what, path, body, field) => {
    const res = await call(path, { method: 'POST', token: await tokenFor('marketing_ops'), body });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('bad_request');
    expect(res.json.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    expect(res.json.error.message).toContain(field);
  });

  it.each<[string, Record<string, string>]>([
    ['text/plain', { 'content-type': 'text/plain;charset=UTF-8' }],
    ['a form', { 'content-type': 'application/x-www-form-urlencoded' }],
    ['no content type', {}],
  ])('answers 415 naming application/json to JSON sent as %s', async (_what, headers) => {
    const res = await call(notePath, {
      method: 'POST',
      token: await tokenFor('marketing_ops'),
      headers,
      raw: JSON.stringify(goodNote),
      noContentType: true,
    });
    expect(res.status).toBe(415);
    expect(res.json.error.code).toBe('unsupported_media_type');
    expect(res.json.error.message).toContain('application/json');
  });

  it('reads JSON with a charset parameter', async () => {
    const res = await call(notePath, {
      method: 'POST',
      token: await tokenFor('marketing_ops'),
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: goodNote,
    });
    expect(res.status).toBe(201);
  });

  it('answers 400 naming body fields when no JSON body was sent', async () => {
    const res = await call(notePath, { method: 'POST', token: await tokenFor('marketing_ops') });
    expect(res.status).toBe(400);
    const fields = (res.json.error.details as Array<{ field: string }>).map((d) => d.field);
    expect(fields).toEqual(expect.arrayContaining(['body.email', 'body.note']));
  });

  it.each([['?limit=0'], ['?limit=abc'], ['?limit=1000']])('answers 400 to the query %s', async (qs) => {
    const res = await call(`/v1/queue${qs}`, { token: await tokenFor('sdr') });
    expect(res.status).toBe(400);
    expect(res.json.error.details[0].field).toBe('query.limit');
  });

  it('coerces and defaults the query', async () => {
    expect((await call('/v1/queue?limit=5', { token: await tokenFor('sdr') })).json).toEqual({
      limit: 5,
      by: 'sdr-1',
    });
    expect((await call('/v1/queue', { token: await tokenFor('sdr') })).json.limit).toBe(20);
  });

  it('answers 400 to invalid JSON', async () => {
    const res = await call(notePath, { method: 'POST', token: await tokenFor('marketing_ops'), raw: '{"email": ' });
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('bad_request');
    expect(res.json.error.message).toMatch(/not valid JSON/);
  });

  it('answers 400 naming the field to a NUL character (U+0000) in the body, query or path', async () => {
    const token = await tokenFor('admin');
    const body = await call(notePath, { method: 'POST', token, body: { email: 'a@b.example', note: 'x\u0000y' } });
    expect(body.status).toBe(400);
    expect(body.json.error.details).toEqual([
      { field: 'body.note', message: 'contains a NUL character (U+0000), which cannot be stored' },
    ]);
    const query = await call('/v1/queue?tier=%00', { token });
    expect(query.status).toBe(400);
    expect(query.json.error.message).toBe(
      'invalid query: query.tier: contains a NUL character (U+0000), which cannot be stored',
    );
    const path = await call('/v1/leads/%00/notes', {
      method: 'POST',
      token,
      body: { email: 'a@b.example', note: 'x' },
    });
    expect(path.status).toBe(400);
    expect(path.json.error.details[0].field).toBe('params.id');
  });

  it('answers 400 to a body nested too deep, without overflowing the stack', async () => {
    const raw = '{"email":"a@b.example","note":' + '['.repeat(200) + ']'.repeat(200) + '}';
    const res = await call(notePath, { method: 'POST', token: await tokenFor('admin'), raw });
    expect(res.status).toBe(400);
    expect(res.json.error.message).toMatch(/^invalid body: body\.note(\.0)+: nests deeper than 32 levels$/);
  });

  it('answers 413 to a body over the limit', async () => {
    const res = await call(notePath, {
      method: 'POST',
      token: await tokenFor('marketing_ops'),
      body: { ...goodNote, note: 'x'.repeat(2000) },
    });
    expect(res.status).toBe(413);
    expect(res.json.error.code).toBe('payload_too_large');
  });
});

describe('errors', () => {
  it('answers 404 with a JSON error for an unknown route', async () => {
    const res = await call('/v1/nothing-here', { token: await tokenFor('admin') });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(res.json.error.code).toBe('not_found');
  });

  it('answers 404 for a known path with another method', async () => {
    const res = await call('/v1/queue', { method: 'DELETE', token: await tokenFor('admin') });
    expect(res.status).toBe(404);
    expect(res.json.error.code).toBe('not_found');
  });

  it('answers 503 with Retry-After when a dependency cannot be reached (a retry may work), naming no detail of it', async () => {
    const res = await call('/v1/database-away', { token: await tokenFor('sdr') });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.json.error.code).toBe('unavailable');
    expect(res.text).not.toContain('administrator');
  });

  it('answers 500 {error:{code:"internal"}} without the message or stack of a plain Error', async () => {
    const res = await call('/v1/boom', { token: await tokenFor('sdr') });
    expect(res.status).toBe(500);
    expect(res.json).toEqual({ error: { code: 'internal', message: 'internal error' } });
    expect(res.text).not.toContain('hunter2');
    expect(res.text).not.toMatch(/stack|at .*\.ts/);
  });
});

describe('requests the HTTP parser refuses', () => {
  /** Sends raw bytes and reads the whole answer (the server closes the connection after it). */
  function raw(request: string): Promise<{ status: number; contentType: string; body: string }> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(new URL(base).port), '127.0.0.1');
      const chunks: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => chunks.push(chunk));
      socket.on('error', reject);
      socket.on('close', () => {
        const [head = '', body = ''] = Buffer.concat(chunks).toString('utf8').split('\r\n\r\n');
        resolve({
          status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0),
          contentType: /\r\ncontent-type: ([^\r\n]+)/i.exec(head)?.[1] ?? '',
          body,
        });
      });
      socket.end(request);
    });
  }

  it('answers headers over 16 kB with a JSON 431', async () => {
    const res = await raw(`GET /v1/queue HTTP/1.1\r\nHost: x\r\nX-Big: ${'h'.repeat(20_000)}\r\n\r\n`);
    expect(res.status).toBe(431);
    expect(res.contentType).toMatch(/application\/json/);
    expect(JSON.parse(res.body)).toEqual({
      error: { code: 'headers_too_large', message: 'request headers are larger than 16 kB' },
    });
  });

  it('answers oversized headers with a 431 a client still sending a large body can read (lingering close)', async () => {
    // The server refuses at the headers and closes; closing with the body unread would reset the connection and
    // the client, still sending, would lose the answer. Every one of these must get its 431.
    const send = () =>
      new Promise<number>((resolve, reject) => {
        const req = http.request(
          {
            host: '127.0.0.1',
            port: Number(new URL(base).port),
            method: 'POST',
            path: '/v1/items',
            headers: { 'x-big': 'h'.repeat(20_000), 'content-type': 'application/json' },
          },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        req.on('error', (err: NodeJS.ErrnoException) => {
          if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err);
        });
        req.on('close', () => resolve(-1));
        req.end(JSON.stringify({ blob: 'x'.repeat(1_100_000) }));
      });
    const statuses = [];
    for (let i = 0; i < 30; i++) statuses.push(await send());
    expect(statuses.filter((s) => s !== 431)).toEqual([]);
  }, 30_000); // 30 requests of 1.1 MB each: seconds on a busy machine

  it('answers a malformed request with a JSON 400 naming the problem', async () => {
    const res = await raw('GET /v1/queue HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n');
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body).error).toEqual({
      code: 'bad_request',
      message: 'malformed HTTP request: HPE_INVALID_CONTENT_LENGTH',
    });
  });
});

describe('correlation id', () => {
  it('keeps a given x-correlation-id and hands it to the handler', async () => {
    const res = await call(notePath, {
      method: 'POST',
      token: await tokenFor('marketing_ops'),
      body: goodNote,
      headers: { 'x-correlation-id': 'corr-abc-123' },
    });
    expect(res.headers.get('x-correlation-id')).toBe('corr-abc-123');
    expect(res.json.correlationId).toBe('corr-abc-123');
  });

  it('generates one when none is given, on errors too', async () => {
    const a = await call('/v1/nothing-here');
    const b = await call('/health/live');
    expect(a.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(b.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.headers.get('x-correlation-id')).not.toBe(b.headers.get('x-correlation-id'));
  });

  it('replaces an over-long one', async () => {
    const res = await call('/health/live', { headers: { 'x-correlation-id': 'x'.repeat(201) } });
    expect(res.headers.get('x-correlation-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('health', () => {
  beforeEach(() => {
    readiness = { postgres: true, kafka: true };
  });

  it('/health/live answers 200 without a token', async () => {
    const res = await call('/health/live');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'ok', service: 't' });
  });

  it('/health/ready answers 200 when every check passes', async () => {
    const res = await call('/health/ready');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'ready', checks: { postgres: true, kafka: true } });
  });

  it('/health/ready answers 503 naming the failing check', async () => {
    readiness = { postgres: true, kafka: false };
    const res = await call('/health/ready');
    expect(res.status).toBe(503);
    expect(res.json.status).toBe('not_ready');
    expect(res.json.checks.kafka).toBe(false);
  });

  it('/health/ready answers 503 when the readiness check itself throws', async () => {
    readiness = new Error('redis down');
    const res = await call('/health/ready');
    expect(res.status).toBe(503);
    expect(res.json).toEqual({ status: 'not_ready', checks: { readiness: false } });
  });
});

describe('/metrics', () => {
  it('counts requests by method, route and status', async () => {
    await call(notePath, { method: 'POST', token: await tokenFor('marketing_ops'), body: goodNote });
    await call('/v1/nothing-here');
    const res = await call('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/plain/);
    expect(res.text).toContain('handoff_http_requests_total');
    const lines = res.text.split('\n').filter((l) => l.startsWith('handoff_http_requests_total{'));
    expect(lines.some((l) => l.includes('route="/v1/leads/:id/notes"') && l.includes('status="201"'))).toBe(true);
    expect(lines.some((l) => l.includes('route="unmatched"') && l.includes('status="404"'))).toBe(true);
    expect(res.text).toContain('handoff_http_request_seconds');
  });
});

describe('/openapi.json', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the document is checked field by field
  let doc: any;
  beforeAll(async () => {
    const res = await call('/openapi.json');
    expect(res.status).toBe(200);
    doc = res.json;
  });

  it('is an OpenAPI 3.0.3 document with the service title and version', () => {
    expect(doc.openapi).toBe('3.0.3');
    expect(doc.info).toEqual({ title: 'Handoff t', version: '1.2.3' });
  });

  it('converts :id paths to {id} with a required path parameter', () => {
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/v1/boom',
      '/v1/database-away',
      '/v1/leads/{id}/notes',
      '/v1/queue',
    ]);
    expect(doc.paths['/v1/leads/{id}/notes'].post.parameters).toEqual([
      expect.objectContaining({ name: 'id', in: 'path', required: true }),
    ]);
  });

  it("has the route's request body schema", () => {
    const op = doc.paths['/v1/leads/{id}/notes'].post;
    expect(op.summary).toBe('Adds a note to a lead');
    expect(op.requestBody.required).toBe(true);
    const schema = op.requestBody.content['application/json'].schema;
    expect(schema.type).toBe('object');
    expect(Object.keys(schema.properties).sort()).toEqual(['email', 'note']);
    expect(schema.required).toEqual(expect.arrayContaining(['email', 'note']));
    expect(op.responses['201'].content['application/json'].schema.properties).toHaveProperty('id');
  });

  it('lists query parameters, required only when the schema requires them', () => {
    const params = doc.paths['/v1/queue'].get.parameters as Array<{ name: string; in: string; required: boolean }>;
    expect(params.map((p) => [p.name, p.in, p.required])).toEqual([
      ['limit', 'query', false],
      ['tier', 'query', false],
    ]);
    expect(doc.paths['/v1/queue'].get.requestBody).toBeUndefined();
  });

  it('declares bearer security on every operation, and the roles', () => {
    expect(doc.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
    for (const path of Object.values(doc.paths) as Array<Record<string, { security: unknown }>>) {
      for (const op of Object.values(path)) expect(op.security).toEqual([{ bearer: [] }]);
    }
    expect(doc.paths['/v1/queue'].get.description).toBe('Roles: admin, sdr.');
    expect(doc.paths['/v1/queue'].get['x-roles']).toEqual(['admin', 'sdr']);
  });
});
