import type { Queryable } from '@handoff/db';
import {
  mergeDeal,
  mergeSla,
  type DealRow,
  type HistoryEntry,
  type LeadFacts,
  type LeadState,
  type Projected,
  type SlaRow,
  type StageMove,
  type StoredEvent,
} from '../domain/lead-history.js';

type ColumnType = 'uuid' | 'text' | 'ts' | 'int' | 'float' | 'date' | 'bool' | 'json';
type Columns<T> = Array<[keyof T & string, string, ColumnType]>;

const FACTS: Columns<LeadFacts> = [
  ['leadId', 'lead_id', 'uuid'],
  ['accountId', 'account_id', 'uuid'],
  ['email', 'email', 'text'],
  ['source', 'source', 'text'],
  ['campaign', 'campaign', 'text'],
  ['sourceAt', 'source_at', 'ts'],
  ['lastSource', 'last_source', 'text'],
  ['lastCampaign', 'last_campaign', 'text'],
  ['lastSourceAt', 'last_source_at', 'ts'],
  ['team', 'team', 'text'],
  ['sdrId', 'sdr_id', 'text'],
  ['assignedAt', 'assigned_at', 'ts'],
  ['tier', 'tier', 'text'],
  ['ruleSetId', 'rule_set_id', 'text'],
  ['ruleSetVersion', 'rule_set_version', 'int'],
  ['scoreAtMql', 'score_at_mql', 'float'],
  ['capturedAt', 'captured_at', 'ts'],
  ['mqlAt', 'mql_at', 'ts'],
  ['firstTouchAt', 'first_touch_at', 'ts'],
  ['sqlAt', 'sql_at', 'ts'],
  ['acceptedAt', 'accepted_at', 'ts'],
  ['opportunityAt', 'opportunity_at', 'ts'],
  ['wonAt', 'won_at', 'ts'],
  ['lostAt', 'lost_at', 'ts'],
  ['dealId', 'deal_id', 'text'],
  ['amount', 'amount', 'float'],
  ['touches', 'touches', 'int'],
  ['stage', 'stage', 'text'],
  ['stageReason', 'stage_reason', 'text'],
];

const HISTORIES: Columns<{ leadId: string; history: HistoryEntry[] }> = [
  ['leadId', 'lead_id', 'uuid'],
  ['history', 'history', 'json'],
];

const MOVES: Columns<StageMove> = [
  ['eventId', 'event_id', 'uuid'],
  ['leadId', 'lead_id', 'uuid'],
  ['stage', 'stage', 'text'],
  ['kind', 'kind', 'text'],
  ['label', 'label', 'text'],
  ['at', 'at', 'ts'],
  ['ord', 'ord', 'int'],
  ['reason', 'reason', 'text'],
  ['sdrId', 'sdr_id', 'text'],
  ['fromStage', 'from_stage', 'text'],
  ['leftAt', 'left_at', 'ts'],
];

const SLA: Columns<SlaRow> = [
  ['timerId', 'timer_id', 'uuid'],
  ['leadId', 'lead_id', 'uuid'],
  ['policyId', 'policy_id', 'text'],
  ['kind', 'kind', 'text'],
  ['sdrId', 'sdr_id', 'text'],
  ['startedAt', 'started_at', 'ts'],
  ['dueAt', 'due_at', 'ts'],
  ['state', 'state', 'text'],
  ['closedAt', 'closed_at', 'ts'],
  ['businessMinutesUsed', 'business_minutes_used', 'float'],
  ['warned', 'warned', 'bool'],
];

const DEALS: Columns<DealRow> = [
  ['dealId', 'deal_id', 'text'],
  ['leadId', 'lead_id', 'uuid'],
  ['stage', 'stage', 'text'],
  ['amount', 'amount', 'float'],
  ['currency', 'currency', 'text'],
  ['closeDate', 'close_date', 'date'],
  ['updatedAt', 'updated_at', 'ts'],
  ['opportunityAt', 'opportunity_at', 'ts'],
  ['wonAt', 'won_at', 'ts'],
  ['lostAt', 'lost_at', 'ts'],
];

const SQL_TYPE: Record<ColumnType, string> = {
  uuid: 'uuid',
  text: 'text',
  ts: 'float8',
  int: 'bigint',
  float: 'float8',
  date: 'date',
  bool: 'boolean',
  json: 'jsonb',
};

/** `SELECT` list reading a table's columns into a row's fields (timestamps as epoch ms). */
function selectList<T>(columns: Columns<T>): string {
  return columns
    .map(([field, column, type]) =>
      type === 'ts'
        ? `(extract(epoch FROM ${column}) * 1000)::float8 AS "${field}"`
        : type === 'int'
          ? `${column}::float8 AS "${field}"`
          : type === 'date'
            ? `${column}::text AS "${field}"`
            : `${column} AS "${field}"`,
    )
    .join(', ');
}

/** Inserts rows in one statement, from a JSON array of the rows; `conflict` ends the statement. */
async function insertRows<T>(
  db: Queryable,
  table: string,
  columns: Columns<T>,
  rows: T[],
  conflict = '',
): Promise<void> {
  if (rows.length === 0) return;
  const record = columns.map(([field, , type]) => `"${field}" ${SQL_TYPE[type]}`).join(', ');
  const values = columns
    .map(([field, , type]) => (type === 'ts' ? `to_timestamp(r."${field}" / 1000.0)` : `r."${field}"`))
    .join(', ');
  await db.query(
    `INSERT INTO ${table} (${columns.map(([, column]) => column).join(', ')})
     SELECT ${values} FROM jsonb_to_recordset($1::jsonb) AS r(${record}) ${conflict}`,
    [JSON.stringify(rows)],
  );
}

