import { pino, type Logger, type LoggerOptions } from 'pino';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type { Logger } from 'pino';
export { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** A structured JSON logger (pino) for one service. */
export function createLogger(options: {
  service: string;
  level?: string;
  destination?: NodeJS.WritableStream;
}): Logger {
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    base: { service: options.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
  };
  // stdout written synchronously, line by line (pino's own destination, which stops logging on EPIPE). The
  // default, asynchronous one flushes on exit and retries a write to a closed pipe forever: a service whose
  // launcher was killed outright then never exits on its SIGTERM.
  return pino(config, options.destination ?? pino.destination({ dest: 1, sync: true }));
}

/**
 * How often Node samples the event loop's delay for the `handoff_nodejs_eventloop_lag_*` gauges. prom-client's
 * 10 ms wakes an idle process 100 times a second, which measured ~0.3 % of a core per service on its own (about
 * a third of an idle service's budget); at 100 ms the gauges still catch every stall longer than that, and a
 * 15 s scrape still summarises 150 samples.
 */
export const EVENT_LOOP_SAMPLE_MS = 100;

/** A private metrics registry for one service, with Node's default metrics and a `service` label. */
export function createMetricsRegistry(service: string, options: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({
      register: registry,
      prefix: 'handoff_',
      eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS,
    });
    // Gauges named like counters (`_total` is a counter's suffix: promtool refuses them). Each is the sum of its
    // by-type gauge, which stays: `sum(handoff_nodejs_active_handles)` is the same number.
    for (const gauge of ['active_handles_total', 'active_requests_total', 'active_resources_total']) {
      registry.removeSingleMetric(`handoff_nodejs_${gauge}`);
    }
  }
  return registry;
}

/** Returns the metric of that name in the registry, creating it once (so two parts can share it). */
export function metric<T extends Counter | Gauge | Histogram>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

/**
 * For a condition that repeats while it lasts (a dependency away): lets one log line per key through per window,
 * and says how many like it were held back since, so an outage is one line every so often, not one per try.
 */
export class LogThrottle {
  private readonly seen = new Map<string, { at: number; held: number }>();
  constructor(private readonly windowMs: number) {}

  /** How many were held back before this one (log it), or undefined (hold this one back too). */
  take(key: string, now = Date.now()): number | undefined {
    const last = this.seen.get(key);
    if (last && now - last.at < this.windowMs) {
      last.held += 1;
      return undefined;
    }
    this.seen.set(key, { at: now, held: 0 });
    if (this.seen.size > 100) this.seen.delete(this.seen.keys().next().value!);
    return last?.held ?? 0;
  }
}
