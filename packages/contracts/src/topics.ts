import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { HandoffError } from '@handoff/errors';
import { EnvelopeBase, type EventOrigin } from './envelope.js';
import * as events from './events.js';
import { jsonProblemOf } from './text.js';

/** What a topic's messages are keyed by; one lead's events share a key, so they stay in order. */
export type TopicKey = 'leadId' | 'ruleSetId' | 'teamId';

interface TopicSpec<S extends z.ZodType, K extends TopicKey = TopicKey> {
  /** The `data` schema of the topic's only event type. */
  data: S;
  version: number;
  key: K;
  /** Partition count when no override is configured. */
  partitions: number;
  description: string;
  /**
   * Kafka keeps the newest message of each key for ever (log compaction)
   * instead of a week of everything: for topics whose events are snapshots.
   */
  compacted?: boolean;
}

const spec = <S extends z.ZodType, K extends TopicKey>(s: TopicSpec<S, K>): TopicSpec<S, K> => s;

/** Every topic of Handoff. The event `type` equals the topic name. */
export const TOPICS = {
  'lead.upserted': spec({
    data: events.LeadUpserted,
    version: 1,
    key: 'leadId',
    partitions: 6,
    description: 'A lead was created or its profile changed (forms, CRM sync).',
  }),
  'lead.activity': spec({
    data: events.LeadActivity,
    version: 1,
    key: 'leadId',
    partitions: 6,
    description: 'Something a lead did: a visit, a download, a reply, a demo request.',
  }),
  'lead.scored': spec({
    data: events.LeadScored,
    version: 1,
    key: 'leadId',
    partitions: 6,
    description: "A lead's score changed.",
  }),
  'lead.sales-ready': spec({
    data: events.LeadSalesReady,
    version: 1,
    key: 'leadId',
    partitions: 6,
    description: 'A lead crossed its rule set’s MQL condition (once per crossing).',
  }),
  'lead.assigned': spec({
    data: events.LeadAssigned,
    version: 1,
    key: 'leadId',
    partitions: 6,
    description: 'An SDR owns the lead now, with the routing rule that decided it.',
  }),
  'lead.touched': spec({
    data: events.LeadTouched,
    version: 1,
    key: 'leadId',
    partitions: 6,
    description: 'An SDR made a touch attempt.',
  }),
  'lead.qualified': spec({
    data: events.LeadQualified,
    version: 1,
    key: 'leadId',
    partitions: 6,
    description: 'An SDR qualified the lead to sales (SQL) with evidence.',
  }),
  'lead.disqualified': spec({
    data: events.LeadDisqualified,
    version: 1,
    key: 'leadId',
    partitions: 6,
    description: 'The lead was disqualified, with a reason from the taxonomy.',
  }),
  'lead.recycled': spec({
    data: events.LeadRecycled,
    version: 1,
    key: 'leadId',
    partitions: 6,
    description: 'The lead went back to marketing nurture, with a reason.',
  }),
  'lead.accepted': spec({
    data: events.LeadAccepted,
    version: 1,
    key: 'leadId',
    partitions: 6,
    description: 'Sales accepted an SQL.',
  }),
  'lead.rejected': spec({
    data: events.LeadRejected,
    version: 1,
    key: 'leadId',
    partitions: 6,
    description: 'Sales rejected an SQL back to the SDR (a backward move).',
  }),
  'sla.started': spec({
    data: events.SlaStarted,
    version: 1,
    key: 'leadId',
    partitions: 6,
    description: 'An SLA timer started for a lead.',
  }),
  'sla.warning': spec({
    data: events.SlaWarning,
    version: 1,
    key: 'leadId',
    partitions: 6,
    description: 'An SLA timer used its warning fraction of the allowance.',
  }),
  'sla.met': spec({
    data: events.SlaMet,
    version: 1,
    key: 'leadId',
    partitions: 6,
    description: 'An SLA was met in time.',
  }),
  'sla.breached': spec({
    data: events.SlaBreached,
    version: 1,
    key: 'leadId',
    partitions: 6,
    description: 'An SLA timer ran out.',
  }),
  'scoring.rules-published': spec({
    data: events.RulesPublished,
    version: 1,
    key: 'ruleSetId',
    partitions: 1,
    description: 'A rule set version became the active one.',
  }),
  'team.changed': spec({
    data: events.TeamChanged,
    version: 1,
    key: 'teamId',
    partitions: 1,
    compacted: true,
    description: 'A team as it is now (manager, SDRs): how the other services know whose leads a manager may see.',
  }),
  'deal.updated': spec({
    data: events.DealUpdated,
    version: 1,
    key: 'leadId',
    partitions: 6,
    description: 'The CRM reported an opportunity, a stage change, a win or a loss.',
  }),
  'marketing.feedback': spec({
    data: events.MarketingFeedback,
    version: 1,
    key: 'leadId',
    partitions: 6,
    description: "A lead's outcome, fed back to marketing for calibration.",
  }),
} as const;

