import { fileURLToPath } from 'node:url';
import { configOrExit } from '@handoff/config';
import { HttpServer } from '@handoff/http';
import { ServiceHost } from '@handoff/lifecycle';
import { createLogger, createMetricsRegistry } from '@handoff/observability';
import { loadConsoleConfig } from './config.js';
import { createConsoleApp } from './http/console-app.js';

const SERVICE = 'console';

const config = configOrExit(() => loadConsoleConfig(process.env), SERVICE);
const logger = createLogger({ service: SERVICE, level: config.LOG_LEVEL });
const registry = createMetricsRegistry(SERVICE);
const server = new HttpServer(
  createConsoleApp({ config, logger, registry, publicDir: fileURLToPath(new URL('./web', import.meta.url)) }),
);

// The console holds no state: only its HTTP server starts and stops.
const host = new ServiceHost(
  [{ name: 'http', start: () => server.start(config.PORT, config.HOST), stop: () => server.stop() }],
  logger,
);
await host.runUntilSignal({
  timeoutMs: config.SHUTDOWN_TIMEOUT_MS,
  onStarted: () => logger.info({ url: `http://127.0.0.1:${config.PORT}` }, 'console started'),
});
