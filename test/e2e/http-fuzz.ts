import { createHmac } from 'node:crypto';
import http from 'node:http';
import fc from 'fast-check';

/**
 * Hostile requests for a service, generated with fast-check from its own
 * `/openapi.json`: bodies valid by the schema but for one broken field, wrong
 * types, huge strings and arrays, deep nesting, unicode edge cases, wrong
 * content types, hostile path and query values, huge headers, and missing or
 * forged tokens.
 */

/** The part of JSON Schema (OpenAPI 3.0 flavour) that zod's generator emits. */
export interface JsonSchema {
  type?: string;
  format?: string;
  enum?: unknown[];
  const?: unknown;
  nullable?: boolean;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean | number;
  exclusiveMaximum?: boolean | number;
}

interface Parameter {
  name: string;
  in: 'path' | 'query';
  required: boolean;
  schema: JsonSchema;
}

export interface Operation {
  method: string;
  /** OpenAPI path, `/v1/leads/{id}`. */
  path: string;
  parameters: Parameter[];
  body?: JsonSchema;
}

/** Every operation of an OpenAPI document. */
export function operationsOf(document: {
  paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: unknown }>>;
}): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const body = (operation.requestBody as { content?: Record<string, { schema: JsonSchema }> } | undefined)
        ?.content?.['application/json']?.schema;
      operations.push({ method: method.toUpperCase(), path, parameters: operation.parameters ?? [], body });
    }
  }
  return operations;
}

/** A value valid by a schema (small: a fuzzer wants many requests, not big ones). */
export function valid(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  const base = validOfType(schema, depth);
  return schema.nullable ? fc.option(base, { nil: null, freq: 8 }) : base;
}

function validOfType(schema: JsonSchema, depth: number): fc.Arbitrary<unknown> {
  if (depth > 6) return fc.constant(null);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  if (schema.const !== undefined) return fc.constant(schema.const);
  const union = schema.anyOf ?? schema.oneOf;
  if (union?.length) return fc.oneof(...union.map((s) => valid(s, depth + 1)));
  if (schema.allOf?.length) return valid(Object.assign({}, ...schema.allOf) as JsonSchema, depth + 1);
  switch (schema.type) {
    case 'string':
      return validString(schema);
    case 'integer': {
      const min = bound(schema.minimum, schema.exclusiveMinimum, 1) ?? -1000;
      const max = bound(schema.maximum, schema.exclusiveMaximum, -1) ?? Math.max(min, 0) + 1000;
      return fc.integer({ min: Math.ceil(min), max: Math.floor(Math.min(max, Number.MAX_SAFE_INTEGER)) });
    }
    case 'number':
      return fc.double({
        min: schema.minimum ?? -1e6,
        max: schema.maximum ?? 1e6,
        minExcluded: schema.exclusiveMinimum === true,
        maxExcluded: schema.exclusiveMaximum === true,
        noNaN: true,
        noDefaultInfinity: true,
      });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(valid(schema.items ?? {}, depth + 1), {
        minLength: schema.minItems ?? 0,
        maxLength: Math.max(schema.minItems ?? 0, Math.min(schema.maxItems ?? 4, 4)),
      });
    case 'object': {
      const properties = schema.properties ?? {};
      if (Object.keys(properties).length === 0) {
        const values = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : {};
        return fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), valid(values, depth + 1), { maxKeys: 3 });
      }
      return fc.record(Object.fromEntries(Object.entries(properties).map(([name, s]) => [name, valid(s, depth + 1)])), {
        requiredKeys: (schema.required ?? []).filter((name) => name in properties),
      });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

function bound(limit: number | undefined, exclusive: boolean | number | undefined, step: number): number | undefined {
  if (typeof exclusive === 'number') return exclusive + step;
  if (limit === undefined) return undefined;
  return exclusive === true ? limit + step : limit;
}

function validString(schema: JsonSchema): fc.Arbitrary<string> {
  const minLength = schema.minLength ?? 0;
  const maxLength = Math.max(minLength, Math.min(schema.maxLength ?? 24, 40));
  switch (schema.format) {
    case 'email':
      return fc.emailAddress();
    case 'uuid':
      return fc.uuid();
    case 'date-time':
      return fc
        .date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString());
    case 'date':
      return fc
        .date({ min: new Date('2020-01-01'), max: new Date('2030-01-01'), noInvalidDate: true })
        .map((d) => d.toISOString().slice(0, 10));
    case 'uri':
      return fc.webUrl();
  }
  if (schema.pattern) {
    return fc
      .stringMatching(new RegExp(schema.pattern))
      .filter((s) => s.length >= minLength && s.length <= (schema.maxLength ?? Infinity));
  }
  return fc.string({ minLength, maxLength });
}

