import { randomUUID } from 'node:crypto';
import http from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { pinoHttp } from 'pino-http';
import { z } from 'zod';
import { jsonProblemOf, type Role } from '@handoff/contracts';
import { Refusal, describeError, isRetriable, type RefusalKind } from '@handoff/errors';
import { Counter, Histogram, LogThrottle, metric, type Logger, type Registry } from '@handoff/observability';
import { verifyToken, type Principal } from './auth.js';
import { HttpError, badRequest, forbidden, notFound, unauthorized } from './errors.js';
import { buildOpenApi } from './openapi.js';

export interface RouteRequest<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  principal: Principal;
  correlationId: string;
  log: Logger;
}

export interface RouteResult {
  status: number;
  body?: unknown;
}

export interface RouteSpec<B = unknown, Q = unknown, P = unknown> {
  method: 'get' | 'post' | 'put' | 'delete' | 'patch';
  /** Express-style path, e.g. `/v1/leads/:id`. */
  path: string;
  summary: string;
  /** Roles allowed to call the route; `admin` is always allowed. */
  roles: readonly Role[];
  body?: z.ZodType<B>;
  query?: z.ZodType<Q>;
  params?: z.ZodType<P>;
  responses: Record<number, { description: string; schema?: z.ZodType }>;
  handler: (req: RouteRequest<B, Q, P>) => Promise<RouteResult>;
}

/** Declares a route with its types inferred from its schemas. */
export function defineRoute<B = undefined, Q = Record<string, never>, P = Record<string, never>>(
  spec: RouteSpec<B, Q, P>,
): RouteSpec<B, Q, P> {
  return spec;
}

/** Readiness: every dependency's state; ready only when all are true. */
export type ReadinessCheck = () => Promise<Record<string, boolean>>;

export interface HttpAppOptions {
  service: string;
  version?: string;
  logger: Logger;
  registry: Registry;
  readiness: ReadinessCheck;
  jwtSecret: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- routes differ in their type parameters
  routes: Array<RouteSpec<any, any, any>>;
  bodyLimit?: string;
  /** Check each answer against its route's declared response schema (HTTP_CHECK_RESPONSES; tests). */
  checkResponses?: boolean;
  /**
   * While the service is starting behind an open front door: what it is waiting for. Then /health/ready is 503
   * naming it and every API route a 503 `starting`; /health/live stays 200.
   */
  startingWith?: () => string | undefined;
  /** Mounts extra middleware (static files, proxies) after the health routes and before the API routes. */
  mount?: (app: express.Express) => void;
}

const CORRELATION_HEADER = 'x-correlation-id';

