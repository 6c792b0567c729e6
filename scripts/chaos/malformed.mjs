// Malformed messages published straight onto the topics the services consume, each remembered by where it
// landed (topic, partition, offset) so the checks can find it in the DLQs.
import { randomUUID } from 'node:crypto';

const { TOPIC_NAMES, TOPICS } = await import('@handoff/contracts');

export const MALFORMED_KINDS = [
  'not_json',
  'wrong_schema',
  'unknown_type',
  'missing_lead_id',
  'huge',
  'changed_duplicate',
  'nul_character',
];

/** The error code each kind's dead letter must carry (x-error-code), and what its message must name. */
export const EXPECTED_ERRORS = {
  not_json: { code: 'not_json', names: /not JSON/ },
  wrong_schema: { code: 'bad_data', names: /invalid .* data/ },
  unknown_type: { code: 'wrong_topic', names: /lead\.teleported/ },
  missing_lead_id: { code: 'bad_envelope', names: /leadId/ },
  huge: { code: 'bad_data', names: /invalid .* data/ },
  changed_duplicate: { code: 'changed_duplicate', names: /already applied with another body/ },
  nul_character: { code: 'bad_data', names: /NUL character/ },
};

/**
 * Sends `count` malformed messages over every topic of the registry, the kinds in turn. `realEvents` are
 * events already on the topics (decoded envelopes with their topic), for the changed duplicates.
 */
export async function publishMalformed({ kafka, count, random, realEvents }) {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const sent = [];
  try {
    for (let i = 0; i < count; i++) {
      const kind = MALFORMED_KINDS[i % MALFORMED_KINDS.length];
      const message = build(kind, random, realEvents);
      if (!message) continue;
      const [meta] = await producer.send({
        topic: message.topic,
        messages: [{ key: message.key, value: message.value }],
      });
      sent.push({ kind, topic: message.topic, partition: meta.partition, offset: meta.baseOffset ?? meta.offset });
    }
  } finally {
    await producer.disconnect();
  }
  return sent;
}

function envelope(topic, data, extra = {}) {
  return {
    id: randomUUID(),
    type: topic,
    version: TOPICS[topic].version,
    occurredAt: new Date().toISOString(),
    producer: 'chaos',
    leadId: randomUUID(),
    correlationId: randomUUID(),
    data,
    ...extra,
  };
}

function build(kind, random, realEvents) {
  const topic = random.pick(TOPIC_NAMES);
  const key = randomUUID();
  switch (kind) {
    case 'not_json':
      return { topic, key, value: `{"id": "${randomUUID()}", not json at all` };
    case 'wrong_schema':
      return { topic, key, value: JSON.stringify(envelope(topic, { unexpected: 42, score: 'high' })) };
    case 'unknown_type':
      return { topic, key, value: JSON.stringify({ ...envelope(topic, {}), type: 'lead.teleported' }) };
    case 'missing_lead_id': {
      // Valid in every other way (lead.accepted's data is just who accepted).
      const { leadId: _dropped, ...rest } = envelope('lead.accepted', { actor: { kind: 'user', id: 'chaos' } });
      return { topic: 'lead.accepted', key, value: JSON.stringify(rest) };
    }
    case 'huge':
      // 900 kB: under the broker's 1 MB message limit, far over anything a service expects.
      return { topic, key, value: JSON.stringify(envelope(topic, { blob: 'x'.repeat(900_000) })) };
    case 'changed_duplicate': {
      if (realEvents.length === 0) return undefined;
      const real = random.pick(realEvents);
      // The same event id with another body: a producer bug. Applying it would be wrong; dropping it silently too.
      const changed = { ...real.event, occurredAt: new Date(Date.parse(real.event.occurredAt) + 1000).toISOString() };
      return { topic: real.topic, key: real.key, value: JSON.stringify(changed) };
    }
    case 'nul_character': {
      // A new event, valid but for a NUL character (U+0000) in a string, which Postgres cannot store.
      if (realEvents.length === 0) return undefined;
      const real = random.pick(realEvents);
      const poisoned = { ...real.event, id: randomUUID(), producer: 'chaos\u0000' };
      return { topic: real.topic, key: real.key, value: JSON.stringify(poisoned) };
    }
    default:
      throw new Error(`unknown kind ${kind}`);
  }
}