const updateAll = <T>(columns: Columns<T>, key: string) =>
  `ON CONFLICT (${key}) DO UPDATE SET ${columns
    .filter(([, column]) => column !== key)
    .map(([, column]) => `${column} = EXCLUDED.${column}`)
    .join(', ')}`;

/** Events stored after a position, in the order they were stored. */
export async function eventsAfter(db: Queryable, seq: number, limit: number): Promise<StoredEvent[]> {
  const { rows } = await db.query<StoredEvent & { seq: string }>(
    `SELECT seq, id, type, occurred_at AS "occurredAt", lead_id AS "leadId", account_id AS "accountId",
            correlation_id AS "correlationId", data
       FROM events WHERE seq > $1 ORDER BY seq LIMIT $2`,
    [seq, limit],
  );
  return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
}

/** The projections' position in the event store, locked for the caller's transaction (one projector at a time). */
export async function lockPosition(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ seq: string }>('SELECT seq FROM projection_position FOR UPDATE');
  return Number(rows[0]?.seq ?? 0);
}

export async function setPosition(db: Queryable, seq: number): Promise<void> {
  await db.query('UPDATE projection_position SET seq = $1, updated_at = now()', [seq]);
}

/** How far the projections are behind the event store (events), for the lag metric. */
export async function projectionLag(db: Queryable): Promise<number> {
  const { rows } = await db.query<{ lag: string }>(
    'SELECT coalesce((SELECT max(seq) FROM events), 0) - (SELECT seq FROM projection_position) AS lag',
  );
  return Number(rows[0]?.lag ?? 0);
}

/** Leads' states as stored: facts and the history they are recomputed from (moves are recomputed too). */
export async function loadStates(db: Queryable, leadIds: string[]): Promise<Map<string, LeadState>> {
  const states = new Map<string, LeadState>();
  if (leadIds.length === 0) return states;
  const { rows } = await db.query<LeadFacts & { history: HistoryEntry[] }>(
    `SELECT ${selectList(FACTS)}, h.history FROM lead_facts JOIN lead_histories h USING (lead_id)
      WHERE lead_id = ANY($1::uuid[])`,
    [leadIds],
  );
  for (const { history, ...facts } of rows) states.set(facts.leadId, { facts, history, moves: [] });
  return states;
}

/** Writes leads' states: facts and history upserted, moves replaced. */
export async function saveStates(db: Queryable, states: LeadState[]): Promise<void> {
  if (states.length === 0) return;
  await insertRows(
    db,
    'lead_facts',
    FACTS,
    states.map((s) => s.facts),
    updateAll(FACTS, 'lead_id'),
  );
  await insertRows(
    db,
    'lead_histories',
    HISTORIES,
    states.map((s) => ({ leadId: s.facts.leadId, history: s.history })),
    updateAll(HISTORIES, 'lead_id'),
  );
  await db.query('DELETE FROM stage_moves WHERE lead_id = ANY($1::uuid[])', [states.map((s) => s.facts.leadId)]);
  await insertRows(
    db,
    'stage_moves',
    MOVES,
    states.flatMap((s) => s.moves),
  );
}

/** Writes touches, SLA timers and deals, each merged with what is stored of it. */
export async function saveProjected(db: Queryable, projected: Projected): Promise<void> {
  await insertRows(db, 'touches', TOUCHES, projected.touches, 'ON CONFLICT (touch_id) DO NOTHING');
  if (projected.sla.size > 0) {
    const { rows } = await db.query<SlaRow>(
      `SELECT ${selectList(SLA)} FROM sla_outcomes WHERE timer_id = ANY($1::uuid[]) FOR UPDATE`,
      [[...projected.sla.keys()]],
    );
    const stored = new Map(rows.map((r) => [r.timerId, r]));
    const merged = [...projected.sla.values()].map((row) => mergeSla(stored.get(row.timerId), row));
    await insertRows(db, 'sla_outcomes', SLA, merged, updateAll(SLA, 'timer_id'));
  }
  if (projected.deals.size > 0) {
    const { rows } = await db.query<DealRow>(
      `SELECT ${selectList(DEALS)} FROM deals WHERE deal_id = ANY($1::text[]) FOR UPDATE`,
      [[...projected.deals.keys()]],
    );
    const stored = new Map(rows.map((r) => [r.dealId, r]));
    const merged = [...projected.deals.values()].map((row) => mergeDeal(stored.get(row.dealId), row));
    await insertRows(db, 'deals', DEALS, merged, updateAll(DEALS, 'deal_id'));
  }
}

const TOUCHES: Columns<Projected['touches'][number]> = [
  ['touchId', 'touch_id', 'uuid'],
  ['leadId', 'lead_id', 'uuid'],
  ['sdrId', 'sdr_id', 'text'],
  ['outcome', 'outcome', 'text'],
  ['channel', 'channel', 'text'],
  ['at', 'at', 'ts'],
];

/** Empties every projection and moves the position back to the start of the event store. */
export async function resetProjections(db: Queryable): Promise<void> {
  await db.query('TRUNCATE lead_facts, lead_histories, stage_moves, touches, sla_outcomes, deals');
  await setPosition(db, 0);
}

/** Every projection's rows in a stable order, for comparing a rebuild with the incremental result. */
export async function projectionSnapshot(db: Queryable): Promise<Record<string, unknown[]>> {
  const tables = {
    lead_facts: 'lead_id',
    lead_histories: 'lead_id',
    stage_moves: 'event_id',
    touches: 'touch_id',
    sla_outcomes: 'timer_id',
    deals: 'deal_id',
  };
  const snapshot: Record<string, unknown[]> = {};
  for (const [table, key] of Object.entries(tables)) {
    snapshot[table] = (await db.query(`SELECT * FROM ${table} ORDER BY ${key}`)).rows;
  }
  return snapshot;
}
