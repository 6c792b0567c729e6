import { randomUUID } from 'node:crypto';
import { isRetriable } from '@handoff/errors';
import { describe, expect, it } from 'vitest';
import { DispositionReason, RecycleReason } from './enums.js';
import { causedBy, newOrigin } from './envelope.js';
import { leadIdFromEmail } from './lead-id.js';
import {
  EventDecodeError,
  TOPICS,
  TOPIC_NAMES,
  createEvent,
  decodeEvent,
  dlqTopicOf,
  isTopicName,
  keyOf,
  topicsToCreate,
  TOPIC_RETENTION_MS,
  DLQ_RETENTION_MS,
  type NewEvent,
  type TopicName,
} from './topics.js';

const leadId = leadIdFromEmail('ada@example.com');
const activityId = randomUUID();
const occurredAt = '2025-03-04T10:15:00.000Z';

function activity() {
  return createEvent('lead.activity', 'test', {
    leadId,
    data: { activityId, type: 'page_view', occurredAt, properties: { url: '/pricing' } },
    origin: newOrigin('corr-1'),
  });
}

/** A valid lead.activity envelope as plain JSON, for breaking one part at a time. */
function activityJson(): Record<string, unknown> {
  return JSON.parse(JSON.stringify(activity())) as Record<string, unknown>;
}

function decodeError(topic: TopicName, value: Buffer | string | null): EventDecodeError {
  try {
    decodeEvent(topic, value);
  } catch (err) {
    return err as EventDecodeError;
  }
  throw new Error('decodeEvent accepted the message');
}

describe('decodeEvent', () => {
  it('round-trips an event from createEvent through JSON', () => {
    const event = activity();
    const decoded = decodeEvent('lead.activity', Buffer.from(JSON.stringify(event)));
    expect(decoded).toEqual(event);
    expect(decoded.type).toBe('lead.activity');
    expect(decoded.leadId).toBe(leadId);
    expect(decoded.data.properties).toEqual({ url: '/pricing' });
  });

  it('accepts a string value and applies data defaults of the topic', () => {
    const json = activityJson();
    delete (json.data as Record<string, unknown>).properties;
    const decoded = decodeEvent('lead.activity', JSON.stringify(json));
    expect(decoded.data.properties).toEqual({});
  });

  it('refuses a NUL character anywhere (Postgres cannot store it), naming the field', () => {
    const json = activityJson();
    (json.data as Record<string, unknown>).properties = { url: '/pricing\u0000' };
    expect(() => decodeEvent('lead.activity', JSON.stringify(json))).toThrow(
      expect.objectContaining({
        code: 'bad_data',
        message: 'data.properties.url: contains a NUL character (U+0000), which cannot be stored',
      }),
    );
  });

  it('decodes a topic keyed by rule set without a leadId', () => {
    const event = createEvent('scoring.rules-published', 'test', {
      data: { ruleSetId: 'default', version: 3, actor: { kind: 'user', id: 'u1', role: 'marketing_ops' } },
      origin: newOrigin(),
    });
    expect(event.leadId).toBeUndefined();
    expect(decodeEvent('scoring.rules-published', JSON.stringify(event))).toEqual(event);
  });

  const withoutId = () => {
    const json = activityJson();
    delete json.id;
    return JSON.stringify(json);
  };
  const withoutLeadId = () => {
    const json = activityJson();
    delete json.leadId;
    return JSON.stringify(json);
  };
  const withData = (patch: Record<string, unknown>) => () => {
    const json = activityJson();
    return JSON.stringify({ ...json, data: { ...(json.data as object), ...patch } });
  };

  it.each<[string, TopicName, () => Buffer | string | null, EventDecodeError['code'], RegExp]>([
    ['a non-JSON value', 'lead.activity', () => 'not json {', 'not_json', /not JSON/],
    ['a non-JSON buffer', 'lead.activity', () => Buffer.from([0xff, 0x00, 0x7b]), 'not_json', /not JSON/],
    ['a null value (tombstone)', 'lead.activity', () => null, 'not_json', /no value/],
    ['a JSON null', 'lead.activity', () => 'null', 'bad_envelope', /invalid envelope/],
    ['a JSON array', 'lead.activity', () => '[]', 'bad_envelope', /invalid envelope/],
    ['a missing id', 'lead.activity', withoutId, 'bad_envelope', /\bid\b/],
    ['a missing leadId on a lead topic', 'lead.activity', withoutLeadId, 'bad_envelope', /leadId/],
    [
      'a non-UUID leadId',
      'lead.activity',
      () => JSON.stringify({ ...activityJson(), leadId: 'ada@example.com' }),
      'bad_envelope',
      /leadId/,
    ],
    [
      'a zero version',
      'lead.activity',
      () => JSON.stringify({ ...activityJson(), version: 0 }),
      'bad_envelope',
      /version/,
    ],
    ['an event of another topic', 'lead.touched', () => JSON.stringify(activity()), 'wrong_topic', /lead\.activity/],
    ['a bad activityId', 'lead.activity', withData({ activityId: 'x' }), 'bad_data', /data\.activityId/],
    ['a missing type', 'lead.activity', withData({ type: undefined }), 'bad_data', /data\.type/],
    ['a bad occurredAt', 'lead.activity', withData({ occurredAt: 'yesterday' }), 'bad_data', /data\.occurredAt/],
    ['a bad e-mail', 'lead.activity', withData({ email: 'nope' }), 'bad_data', /data\.email/],
  ])('rejects %s with %s', (_what, topic, value, code, message) => {
    const error = decodeError(topic, value());
    expect(error).toBeInstanceOf(EventDecodeError);
    expect(error.name).toBe('EventDecodeError');
    expect(error.code).toBe(code);
    expect(error.message).toMatch(message);
    // The same bytes fail the same way: retrying can never help, so consumers dead-letter at once.
    expect(error.retriable).toBe(false);
    expect(isRetriable(error)).toBe(false);
  });

  it('names the nested field path of bad data', () => {
    const event = createEvent('lead.upserted', 'test', {
      leadId,
      data: { profile: { email: 'ada@example.com' } },
      origin: newOrigin(),
    });
    const json = JSON.parse(JSON.stringify(event)) as { data: { profile: Record<string, unknown> } };
    json.data.profile.companySize = -3;
    const error = decodeError('lead.upserted', JSON.stringify(json));
    expect(error.code).toBe('bad_data');
    expect(error.message).toContain('data.profile.companySize');
  });
});

