import { TOPIC_NAMES, type HandoffEvent } from '@handoff/contracts';
import type { HandlerMap } from '@handoff/kafka';
import { appendEvents } from '../store/events.js';

/** reporting consumes every topic into the event store, one INSERT per batch. */
export function reportingHandlers(): HandlerMap {
  const append = {
    batch: (events: HandoffEvent[], { tx }: { tx: Parameters<typeof appendEvents>[0] }) => appendEvents(tx, events),
  };
  return Object.fromEntries(TOPIC_NAMES.map((topic) => [topic, append])) as HandlerMap;
}