function formatZodIssues(error: z.ZodError, where: string) {
  return error.issues.map((issue) => ({
    field: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}

/**
 * The express app of a service: health, readiness, metrics, OpenAPI, and its
 * `/v1` routes with JWT role checks, zod validation and JSON errors.
 */
export function createHttpApp(options: HttpAppOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  const registry = options.registry;
  const requests = metric(
    registry,
    'handoff_http_requests_total',
    () =>
      new Counter({
        name: 'handoff_http_requests_total',
        help: 'HTTP requests by method, route and status.',
        labelNames: ['method', 'route', 'status'],
        registers: [registry],
      }),
  );
  const seconds = metric(
    registry,
    'handoff_http_request_seconds',
    () =>
      new Histogram({
        name: 'handoff_http_request_seconds',
        help: 'HTTP request duration by method and route.',
        labelNames: ['method', 'route'],
        buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
        registers: [registry],
      }),
  );

  app.use(
    pinoHttp({
      logger: options.logger,
      genReqId: (req, res) => {
        const given = req.headers[CORRELATION_HEADER];
        const id = typeof given === 'string' && given.length > 0 && given.length <= 200 ? given : randomUUID();
        res.setHeader(CORRELATION_HEADER, id);
        return id;
      },
      customProps: (req) => ({ correlationId: req.id }),
      // Logs inside a handler carry the request id only; the request itself is logged once, when it completes.
      quietReqLogger: true,
      autoLogging: { ignore: (req) => req.url?.startsWith('/health') === true || req.url === '/metrics' },
    }),
  );
  app.use((req: Request, res: Response, next: NextFunction) => {
    res.on('finish', () => {
      requests.inc({ method: req.method, route: routeLabel(req, res), status: String(res.statusCode) });
    });
    next();
  });

  app.get('/health/live', (_req, res) => {
    res.json({ status: 'ok', service: options.service });
  });
  app.get('/health/ready', async (_req, res) => {
    const waitingFor = options.startingWith?.();
    if (waitingFor !== undefined) {
      res.status(503).json({ status: 'starting', waitingFor, checks: { started: false } });
      return;
    }
    const checks = await options.readiness().catch(() => ({ readiness: false }));
    const ready = Object.values(checks).every(Boolean);
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not_ready', checks });
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('content-type', registry.contentType);
    res.send(await registry.metrics());
  });
  const openapi = buildOpenApi(
    { title: `Handoff ${options.service}`, version: options.version ?? '0.1.0' },
    options.routes,
  );
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });

  options.mount?.(app);
  app.use(express.json({ limit: options.bodyLimit ?? '1mb' }));

  for (const route of options.routes) {
    app[route.method](route.path, async (req: Request, res: Response, next: NextFunction) => {
      const stop = seconds.startTimer({ method: route.method, route: route.path });
      try {
        const waitingFor = options.startingWith?.();
        if (waitingFor !== undefined) {
          res.setHeader('retry-after', '5');
          throw new HttpError(
            503,
            'starting',
            `${options.service} is starting (waiting for ${waitingFor}); try again shortly`,
          );
        }
        const principal = await authenticate(req, options.jwtSecret);
        if (principal.role !== 'admin' && !route.roles.includes(principal.role)) {
          throw forbidden(`role ${principal.role} may not ${route.method.toUpperCase()} ${route.path}`);
        }
        if (route.body && carriesBody(req) && !req.is('application/json')) throw unsupportedMediaType(req);
        const params = parsePart(route.params, req.params, 'params');
        const query = parsePart(route.query, req.query, 'query');
        const body = parsePart(route.body, req.body, 'body');
        const result = await route.handler({
          body,
          query,
          params,
          principal,
          correlationId: String(req.id),
          log: req.log,
        });
        if (options.checkResponses) checkAnswer(route, result);
        res.status(result.status);
        if (result.body === undefined) res.end();
        else res.json(result.body);
      } catch (err) {
        next(err);
      } finally {
        stop();
      }
    });
  }

  app.use((req: Request, _res: Response, next: NextFunction) => {
    next(notFound(`no route ${req.method} ${req.path}`));
  });
  // A dependency away (Postgres restarting, a connection dropped) fails every request meanwhile: one warning per
  // 10 s says so, the rest are debug; each answer is a 503 the client may retry.
  const unavailable = new LogThrottle(10_000);
  app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
    void next;
    const httpError = toHttpError(err);
    if (httpError.code === 'unavailable') {
      const repeated = unavailable.take('unavailable');
      req.log?.[repeated === undefined ? 'debug' : 'warn'](
        { err: describeError(err), ...(repeated ? { repeated } : {}) },
        'request failed: a dependency is not reachable; answered 503',
      );
      res.setHeader('retry-after', '1');
    } else if (httpError.status >= 500) req.log?.error({ err: describeError(err) }, 'request failed');
    res.status(httpError.status).json({
      error: {
        code: httpError.code,
        message: httpError.message,
        ...(httpError.details === undefined ? {} : { details: httpError.details }),
      },
    });
  });
  return app;
}

function parsePart<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  const problem = jsonProblemOf(value, { at: where });
  if (problem) throw badRequest(`invalid ${where}: ${problem.field}: ${problem.message}`, [problem]);
  if (!schema) return value as T;
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    const details = formatZodIssues(result.error, where);
    throw badRequest(
      `invalid ${where}: ${details
        .slice(0, 3)
        .map((d) => `${d.field}: ${d.message}`)
        .join('; ')}`,
      details,
    );
  }
  return result.data;
}

async function authenticate(req: Request, secret: string): Promise<Principal> {
  const header = req.headers.authorization;
  if (!header) throw unauthorized();
  const match = /^Bearer\s+(.+)$/i.exec(header);
  if (!match?.[1]) throw unauthorized('expected Authorization: Bearer <token>');
  return verifyToken(secret, match[1]);
}

/** The status of each kind of refusal a use case throws: every kind has one (the compiler checks). */
const STATUS_OF_REFUSAL = {
  bad_request: 400,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  unprocessable: 422,
} as const satisfies Record<RefusalKind, number>;

function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError || (err as { name?: string })?.name === 'HttpError') return err as HttpError;
  if (err instanceof Refusal || (err as { name?: string })?.name === 'Refusal') {
    const refusal = err as Refusal;
    return new HttpError(STATUS_OF_REFUSAL[refusal.kind], refusal.code, refusal.message, { details: refusal.details });
  }
  const e = err as { type?: string; status?: number; message?: string };
  // body-parser errors carry a status and a type.
  if (e?.type === 'entity.too.large') return new HttpError(413, 'payload_too_large', 'request body is too large');
  if (e?.type === 'entity.parse.failed') return badRequest(`body is not valid JSON: ${e.message ?? ''}`);
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return new HttpError(e.status, 'bad_request', e.message ?? 'bad request');
  }
  // A lost or refused connection, a database shutting down or starting: a retry may work (the write APIs take
  // idempotency keys, so one whose answer was lost is not done twice).
  if (isRetriable(err))
    return new HttpError(503, 'unavailable', 'the service cannot reach what it needs right now; try again');
  return new HttpError(500, 'internal', 'internal error');
}

/** Connections answered at the parser, draining what the client still sends. */
const answering = new WeakSet<object>();
const LINGER_MS = 5000;