/** Strings that break naive code: NUL, lone surrogates, right-to-left marks, emoji, SQL and path tricks. */
export const nastyString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\uD800',
    '\uDFFF\uD800',
    '\u202Eevil',
    '\uFEFF',
    '👩‍👩‍👧‍👦',
    'Z̷̢̛͎a̵̱̋l̸̡̒g̵̣̈́o̶̧͠',
    "'; DROP TABLE leads; --",
    '../../etc/passwd',
    '%00',
    '${jndi:ldap://x}',
    '__proto__',
    'constructor',
    'null',
    '-1',
    '1e309',
  ),
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.string({ unit: 'grapheme', maxLength: 64 }),
);

/** A value of the wrong kind for almost any field. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  nastyString,
  fc.constantFrom(null, true, false, 0, -0, -1, 1.5, 1e308, -1e308, 2 ** 63, Number.MAX_SAFE_INTEGER + 2, [], {}, [
    null,
  ]),
  fc.jsonValue({ maxDepth: 3 }),
  fc.object({ maxDepth: 2, values: [fc.string(), fc.integer(), fc.constant(null)] }),
  fc.constant({ __proto__: { admin: true } }),
);

/** Walks a JSON value: the paths of its leaves and containers. */
function pathsOf(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return prefix.length ? [prefix] : [];
  const children = Object.keys(value).flatMap((key) =>
    pathsOf((value as Record<string, unknown>)[key], [...prefix, key]),
  );
  return prefix.length ? [prefix, ...children] : children;
}

function replaced(value: unknown, path: string[], by: unknown): unknown {
  if (path.length === 0) return by;
  const copy = (Array.isArray(value) ? [...value] : { ...(value as object) }) as Record<string, unknown>;
  copy[path[0]!] = replaced(copy[path[0]!], path.slice(1), by);
  return copy;
}

const SENTINEL = 'fuzz-sentinel-7f3a';

/** Replaces one field of a valid value by a raw JSON fragment (or the whole value when it has no fields). */
function withField(validValue: unknown, raw: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const paths = pathsOf(validValue);
  const where = paths.length ? fc.constantFrom(...paths) : fc.constant<string[]>([]);
  return fc
    .tuple(where, raw)
    .map(([path, fragment]) =>
      JSON.stringify(replaced(validValue, path, SENTINEL)).replace(`"${SENTINEL}"`, () => fragment),
    );
}

const hugeString = fc.integer({ min: 10_000, max: 1_300_000 }).map((n) => JSON.stringify('x'.repeat(n)));
const hugeArray = fc.integer({ min: 1_000, max: 300_000 }).map((n) => `[${Array(n).fill('1').join(',')}]`);
const deepNesting = fc
  .tuple(fc.integer({ min: 64, max: 200_000 }), fc.boolean())
  .map(([n, arrays]) => (arrays ? '['.repeat(n) + ']'.repeat(n) : '{"a":'.repeat(n) + '1' + '}'.repeat(n)));

/** Body variants: how a request body can be wrong. */
export function bodyOf(schema: JsonSchema | undefined): fc.Arbitrary<{ kind: string; text: string | undefined }> {
  const validBody = valid(schema ?? { type: 'object' });
  const tagged = (kind: string, text: fc.Arbitrary<string | undefined>) => text.map((t) => ({ kind, text: t }));
  return fc.oneof(
    {
      weight: 4,
      arbitrary: tagged(
        'valid',
        validBody.map((v) => JSON.stringify(v)),
      ),
    },
    {
      weight: 6,
      arbitrary: tagged(
        'one field broken',
        validBody.chain((v) =>
          withField(
            v,
            hostileValue.map((h) => JSON.stringify(h) ?? 'null'),
          ),
        ),
      ),
    },
    {
      weight: 1,
      arbitrary: tagged(
        'huge string',
        validBody.chain((v) => withField(v, hugeString)),
      ),
    },
    {
      weight: 1,
      arbitrary: tagged(
        'huge array',
        validBody.chain((v) => withField(v, hugeArray)),
      ),
    },
    {
      weight: 1,
      arbitrary: tagged(
        'deep nesting',
        validBody.chain((v) => withField(v, deepNesting)),
      ),
    },
    { weight: 1, arbitrary: tagged('deep nesting at the top', deepNesting) },
    {
      weight: 1,
      arbitrary: tagged(
        'wrong top-level type',
        hostileValue.map((h) => JSON.stringify(h) ?? 'null'),
      ),
    },
    {
      weight: 1,
      arbitrary: tagged(
        'not JSON',
        fc.oneof(
          fc.constantFrom('{', '{"a":}', "{'a':1}", 'NaN', '[1,]', '\uFEFF{}', 'undefined', '{"a":1}{"b":2}'),
          fc.string({ unit: 'binary', maxLength: 200 }),
        ),
      ),
    },
    { weight: 1, arbitrary: tagged('no body', fc.constant(undefined)) },
  );
}

const CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'application/xml',
  'application/json; charset=utf-16',
  'application/json; charset=latin1',
  'application/octet-stream',
  'application/merge-patch+json',
  '',
  '*/*',
] as const;

export const contentType: fc.Arbitrary<string | undefined> = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  { weight: 2, arbitrary: fc.constantFrom<string | undefined>(...CONTENT_TYPES, undefined) },
);

function base64url(value: string | Buffer): string {
  return Buffer.from(value).toString('base64url');
}

/** A JWT signed with HS256 (or any header) by hand, so the fuzzer can forge what the services must refuse. */
export function forgeToken(
  secret: string,
  payload: Record<string, unknown>,
  header: Record<string, unknown> = { alg: 'HS256' },
): string {
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  if (header.alg === 'none') return `${signingInput}.`;
  const algorithm = header.alg === 'HS512' ? 'sha512' : 'sha256';
  return `${signingInput}.${createHmac(algorithm, secret).update(signingInput).digest('base64url')}`;
}

export const ROLES = ['marketing_ops', 'sdr', 'sdr_manager', 'sales', 'leadership', 'admin', 'service'] as const;

/** The Authorization header: valid tokens of every role most of the time, else missing, expired or forged. */
export function authorization(secret: string): fc.Arbitrary<{ kind: string; header: string | undefined }> {
  const now = Math.floor(Date.now() / 1000);
  const claims = (role: string, extra: Record<string, unknown> = {}) => ({
    sub: `${role}-fuzz`,
    role,
    iss: 'handoff',
    aud: 'handoff-api',
    iat: now,
    exp: now + 3600,
    ...(role === 'sdr' || role === 'sdr_manager' ? { team: 'fuzz-team' } : {}),
    ...extra,
  });
  const bearer = (kind: string, token: string) => ({ kind, header: `Bearer ${token}` });
  const forged = [
    { kind: 'no token', header: undefined },
    bearer('expired', forgeToken(secret, claims('admin', { iat: now - 7200, exp: now - 3600 }))),
    bearer('wrong key', forgeToken(`${secret}-not`, claims('admin'))),
    bearer('alg none', forgeToken(secret, claims('admin'), { alg: 'none', typ: 'JWT' })),
    bearer('alg HS512', forgeToken(secret, claims('admin'), { alg: 'HS512' })),
    bearer('wrong issuer', forgeToken(secret, claims('admin', { iss: 'someone-else' }))),
    bearer('wrong audience', forgeToken(secret, claims('admin', { aud: 'other-api' }))),
    bearer('unknown role', forgeToken(secret, claims('superuser'))),
    bearer('no subject', forgeToken(secret, claims('admin', { sub: '' }))),
    bearer('not yet valid', forgeToken(secret, claims('admin', { nbf: now + 3600 }))),
    bearer('garbage', 'not.a.jwt'),
    bearer('empty', ''),
    { kind: 'basic', header: `Basic ${base64url('admin:admin')}` },
    bearer('huge', 'a'.repeat(8000)),
  ];
  const validTokens = ROLES.map((role) => bearer(`role ${role}`, forgeToken(secret, claims(role))));
  return fc.oneof(
    { weight: 7, arbitrary: fc.constantFrom(...validTokens) },
    { weight: 3, arbitrary: fc.constantFrom(...forged) },
  );
}

function stringForQuery(schema: JsonSchema): fc.Arbitrary<string> {
  return valid(schema).map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
}

/** Percent-encodes a string as UTF-8 (a lone surrogate has no UTF-8 form: it goes as U+FFFD). */
const encode = (value: string) => encodeURIComponent(value.toWellFormed());

/** A path or query value as it goes on the wire: encoded, or deliberately broken percent-encoding. */
const hostileUrlPart: fc.Arbitrary<string> = fc.oneof(
  nastyString.map(encode),
  fc.constantFrom('%', '%zz', '%E0%A4%A', '%C0%AF', '..%2F..%2F', '%00', '%FF%FE'),
  fc.integer({ min: 1_000, max: 9_000 }).map((n) => 'a'.repeat(n)),
);

export interface FuzzRequest {
  method: string;
  /** Path and query, encoded. */
  target: string;
  headers: Record<string, string>;
  body: string | undefined;
  /** What the request tries, for the report. */
  kinds: string[];
}

