import path from 'node:path';
import express from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { z } from 'zod';
import { Role } from '@handoff/contracts';
import { createHttpApp, signToken } from '@handoff/http';
import type { Logger, Registry } from '@handoff/observability';
import type { ConsoleConfig } from '../config.js';
import { insightRoutes } from './insight-routes.js';

/** The services the console proxies under `/api/<service>/…`. */
export function upstreamsOf(config: ConsoleConfig): Record<string, string> {
  return {
    'lead-scoring': config.LEAD_SCORING_URL,
    'sdr-queue': config.SDR_QUEUE_URL,
    'sla-monitor': config.SLA_MONITOR_URL,
    reporting: config.REPORTING_URL,
  };
}

const LocalSignIn = z.object({
  role: Role,
  sub: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9._@-]+$/),
});

/** The console: the web app (built by Vite into dist/web), the API proxy, and (local stack only) sign-in by role. */
export function createConsoleApp(deps: {
  config: ConsoleConfig;
  logger: Logger;
  registry: Registry;
  publicDir: string;
}) {
  const upstreams = upstreamsOf(deps.config);
  return createHttpApp({
    service: 'console',
    logger: deps.logger,
    registry: deps.registry,
    jwtSecret: deps.config.JWT_SECRET,
    checkResponses: deps.config.HTTP_CHECK_RESPONSES,
    routes: insightRoutes({
      jwtSecret: deps.config.JWT_SECRET,
      leadScoringUrl: deps.config.LEAD_SCORING_URL,
      sdrQueueUrl: deps.config.SDR_QUEUE_URL,
    }),
    readiness: async () => {
      const entries = await Promise.all(
        Object.entries(upstreams).map(async ([name, url]) => {
          const ok = await fetch(`${url}/health/live`, { signal: AbortSignal.timeout(1000) })
            .then((r) => r.ok)
            .catch(() => false);
          return [name, ok] as const;
        }),
      );
      return Object.fromEntries(entries);
    },
    mount: (app) => {
      for (const [name, target] of Object.entries(upstreams)) {
        app.use(
          `/api/${name}`,
          createProxyMiddleware({ target, changeOrigin: false, xfwd: true, proxyTimeout: 30000 }),
        );
      }
      app.post('/auth/local-token', express.json({ limit: '2kb' }), async (req, res) => {
        if (!deps.config.LOCAL_SIGNIN) {
          res.status(404).json({ error: { code: 'not_found', message: 'local sign-in is off; paste a token' } });
          return;
        }
        const body = LocalSignIn.safeParse(req.body);
        if (!body.success) {
          res.status(400).json({
            error: { code: 'bad_request', message: `invalid sign-in: ${body.error.issues[0]?.message ?? ''}` },
          });
          return;
        }
        res.json({ token: await signToken(deps.config.JWT_SECRET, body.data), ...body.data });
      });
      app.get('/auth/config', (_req, res) => {
        res.json({ localSignIn: deps.config.LOCAL_SIGNIN, roles: Role.options });
      });
      // The web app: hashed assets cached for good, index.html never; a page path (no file extension) is one of
      // the app's own routes, so a reload or a shared link opens that screen.
      app.use(
        express.static(deps.publicDir, {
          index: false,
          setHeaders: (res, file) =>
            res.setHeader(
              'cache-control',
              file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
            ),
        }),
      );
      app.get(/^\/(?!api\/|auth\/|health\/|assets\/|metrics|openapi)[^.]*$/, (req, res, next) => {
        if (!req.accepts('html')) return next();
        res.locals.route = 'console page';
        res.setHeader('cache-control', 'no-cache');
        res.sendFile(path.join(deps.publicDir, 'index.html'));
      });
    },
  });
}
