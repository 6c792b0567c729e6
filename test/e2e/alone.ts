import type { Producer } from 'kafkajs';
import { createEvent, keyOf, leadIdFromEmail, newOrigin, type HandoffEvent } from '@handoff/contracts';
import { ServiceProcess, createTestTopics, freePort, testInfra, uniqueName } from '@handoff/testkit';

/**
 * One service as its own process on the run's infrastructure, alone on a
 * topic prefix, Postgres schema and BullMQ prefix of its own: the test plays
 * every other service by publishing their events.
 */
export async function startAlone(name: string): Promise<{ service: ServiceProcess; prefix: string }> {
  const prefix = `${uniqueName(name.replace('-', ''))}.`;
  const local = prefix.slice(0, -1).replace(/[^a-z0-9_]/g, '_');
  await createTestTopics(prefix);
  const service = await new ServiceProcess(
    name,
    await freePort(),
    {
      KAFKA_TOPIC_PREFIX: prefix,
      DB_SCHEMA: local,
      BULLMQ_PREFIX: local,
    },
    testInfra(),
  ).start();
  return { service, prefix };
}

/** Publishes an event as its producing service's outbox relay would (keyed, typed). */
export async function publish(producer: Producer, prefix: string, event: HandoffEvent): Promise<void> {
  await producer.send({
    topic: `${prefix}${event.type}`,
    messages: [{ key: keyOf(event), value: JSON.stringify(event), headers: { 'event-type': event.type } }],
  });
}

/** Publishes a new lead as lead-scoring would (`lead.upserted` from a webinar); resolves with its id. */
export async function publishNewLead(producer: Producer, prefix: string, email: string): Promise<string> {
  const leadId = leadIdFromEmail(email);
  await publish(
    producer,
    prefix,
    createEvent('lead.upserted', 'lead-scoring', {
      leadId,
      origin: newOrigin(),
      data: { profile: { email, source: 'webinar' } },
    }),
  );
  return leadId;
}