export type TopicName = keyof typeof TOPICS;
export const TOPIC_NAMES = Object.keys(TOPICS) as TopicName[];

/** The `data` type of a topic's event. */
export type EventData<T extends TopicName> = z.output<(typeof TOPICS)[T]['data']>;
/** The `data` a producer passes (defaults not yet applied). */
export type EventDataInput<T extends TopicName> = z.input<(typeof TOPICS)[T]['data']>;

/**
 * The lead an event is about: on a lead-keyed topic its key, so always there (decodeEvent refuses an event
 * without it, and createEvent will not make one); elsewhere optional.
 */
export type LeadOf<T extends TopicName> = (typeof TOPICS)[T]['key'] extends 'leadId'
  ? { leadId: string }
  : { leadId?: string | undefined };

/** A decoded event of topic T. */
export type HandoffEvent<T extends TopicName = TopicName> = {
  [K in T]: Omit<EnvelopeBase, 'type' | 'data' | 'leadId'> & LeadOf<K> & { type: K; data: EventData<K> };
}[T];

/** Whether a string names a Handoff topic. */
export function isTopicName(name: string): name is TopicName {
  return Object.hasOwn(TOPICS, name);
}

/** The dead-letter topic of a topic. */
export function dlqTopicOf(topic: string): string {
  return `${topic}.dlq`;
}

/** How long a topic keeps its events: Kafka's default week, so a consumer can be down for days and catch up. */
export const TOPIC_RETENTION_MS = 7 * 24 * 3600 * 1000;
/** Dead letters wait longer, for a person to look at them and replay what was fixed. */
export const DLQ_RETENTION_MS = 30 * 24 * 3600 * 1000;

/** A topic as a deployment creates it. */
export interface TopicToCreate {
  name: string;
  partitions: number;
  retentionMs: number;
  /** `compact` keeps the newest message per key however old; `delete` drops what is older than the retention. */
  cleanupPolicy: 'delete' | 'compact';
}

/** The topics to create for a deployment, DLQs included, with partition overrides applied. */
export function topicsToCreate(options: { prefix?: string; partitions?: number } = {}): TopicToCreate[] {
  const prefix = options.prefix ?? '';
  return TOPIC_NAMES.flatMap((name) => {
    const partitions = options.partitions ?? TOPICS[name].partitions;
    return [
      {
        name: `${prefix}${name}`,
        partitions,
        retentionMs: TOPIC_RETENTION_MS,
        cleanupPolicy: TOPICS[name].compacted ? 'compact' : 'delete',
      },
      // Dead letters are kept by age, whatever their topic: each is one bad message to look at, not a snapshot.
      { name: dlqTopicOf(`${prefix}${name}`), partitions, retentionMs: DLQ_RETENTION_MS, cleanupPolicy: 'delete' },
    ];
  });
}

/** Why a message could not be decoded. Never retriable: the same bytes fail the same way. */
export class EventDecodeError extends HandoffError {
  constructor(code: 'not_json' | 'bad_envelope' | 'bad_data' | 'wrong_topic', message: string, details?: unknown) {
    super(code, message, { retriable: false, details });
    this.name = 'EventDecodeError';
  }
}

