import { z } from 'zod';
import { SlaKind } from '@handoff/contracts';
import { BusinessCalendar } from '../domain/business-calendar.js';
import { SlaPolicy } from '../domain/sla-policy.js';

/**
 * The bodies sla-monitor answers with, as they are sent (dates as ISO strings). They are the routes' OpenAPI
 * description, and with HTTP_CHECK_RESPONSES every answer is checked against them.
 */

/** Whom a calendar is for: everyone (the default), a team, or one SDR. */
export const CalendarScope = z.union([
  z.object({ default: z.literal(true) }),
  z.object({ team: z.string().min(1).max(100) }),
  z.object({ sdrId: z.string().min(1).max(100) }),
]);

const Instant = z.iso.datetime({ offset: true });

/** A timer as the API shows it: its row, with the business minutes left on its calendar. */
export const TimerView = z.object({
  id: z.uuid(),
  leadId: z.uuid(),
  kind: SlaKind,
  policyId: z.string(),
  sdrId: z.string().nullable(),
  team: z.string().nullable(),
  calendarId: z.string(),
  startedAt: Instant,
  dueAt: Instant,
  warnAt: Instant,
  warnedAt: Instant.nullable(),
  /** Business minutes allowed; null on timers started before allowances were kept (migration 0003). */
  allowanceMinutes: z.number().nullable(),
  requiredAttempts: z.number().int().nullable(),
  attempts: z.number().int(),
  state: z.enum(['open', 'met', 'breached', 'cancelled']),
  closedAt: Instant.nullable(),
  businessMinutesUsed: z.number().nullable(),
  /** Open timers: business minutes left on the timer's calendar (0 once due); null once it ended. */
  businessMinutesLeft: z.number().nullable(),
  overdue: z.boolean(),
});

export const LeadTimers = z.object({ leadId: z.uuid(), timers: z.array(TimerView) });
export const AtRisk = z.object({ asOf: Instant, items: z.array(TimerView) });
export const Policies = z.object({ policies: z.array(SlaPolicy) });
export const StoredCalendar = z.object({ calendar: BusinessCalendar, appliesTo: CalendarScope.nullable() });
export const Calendars = z.object({ calendars: z.array(StoredCalendar) });
