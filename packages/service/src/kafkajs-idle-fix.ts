import { createRequire } from 'node:module';

/** The part of kafkajs's per-connection request queue that the fix touches. */
interface RequestQueueLike {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

/** The kafkajs versions known to have the idle spin (tulios/kafkajs#1556); a newer one is left alone. */
const AFFECTED_VERSIONS = new Set(['2.2.4']);
/** kafkajs's own CHECK_PENDING_REQUESTS_INTERVAL. */
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;

let applied: boolean | undefined;

/**
 * Stops kafkajs 2.2.4 from spinning a 1 ms timer on every idle broker connection.
 *
 * Its RequestQueue reschedules its pending-request check after every check, with a delay of
 * `throttledUntil - Date.now()`, which is hugely negative when not throttled (`throttledUntil`
 * starts at -1): Node runs it after 1 ms, forever, on each connection (a consumer holds two, a
 * producer one or two). Measured on the local broker, that loop was over half of each backend
 * service's idle CPU (~2-3 % of a core of ~4 %). The fix is upstream's (tulios/kafkajs#1667, never
 * released): with nothing pending and no throttle in force there is nothing to check later,
 * because every new request either goes out at once or is queued by `push`, which schedules a
 * check, and every response or timeout runs one. Pending requests and throttling keep their
 * timers exactly as before, so nothing changes under load.
 *
 * Patches the kafkajs that @handoff/kafka resolves (the one every client of ours is made by),
 * once per process; returns whether it applied.
 */
export function fixKafkajsIdleSpin(): boolean {
  if (applied !== undefined) return applied;
  const require = createRequire(import.meta.resolve('@handoff/kafka'));
  const { version } = require('kafkajs/package.json') as { version: string };
  if (!AFFECTED_VERSIONS.has(version)) return (applied = false);
  const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as { prototype: RequestQueueLike };
  RequestQueue.prototype.scheduleCheckPendingRequests = function (this: RequestQueueLike) {
    if (this.throttleCheckTimeoutId) return;
    let scheduleAt = this.throttledUntil - Date.now();
    if (this.pending.length > 0) scheduleAt = scheduleAt > 0 ? scheduleAt : CHECK_PENDING_REQUESTS_INTERVAL_MS;
    // The one change: idle and unthrottled, nothing needs checking (kafkajs 2.2.4 set a 1 ms timer here).
    else if (scheduleAt <= 0) return;
    this.throttleCheckTimeoutId = setTimeout(() => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    }, scheduleAt);
  };
  return (applied = true);
}
