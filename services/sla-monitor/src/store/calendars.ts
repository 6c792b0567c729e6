import type { Queryable } from '@handoff/db';
import { BusinessCalendar, DEFAULT_CALENDAR } from '../domain/business-calendar.js';

/** Whom a calendar is for: everyone (the default), a team, or one SDR. */
export type CalendarScope = { default: true } | { team: string } | { sdrId: string };

export interface StoredCalendar {
  calendar: BusinessCalendar;
  appliesTo: CalendarScope | null;
}

function scopeOf(row: { team: string | null; sdr_id: string | null; is_default: boolean }): CalendarScope | null {
  if (row.is_default) return { default: true };
  if (row.team) return { team: row.team };
  if (row.sdr_id) return { sdrId: row.sdr_id };
  return null;
}

export async function listCalendars(db: Queryable): Promise<StoredCalendar[]> {
  const { rows } = await db.query('SELECT definition, team, sdr_id, is_default FROM calendars ORDER BY id');
  return rows.map((row) => ({ calendar: BusinessCalendar.parse(row.definition), appliesTo: scopeOf(row) }));
}

export async function findCalendar(db: Queryable, id: string): Promise<StoredCalendar | undefined> {
  const { rows } = await db.query('SELECT definition, team, sdr_id, is_default FROM calendars WHERE id = $1', [id]);
  const row = rows[0];
  return row ? { calendar: BusinessCalendar.parse(row.definition), appliesTo: scopeOf(row) } : undefined;
}

/**
 * Saves a calendar and whom it applies to. Another calendar that held the
 * same scope (the default, a team's, an SDR's) gives it up.
 */
export async function saveCalendar(db: Queryable, stored: StoredCalendar): Promise<void> {
  const scope = stored.appliesTo;
  const team = scope && 'team' in scope ? scope.team : null;
  const sdrId = scope && 'sdrId' in scope ? scope.sdrId : null;
  const isDefault = scope !== null && 'default' in scope;
  await db.query(
    `UPDATE calendars SET team = NULL, sdr_id = NULL, is_default = false, updated_at = now()
      WHERE id <> $1 AND (($2::text IS NOT NULL AND team = $2) OR ($3::text IS NOT NULL AND sdr_id = $3) OR ($4 AND is_default))`,
    [stored.calendar.id, team, sdrId, isDefault],
  );
  await db.query(
    `INSERT INTO calendars (id, team, sdr_id, is_default, definition) VALUES ($1, $2, $3, $4, $5::jsonb)
     ON CONFLICT (id) DO UPDATE SET team = EXCLUDED.team, sdr_id = EXCLUDED.sdr_id, is_default = EXCLUDED.is_default,
       definition = EXCLUDED.definition, updated_at = now()`,
    [stored.calendar.id, team, sdrId, isDefault, JSON.stringify(stored.calendar)],
  );
}

/** The calendar an SDR works on: their own, else their team's, else the default. */
export async function calendarFor(
  db: Queryable,
  who: { sdrId?: string | null | undefined; team?: string | null | undefined },
): Promise<BusinessCalendar> {
  const { rows } = await db.query(
    `SELECT definition FROM calendars
      WHERE ($1::text IS NOT NULL AND sdr_id = $1) OR ($2::text IS NOT NULL AND team = $2) OR is_default
      ORDER BY (sdr_id IS NOT NULL) DESC, (team IS NOT NULL) DESC LIMIT 1`,
    [who.sdrId ?? null, who.team ?? null],
  );
  return rows[0] ? BusinessCalendar.parse(rows[0].definition) : DEFAULT_CALENDAR;
}

/** Calendars by id (for timers that name theirs). */
export async function calendarsById(db: Queryable, ids: string[]): Promise<Map<string, BusinessCalendar>> {
  const { rows } = await db.query('SELECT id, definition FROM calendars WHERE id = ANY($1)', [ids]);
  return new Map(rows.map((row) => [row.id as string, BusinessCalendar.parse(row.definition)]));
}

/** Every calendar with whom it applies to, to resolve many SDRs' calendars in memory. */
export async function calendarDirectory(db: Queryable) {
  const { rows } = await db.query<{
    definition: unknown;
    team: string | null;
    sdr_id: string | null;
    is_default: boolean;
  }>('SELECT definition, team, sdr_id, is_default FROM calendars');
  const bySdr = new Map<string, BusinessCalendar>();
  const byTeam = new Map<string, BusinessCalendar>();
  let fallback = DEFAULT_CALENDAR;
  for (const row of rows) {
    const calendar = BusinessCalendar.parse(row.definition);
    if (row.sdr_id) bySdr.set(row.sdr_id, calendar);
    else if (row.team) byTeam.set(row.team, calendar);
    else if (row.is_default) fallback = calendar;
  }
  /** The SDR's own calendar, else their team's, else the default. */
  return (who: { sdrId?: string | null; team?: string | null }): BusinessCalendar =>
    (who.sdrId ? bySdr.get(who.sdrId) : undefined) ?? (who.team ? byTeam.get(who.team) : undefined) ?? fallback;
}