/** Requests for one operation. */
export function requestOf(operation: Operation, secret: string): fc.Arbitrary<FuzzRequest> {
  const pathParameters = operation.parameters.filter((p) => p.in === 'path');
  const queryParameters = operation.parameters.filter((p) => p.in === 'query');
  const path = fc
    .tuple(
      ...pathParameters.map((p) =>
        fc.oneof(
          { weight: 3, arbitrary: stringForQuery(p.schema).map(encode) },
          { weight: 1, arbitrary: hostileUrlPart },
        ),
      ),
    )
    .map((values) =>
      pathParameters.reduce((target, p, i) => target.replace(`{${p.name}}`, values[i]!), operation.path),
    );
  const query = fc
    .tuple(
      ...queryParameters.map((p) =>
        fc.oneof(
          { weight: 2, arbitrary: fc.constant<string | undefined>(undefined) },
          { weight: 3, arbitrary: stringForQuery(p.schema).map((v) => `${p.name}=${encode(v)}`) },
          { weight: 1, arbitrary: hostileUrlPart.map((v) => `${p.name}=${v}`) },
          { weight: 1, arbitrary: fc.constant(`${p.name}=1&${p.name}=2`) },
          { weight: 1, arbitrary: fc.constant(`${p.name}[a]=1`) },
        ),
      ),
      fc.option(
        fc.constantFrom('unknown=1', '__proto__[admin]=1', 'constructor[prototype][admin]=1', `x=${'q'.repeat(4000)}`),
        { freq: 4 },
      ),
    )
    .map((parts) => parts.filter((part): part is string => typeof part === 'string' && part.length > 0).join('&'));
  const extraHeaders = fc.oneof(
    { weight: 20, arbitrary: fc.constant({}) },
    { weight: 1, arbitrary: fc.constant({ 'x-fuzz': 'h'.repeat(20_000) }) },
    {
      weight: 1,
      arbitrary: fc
        .string({ unit: 'binary-ascii', maxLength: 300 })
        .map((id) => ({ 'x-correlation-id': id.replace(/[^\x20-\x7e]/g, '') })),
    },
    { weight: 1, arbitrary: fc.constant({ accept: 'text/html' }) },
  );
  const body =
    operation.body || operation.method !== 'GET'
      ? bodyOf(operation.body)
      : fc.constant({ kind: 'no body', text: undefined });
  return fc
    .record({ path, query, auth: authorization(secret), body, contentType, extraHeaders })
    .map(({ path, query, auth, body, contentType, extraHeaders }) => {
      const headers: Record<string, string> = { ...extraHeaders };
      if (auth.header !== undefined) headers.authorization = auth.header;
      if (body.text !== undefined && contentType !== undefined) headers['content-type'] = contentType;
      return {
        method: operation.method,
        target: query ? `${path}?${query}` : path,
        headers,
        body: body.text,
        kinds: [auth.kind, `body: ${body.kind}`, `content-type: ${contentType ?? 'none'}`],
      };
    });
}

export interface FuzzResponse {
  status: number;
  contentType: string;
  body: string;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });

/** Sends one request; a connection the server closes after answering still yields the answer. */
export function send(base: string, request: FuzzRequest): Promise<FuzzResponse> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    let answered = false;
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: request.method,
        path: request.target,
        headers: request.headers,
        agent,
      },
      (res) => {
        answered = true;
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers['content-type'] ?? ''),
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(30_000, () => req.destroy(new Error('no answer within 30 s')));
    // The server may answer (413, 431) and close before it has read the whole body: that is an answer, not an error.
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code !== 'EPIPE' && err.code !== 'ECONNRESET') reject(err);
    });
    req.on('close', () => {
      if (!answered) reject(new Error('connection closed without an answer'));
    });
    req.end(request.body);
  });
}

/** What is wrong with an answer, or undefined: no 5xx, and every 4xx in the JSON error format with a message. */
export function problemWith(response: FuzzResponse): string | undefined {
  if (response.status >= 500) return `answered ${response.status}: ${response.body.slice(0, 300)}`;
  if (response.status < 400) return undefined;
  if (!response.contentType.startsWith('application/json'))
    return `answered ${response.status} as ${response.contentType || 'no content type'}: ${response.body.slice(0, 200)}`;
  let parsed: { error?: { code?: unknown; message?: unknown } };
  try {
    parsed = JSON.parse(response.body) as typeof parsed;
  } catch {
    return `answered ${response.status} with a body that is not JSON: ${response.body.slice(0, 200)}`;
  }
  const { code, message } = parsed.error ?? {};
  if (typeof code !== 'string' || code.length === 0 || typeof message !== 'string' || message.length === 0)
    return `answered ${response.status} without {error: {code, message}}: ${response.body.slice(0, 200)}`;
  return undefined;
}
