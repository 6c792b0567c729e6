import { z } from 'zod';
import type { RouteSpec } from './app.js';

type Json = Record<string, unknown>;

/** The error answers every route can give, beside the ones it names: who may call it, and what the parser refuses. */
const COMMON_ERRORS: Record<string, string> = {
  400: 'The request is invalid: `error.details` names each field and what is wrong with it',
  401: 'No valid bearer token (missing, expired, or not signed with the stack’s key)',
  403: 'The caller’s role or scope may not do this',
  503: 'The service is starting and waits for a dependency, or cannot reach one right now (`error.message` says which); try again after `Retry-After`',
};
const BODY_ERRORS: Record<string, string> = {
  413: 'The body is larger than the service takes',
  415: 'The body is not `application/json`',
};

/**
 * An OpenAPI 3.0 operation id from a route: its method and path, `v1` left out, each `:param` as `By<Param>`,
 * e.g. `GET /v1/leads/:id/timeline` → `getLeadsByIdTimeline`. Unique, since a method and path are.
 */
export function operationIdOf(route: { method: string; path: string }): string {
  const words = route.path
    .split('/')
    .filter((segment) => segment && segment !== 'v1')
    .map((segment) => (segment.startsWith(':') ? `by-${segment.slice(1)}` : segment))
    .flatMap((segment) => segment.split(/[^A-Za-z0-9]+/))
    .filter(Boolean);
  return [route.method, ...words.map((w) => w[0]!.toUpperCase() + w.slice(1))].join('');
}

/**
 * A route's zod schema as an OpenAPI 3.0 schema. A recursive schema (a condition of conditions) comes out of zod
 * with its own `definitions` and `#/definitions/…` references, which mean nothing inside an OpenAPI document:
 * they move to `components.schemas` under the operation's name, and their references with them.
 */
function schemaOf(schema: z.ZodType, io: 'input' | 'output', components: Json, owner: string): unknown {
  const js = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'openapi-3.0' }) as Json;
  const definitions = { ...((js.definitions as Json | undefined) ?? {}), ...((js.$defs as Json | undefined) ?? {}) };
  delete js.definitions;
  delete js.$defs;
  delete js.$schema;
  const renamed = new Map(Object.keys(definitions).map((key) => [key, `${owner}_${key.replace(/^_+/, '')}`]));
  const rewrite = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(rewrite);
    if (node === null || typeof node !== 'object') return node;
    const out: Json = {};
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') {
        const local = /^#\/(?:definitions|\$defs)\/(.+)$/.exec(value);
        out.$ref = local ? `#/components/schemas/${renamed.get(local[1]!) ?? local[1]}` : value;
      } else {
        out[key] = rewrite(value);
      }
    }
    return typedNullable(out);
  };
  for (const [key, definition] of Object.entries(definitions)) {
    components[renamed.get(key)!] = rewrite(definition);
  }
  return rewrite(js);
}

/**
 * OpenAPI 3.0 lets `nullable` stand only beside a `type`: zod writes a nullable union as `{anyOf, nullable}`.
 * The nullable moves onto each branch (each has its type), which allows null all the same.
 */
function typedNullable(node: Json): Json {
  if (node.nullable !== true || 'type' in node) return node;
  const branches = (node.anyOf ?? node.oneOf) as Json[] | undefined;
  if (!branches) return node;
  const { nullable: _nullable, ...rest } = node;
  const key = node.anyOf ? 'anyOf' : 'oneOf';
  return {
    ...rest,
    [key]: branches.map((b) =>
      '$ref' in b ? { allOf: [b], nullable: true, type: 'object' } : { ...b, nullable: true },
    ),
  };
}

const errorAnswer = (description: string) => ({
  description,
  content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
});

/** An OpenAPI 3 document of the routes, generated from their zod schemas. */
export function buildOpenApi(
  info: { title: string; version: string },
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- routes differ in their type parameters
  routes: Array<RouteSpec<any, any, any>>,
): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const schemas: Json = {};
  for (const route of routes) {
    const path = route.path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');
    const operationId = operationIdOf(route);
    const parameters: unknown[] = [];
    for (const [where, schema] of [
      ['path', route.params],
      ['query', route.query],
    ] as const) {
      if (!schema) continue;
      const js = schemaOf(schema, 'input', schemas, operationId) as { properties?: Json; required?: string[] };
      for (const [name, property] of Object.entries(js.properties ?? {})) {
        parameters.push({
          name,
          in: where,
          required: where === 'path' || (js.required ?? []).includes(name),
          schema: property,
        });
      }
    }
    const responses: Json = {};
    for (const [status, r] of Object.entries(route.responses)) {
      responses[status] = r.schema
        ? {
            description: r.description,
            content: { 'application/json': { schema: schemaOf(r.schema, 'output', schemas, operationId) } },
          }
        : Number(status) >= 400
          ? errorAnswer(r.description)
          : { description: r.description };
    }
    const errors = { ...COMMON_ERRORS, ...(route.body ? BODY_ERRORS : {}) };
    for (const [status, description] of Object.entries(errors)) responses[status] ??= errorAnswer(description);
    const operation: Json = {
      operationId,
      summary: route.summary,
      description: `Roles: ${['admin', ...route.roles].join(', ')}.`,
      // The same, for tools: who may call the operation (authorization-matrix test, gateways).
      'x-roles': ['admin', ...route.roles],
      security: [{ bearer: [] }],
      parameters,
      responses: Object.fromEntries(Object.entries(responses).sort(([a], [b]) => Number(a) - Number(b))),
    };
    if (route.body) {
      operation.requestBody = {
        required: true,
        content: { 'application/json': { schema: schemaOf(route.body, 'input', schemas, operationId) } },
      };
    }
    paths[path] = { ...paths[path], [route.method]: operation };
  }
  return {
    openapi: '3.0.3',
    info,
    // Relative: the service answers where its /openapi.json was read from (its port, or a gateway's path).
    servers: [{ url: '/', description: 'this service' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas: {
        ...schemas,
        Error: {
          type: 'object',
          properties: {
            error: {
              type: 'object',
              properties: {
                code: { type: 'string', description: 'A stable, machine-readable code (`bad_request`, `not_found`…)' },
                message: { type: 'string', description: 'What is wrong, for a person' },
                details: {
                  description:
                    'For a 400 (and a 422): an array of `{field, message}`, each field (`body.email`, `query.from`…) ' +
                    'and what is wrong with it; for a 409, what the state lacks',
                },
              },
              required: ['code', 'message'],
            },
          },
          required: ['error'],
        },
      },
    },
    paths,
  };
}
