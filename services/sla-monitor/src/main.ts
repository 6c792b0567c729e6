import { configOrExit } from '@handoff/config';
import { createServiceClients, runBackendService } from '@handoff/service';
import { loadSlaConfig } from './config.js';
import { slaHandlers } from './consumers/handlers.js';
import { slaRoutes } from './http/routes.js';
import { openTimers, overdueTimers } from './store/timers.js';
import { TimerSchedule } from './timers/timer-schedule.js';
import { fireTimer } from './use-cases/first-touch-timer.js';

const SERVICE = 'sla-monitor';

const config = configOrExit(() => loadSlaConfig(process.env), SERVICE);
const clients = createServiceClients(SERVICE, config, 'sla_monitor');
const { schema, logger, pool, redis } = clients;
const clock = () => new Date();
const policy = { id: 'first-touch-default', minutes: config.FIRST_TOUCH_MINUTES };

const schedule = new TimerSchedule({
  redis,
  prefix: config.BULLMQ_PREFIX,
  logger,
  onDue: (timerId) => fireTimer({ pool, schema, producer: SERVICE }, timerId, clock()),
  openTimers: () => openTimers(pool),
  overdueTimers: () => overdueTimers(pool, config.TIMER_SWEEP_MS),
  sweepMs: config.TIMER_SWEEP_MS,
});

await runBackendService({
  ...clients,
  config,
  migrationsDir: new URL('../migrations', import.meta.url).pathname,
  handlers: slaHandlers({ policy, schedule }),
  routes: slaRoutes({ pool, clock }),
  // The timer schedule starts before the consumer that schedules on it, and stops after it.
  workers: [{ name: 'timer-schedule', start: () => schedule.start(), stop: () => schedule.stop() }],
  readiness: { timers: () => schedule.isRunning() },
});