/**
 * Requests Node's HTTP parser refuses before express sees them (headers over
 * 16 kB, a malformed request line or header, a request that never finishes)
 * get the same JSON error as every other refusal, not a bare status line.
 */
function answerClientError(err: NodeJS.ErrnoException, socket: import('node:stream').Duplex): void {
  // Node's parser reports the same error again for each later chunk of the request: the answer is on its way.
  // Destroying the socket then would reset the connection while the client is still sending its body, and a
  // client that has not read the answer yet loses it (seen by the fuzzer: a 20 kB header and a 1 MB body).
  if (answering.has(socket)) return;
  if (err.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  answering.add(socket);
  // A lingering close, as nginx's: what the client still sends is read and dropped until it closes its side,
  // for at most LINGER_MS.
  const linger = setTimeout(() => socket.destroy(), LINGER_MS).unref();
  socket.once('end', () => socket.destroy());
  socket.once('close', () => clearTimeout(linger));
  const [status, code, message] =
    err.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'headers_too_large', 'request headers are larger than 16 kB']
      : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'request_timeout', 'the request did not arrive in time']
        : [400, 'bad_request', `malformed HTTP request: ${err.code ?? err.message}`];
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\ncontent-type: application/json; charset=utf-8\r\n` +
      `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}

/** An HTTP server with explicit start and stop. */
export class HttpServer {
  private server: http.Server | undefined;
  private stopping = false;

  constructor(private readonly app: express.Express) {}

  /** Listens; resolves with the bound port. */
  async start(port: number, host = '127.0.0.1'): Promise<number> {
    this.stopping = false;
    const server = http.createServer((req, res) => {
      // Stopping: answer, then close the connection, so a client that keeps it busy cannot hold the stop open.
      if (this.stopping) res.shouldKeepAlive = false;
      this.app(req, res);
    });
    server.keepAliveTimeout = 5000;
    server.on('clientError', answerClientError);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    this.server = server;
    const address = server.address();
    return typeof address === 'object' && address ? address.port : port;
  }

  /**
   * Stops accepting connections and waits for requests in flight, for up to `graceMs`: kept-alive connections are
   * closed after their next answer, and any still open then are closed.
   */
  async stop(graceMs = 5000): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    this.stopping = true;
    await new Promise<void>((resolve) => {
      const idle = setInterval(() => server.closeIdleConnections(), 100);
      const hard = setTimeout(() => server.closeAllConnections(), graceMs);
      server.close(() => {
        clearInterval(idle);
        clearTimeout(hard);
        resolve();
      });
      server.closeIdleConnections();
    });
  }
}

/** Bytes follow the headers (RFC 9110 §6.4.1: a length above zero, or a transfer coding). */
function carriesBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** 415: a body the JSON parser left alone (text/plain, a form, no type at all) would read as missing fields. */
function unsupportedMediaType(req: Request): HttpError {
  const given = req.headers['content-type'];
  return new HttpError(
    415,
    'unsupported_media_type',
    `send the body as application/json (Content-Type: application/json), not ${given ? given : 'without a Content-Type'}`,
    { details: [{ field: 'header.content-type', message: 'must be application/json' }] },
  );
}

/**
 * A request's route for metrics: its template (`/v1/leads/:id`), never the URL (unbounded label values) nor a
 * pattern's source (a RegExp's backslashes are no valid label text). A route matched by a pattern names itself in
 * `res.locals.route`.
 */
function routeLabel(req: Request, res: Response): string {
  const named: unknown = res.locals.route;
  if (typeof named === 'string') return named;
  const template: unknown = req.route?.path;
  if (typeof template === 'string') return template;
  return template === undefined ? 'unmatched' : 'pattern';
}

/**
 * An answer as its route's OpenAPI description promises it: a declared status, and a body its schema accepts once
 * it is JSON (dates as strings, undefined gone). Only with `checkResponses` (tests): a spec that lies is a 500.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- routes differ in their type parameters
function checkAnswer(route: RouteSpec<any, any, any>, result: RouteResult): void {
  const where = `${route.method.toUpperCase()} ${route.path}`;
  const declared = route.responses[result.status];
  if (!declared) {
    throw new HttpError(
      500,
      'response_undeclared',
      `${where} answered ${result.status}, which its spec does not declare`,
    );
  }
  if (result.body === undefined) return;
  if (!declared.schema) {
    throw new HttpError(
      500,
      'response_undeclared',
      `${where} answered ${result.status} with a body its spec does not describe`,
    );
  }
  const sent: unknown = JSON.parse(JSON.stringify(result.body));
  const parsed = declared.schema.safeParse(sent);
  if (!parsed.success) {
    const problems = formatZodIssues(parsed.error, 'response');
    throw new HttpError(
      500,
      'response_mismatch',
      `${where} answered ${result.status} with a body its schema refuses: ${problems
        .slice(0, 5)
        .map((d) => `${d.field}: ${d.message}`)
        .join('; ')}`,
      { details: problems },
    );
  }
}