describe('createEvent', () => {
  it('fills the envelope: id, type, version, time, producer and origin', () => {
    const cause = activity();
    const event = createEvent('lead.scored', 'lead-scoring', {
      leadId,
      accountId: randomUUID(),
      data: {
        score: {
          total: 60,
          fit: 30,
          engagement: 30,
          grade: 'B',
          tier: 'A',
          ruleSetId: 'default',
          ruleSetVersion: 1,
          scoredAt: occurredAt,
        },
        salesReady: false,
      },
      origin: causedBy(cause),
      occurredAt: new Date(occurredAt),
    });
    expect(event).toMatchObject({
      type: 'lead.scored',
      version: TOPICS['lead.scored'].version,
      producer: 'lead-scoring',
      leadId,
      occurredAt,
      correlationId: 'corr-1',
      causationId: cause.id,
    });
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(decodeEvent('lead.scored', JSON.stringify(event))).toEqual(event);
  });

  it('keeps a given id, so a retried producer writes the same event', () => {
    const id = randomUUID();
    const make = () =>
      createEvent('lead.activity', 'test', {
        id,
        leadId,
        data: { activityId, type: 'visit', occurredAt },
        origin: newOrigin(),
      });
    expect(make().id).toBe(id);
    expect(make().id).toBe(make().id);
  });

  it('applies the defaults of the data schema (lead.activity properties = {})', () => {
    const event = createEvent('lead.activity', 'test', {
      leadId,
      data: { activityId, type: 'visit', occurredAt },
      origin: newOrigin(),
    });
    expect(event.data.properties).toEqual({});
  });

  it('leaves out optional envelope fields that were not given', () => {
    const event = activity();
    expect(Object.keys(event)).not.toContain('accountId');
    expect(Object.keys(event)).not.toContain('causationId');
  });

  it.each<[string, TopicName, unknown]>([
    ['a bad activityId', 'lead.activity', { activityId: 'x', type: 'visit', occurredAt }],
    ['a missing e-mail', 'lead.upserted', { profile: {} }],
    ['an unknown disposition reason', 'lead.disqualified', { reason: 'bored', actor: { kind: 'system', id: 's' } }],
    [
      'qualification without confirmed need',
      'lead.qualified',
      {
        sdrId: 's1',
        evidence: {
          needConfirmed: false,
          need: 'n',
          keyPerson: { name: 'k', buyingRole: 'user' },
          budget: 'b',
          timing: 't',
        },
        actor: { kind: 'user', id: 's1' },
      },
    ],
  ])('rejects invalid data (%s)', (_what, topic, data) => {
    expect(() =>
      createEvent(topic, 'test', { leadId, data: data as never, origin: newOrigin() } as Parameters<
        typeof createEvent
      >[2]),
    ).toThrow();
  });

  it('rejects a lead-keyed event without a leadId', () => {
    let error: unknown;
    try {
      // The type refuses it already; the check is for what a type cannot see (JavaScript, a cast).
      const withoutLead = { data: { activityId, type: 'visit', occurredAt }, origin: newOrigin() };
      createEvent('lead.activity', 'test', withoutLead as unknown as NewEvent<'lead.activity'>);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EventDecodeError);
    expect((error as EventDecodeError).code).toBe('bad_envelope');
    expect((error as EventDecodeError).message).toContain('leadId');
  });

  // createEvent checks the envelope as well as the data, so it never builds an event that decodeEvent rejects.
  it.each([
    ['a non-UUID leadId', { leadId: 'ada@example.com' }, 'leadId'],
    ['a non-UUID id', { id: 'hubspot-123' }, 'id'],
    ['an empty correlationId', { origin: { correlationId: '' } }, 'correlationId'],
    ['a non-ISO occurredAt', { occurredAt: 'yesterday' }, 'occurredAt'],
  ])('refuses %s with bad_envelope naming the field', (_case, override, field) => {
    let error: unknown;
    try {
      createEvent('lead.activity', 'test', {
        leadId: leadIdFromEmail('ada@example.com'),
        data: { activityId, type: 'visit', occurredAt },
        origin: newOrigin(),
        ...override,
      });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(EventDecodeError);
    expect((error as EventDecodeError).code).toBe('bad_envelope');
    expect((error as EventDecodeError).message).toContain(field);
  });
});

describe('keyOf', () => {
  it('keys lead topics by leadId, so one lead stays in order', () => {
    expect(keyOf(activity())).toBe(leadId);
  });

  it('keys scoring.rules-published by ruleSetId', () => {
    const event = createEvent('scoring.rules-published', 'test', {
      data: { ruleSetId: 'enterprise', version: 2, actor: { kind: 'system', id: 'publisher' } },
      origin: newOrigin(),
    });
    expect(keyOf(event)).toBe('enterprise');
  });

  it('keys team.changed by teamId, so compaction keeps each team’s newest snapshot', () => {
    const event = createEvent('team.changed', 'test', {
      data: {
        teamId: 'emea',
        name: 'EMEA',
        managerId: 'maya',
        sdrIds: ['ann'],
        revision: 3,
        actor: { kind: 'user', id: 'root', role: 'admin' },
      },
      origin: newOrigin(),
    });
    expect(keyOf(event)).toBe('emea');
    expect(() =>
      decodeEvent('team.changed', JSON.stringify({ ...event, data: { ...event.data, revision: 0 } })),
    ).toThrow(/data\.revision/);
  });
});

describe('topics', () => {
  it('dlqTopicOf appends .dlq', () => {
    expect(dlqTopicOf('lead.activity')).toBe('lead.activity.dlq');
    expect(dlqTopicOf('t1.lead.activity')).toBe('t1.lead.activity.dlq');
  });

  it('topicsToCreate lists every topic and its DLQ with the default partitions; DLQs are kept longer', () => {
    const topics = topicsToCreate();
    expect(topics).toHaveLength(TOPIC_NAMES.length * 2);
    for (const name of TOPIC_NAMES) {
      expect(topics).toContainEqual({
        name,
        partitions: TOPICS[name].partitions,
        retentionMs: TOPIC_RETENTION_MS,
        cleanupPolicy: name === 'team.changed' ? 'compact' : 'delete',
      });
      expect(topics).toContainEqual({
        name: `${name}.dlq`,
        partitions: TOPICS[name].partitions,
        retentionMs: DLQ_RETENTION_MS,
        cleanupPolicy: 'delete',
      });
    }
    expect(DLQ_RETENTION_MS).toBeGreaterThan(TOPIC_RETENTION_MS);
    expect(new Set(topics.map((t) => t.name)).size).toBe(topics.length);
  });

  it('topicsToCreate applies a prefix and a partition override', () => {
    const topics = topicsToCreate({ prefix: 'test-42.', partitions: 3 });
    expect(topics).toHaveLength(TOPIC_NAMES.length * 2);
    expect(topics).toContainEqual({
      name: 'test-42.lead.activity',
      partitions: 3,
      retentionMs: TOPIC_RETENTION_MS,
      cleanupPolicy: 'delete',
    });
    expect(topics).toContainEqual({
      name: 'test-42.lead.activity.dlq',
      partitions: 3,
      retentionMs: DLQ_RETENTION_MS,
      cleanupPolicy: 'delete',
    });
    expect(topics).toContainEqual({
      name: 'test-42.scoring.rules-published.dlq',
      partitions: 3,
      retentionMs: DLQ_RETENTION_MS,
      cleanupPolicy: 'delete',
    });
    expect(topics.every((t) => t.name.startsWith('test-42.') && t.partitions === 3)).toBe(true);
  });

  it.each(TOPIC_NAMES)('%s has a DLQ, a description and a sane spec', (name) => {
    expect(isTopicName(name)).toBe(true);
    expect(topicsToCreate().map((t) => t.name)).toContain(dlqTopicOf(name));
    expect(TOPICS[name].description.trim().length).toBeGreaterThan(0);
    expect(TOPICS[name].version).toBeGreaterThanOrEqual(1);
    expect(TOPICS[name].partitions).toBeGreaterThanOrEqual(1);
  });

  it.each([['lead.unknown'], ['lead.activity.dlq'], ['toString'], ['__proto__'], ['']])(
    'isTopicName(%j) is false',
    (name) => {
      expect(isTopicName(name)).toBe(false);
    },
  );

  it('RecycleReason includes every DispositionReason plus stalled', () => {
    expect(RecycleReason.options).toEqual(expect.arrayContaining([...DispositionReason.options, 'stalled']));
    expect(RecycleReason.options).toHaveLength(DispositionReason.options.length + 1);
    expect(DispositionReason.options).not.toContain('stalled');
  });
});