function formatIssues(error: z.ZodError, prefix: string): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(message)'}: ${i.message}`)
    .join('; ');
}

/** Decodes a message value of a topic: JSON, then the envelope, then the topic's data schema. */
export function decodeEvent<T extends TopicName>(topic: T, value: Buffer | string | null): HandoffEvent<T> {
  if (value === null) throw new EventDecodeError('not_json', 'message has no value');
  let json: unknown;
  try {
    json = JSON.parse(typeof value === 'string' ? value : value.toString('utf8'));
  } catch (err) {
    throw new EventDecodeError('not_json', `message is not JSON: ${(err as Error).message}`);
  }
  const problem = jsonProblemOf(json);
  if (problem) throw new EventDecodeError('bad_data', `${problem.field}: ${problem.message}`);
  const envelope = EnvelopeBase.safeParse(json);
  if (!envelope.success) {
    throw new EventDecodeError('bad_envelope', `invalid envelope: ${formatIssues(envelope.error, '')}`);
  }
  if (envelope.data.type !== topic) {
    throw new EventDecodeError('wrong_topic', `event type ${envelope.data.type} does not belong on topic ${topic}`);
  }
  const topicSpec = TOPICS[topic];
  if (topicSpec.key === 'leadId' && !envelope.data.leadId) {
    throw new EventDecodeError('bad_envelope', 'invalid envelope: leadId: required on this topic');
  }
  const data = topicSpec.data.safeParse(envelope.data.data);
  if (!data.success) {
    throw new EventDecodeError('bad_data', `invalid ${topic} data: ${formatIssues(data.error, 'data')}`);
  }
  // leadId is there on a lead-keyed topic (checked above), which the type says.
  return { ...envelope.data, type: topic, data: data.data } as unknown as HandoffEvent<T>;
}

/** What a producer gives for a new event of topic T (the lead, on a lead-keyed topic, is required). */
export type NewEvent<T extends TopicName> = LeadOf<T> & {
  accountId?: string | undefined;
  data: EventDataInput<T>;
  origin: EventOrigin;
  /** Give it to make the event idempotent across retries (e.g. a source system's activity id). */
  id?: string;
  occurredAt?: string | Date;
};

/** Builds a valid event of a topic; the data is checked now, so an invalid event is never written. */
export function createEvent<T extends TopicName>(topic: T, producer: string, event: NewEvent<T>): HandoffEvent<T> {
  const topicSpec = TOPICS[topic];
  const parsed = topicSpec.data.safeParse(event.data);
  if (!parsed.success) {
    throw new EventDecodeError('bad_data', `invalid ${topic} data: ${formatIssues(parsed.error, 'data')}`);
  }
  const data = parsed.data;
  if (topicSpec.key === 'leadId' && !event.leadId) {
    throw new EventDecodeError('bad_envelope', `${topic} events need a leadId`);
  }
  const occurredAt =
    event.occurredAt instanceof Date ? event.occurredAt.toISOString() : (event.occurredAt ?? new Date().toISOString());
  const envelope = {
    id: event.id ?? randomUUID(),
    type: topic,
    version: topicSpec.version,
    occurredAt,
    producer,
    ...(event.leadId ? { leadId: event.leadId } : {}),
    ...(event.accountId ? { accountId: event.accountId } : {}),
    correlationId: event.origin.correlationId,
    ...(event.origin.causationId ? { causationId: event.origin.causationId } : {}),
    data,
  };
  // The envelope is checked too, so what one service writes another can always decode.
  const checked = EnvelopeBase.safeParse(envelope);
  if (!checked.success) {
    throw new EventDecodeError('bad_envelope', `invalid ${topic} envelope: ${formatIssues(checked.error, '')}`);
  }
  return envelope as unknown as HandoffEvent<T>;
}

/** The message key of an event, from its topic's key rule. */
export function keyOf(event: HandoffEvent): string {
  const key = TOPICS[event.type].key;
  if (key === 'ruleSetId') return (event.data as { ruleSetId: string }).ruleSetId;
  if (key === 'teamId') return (event.data as { teamId: string }).teamId;
  return event.leadId ?? event.id;
}
