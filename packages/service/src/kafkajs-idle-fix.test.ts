import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { fixKafkajsIdleSpin } from './kafkajs-idle-fix.js';

interface Queue {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
  destroy(): void;
}

const require = createRequire(import.meta.resolve('@handoff/kafka'));
const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as new (options: object) => Queue;
const affected = (require('kafkajs/package.json') as { version: string }).version === '2.2.4';
const silent = { debug: () => undefined, warn: () => undefined };

function idleQueue(): Queue {
  return new RequestQueue({
    maxInFlightRequests: null,
    requestTimeout: 30000,
    enforceRequestTimeout: false,
    clientId: 'test',
    broker: 'localhost:9092',
    logger: silent,
  });
}

/** How often the queue checks its pending requests in `ms` after its first check (as a response runs it). */
async function checksIn(queue: Queue, ms: number): Promise<number> {
  let checks = 0;
  const check = queue.checkPendingRequests.bind(queue);
  queue.checkPendingRequests = () => {
    checks += 1;
    check();
  };
  queue.checkPendingRequests();
  await new Promise((resolve) => setTimeout(resolve, ms));
  queue.destroy();
  return checks - 1;
}

describe.runIf(affected)('fixKafkajsIdleSpin (kafkajs 2.2.4)', () => {
  it('is needed: unpatched, an idle connection checks its empty queue every millisecond', async () => {
    const queue = idleQueue();
    expect(await checksIn(queue, 100)).toBeGreaterThan(20);
  });

  it('stops the idle timer', async () => {
    expect(fixKafkajsIdleSpin()).toBe(true);
    const queue = idleQueue();
    expect(await checksIn(queue, 100)).toBe(0);
    expect(queue.throttleCheckTimeoutId).toBeNull();
  });

  it('still checks a queue with pending requests, and one whose throttle has not ended', () => {
    fixKafkajsIdleSpin();
    const pending = idleQueue();
    pending.pending.push({});
    pending.scheduleCheckPendingRequests();
    expect(pending.throttleCheckTimeoutId).not.toBeNull();
    pending.destroy();

    const throttled = idleQueue();
    throttled.throttledUntil = Date.now() + 1000;
    throttled.scheduleCheckPendingRequests();
    expect(throttled.throttleCheckTimeoutId).not.toBeNull();
    throttled.destroy();
  });
});
