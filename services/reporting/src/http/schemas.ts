import { z } from 'zod';
import { FUNNEL_STAGES } from '../domain/funnel.js';
import { GROUP_BY } from '../store/reports.js';

/**
 * The bodies reporting answers with, as /openapi.json describes them and HTTP_CHECK_RESPONSES checks them.
 * Every amount of money is per currency: amounts in different currencies are never added up.
 */

const count = z.number().int().nonnegative();
const rate = z.number().min(0).max(1).nullable();
const instant = z.iso.datetime({ offset: true });

/** An amount in one currency. */
export const Amount = z.object({
  currency: z.string().length(3).describe('ISO 4217'),
  amount: z.number().nonnegative(),
});

/** The window a report covers, as every report states it. */
const windowed = <T extends z.ZodRawShape>(shape: T) =>
  z.object({ from: instant, to: instant, groupBy: z.enum(GROUP_BY).optional(), ...shape });

const funnelShape = {
  stages: z
    .array(
      z.object({
        stage: z.enum(FUNNEL_STAGES as [string, ...string[]]),
        leads: count.describe(
          'Distinct leads that moved forward into the stage in the window, whenever they were first seen',
        ),
      }),
    )
    .describe('Entries into each stage in the window: how busy each stage was. Not a cohort: read no rate here.'),
  cohort: z
    .object({
      definition: z.string().describe('How the cohort is chosen and followed, in words'),
      stages: z.array(
        z.object({
          stage: z.enum(FUNNEL_STAGES as [string, ...string[]]),
          leads: count.describe('Leads of the cohort that have reached this stage or a later one, to date'),
          conversionFromPrevious: rate.describe(
            "This stage's leads over the previous stage's (never above 1); null for the first or after an empty one",
          ),
        }),
      ),
    })
    .describe('The leads first seen in the window, followed to now: every conversion rate is read here'),
  backward: z.record(z.string(), count).describe('Moves back up: rejected SQLs, recycled leads, reopened deals'),
  exits: z.record(z.string(), count).describe('Moves out: disqualified leads, lost deals'),
};
export const FunnelReport = windowed({
  ...funnelShape,
  groups: z.array(z.object({ group: z.string(), ...funnelShape })).optional(),
});

const SpeedToLead = z.object({
  mqls: count,
  touched: count,
  medianMinutes: z.number().nullable(),
  p90Minutes: z.number().nullable(),
});
const TimeInStage = z.object({ stage: z.string(), moves: count, medianHours: z.number(), p90Hours: z.number() });
export const VelocityReport = windowed({
  stages: z.array(TimeInStage),
  speedToLead: SpeedToLead,
  groups: z
    .array(z.object({ group: z.string(), stages: z.array(TimeInStage), speedToLead: SpeedToLead.nullable() }))
    .optional(),
});

const Weekly = z.object({ week: z.iso.date(), met: count, breached: count, compliance: rate });
const slaShape = {
  met: count,
  breached: count,
  compliance: rate,
  byPolicy: z.array(
    z.object({ policyId: z.string(), kind: z.string(), met: count, breached: count, open: count, compliance: rate }),
  ),
  weekly: z.array(Weekly),
};
export const SlaReport = windowed({
  ...slaShape,
  breaches: z.array(
    z.object({
      timerId: z.uuid(),
      leadId: z.uuid(),
      policyId: z.string(),
      kind: z.string(),
      sdrId: z.string().nullable(),
      team: z.string().nullable(),
      dueAt: instant,
      businessMinutesUsed: z.number().nullable(),
    }),
  ),
  groups: z.array(z.object({ group: z.string(), ...slaShape })).optional(),
});

export const EffortReport = windowed({
  groupBy: z.enum(GROUP_BY),
  touches: count,
  byOutcome: z.array(z.object({ outcome: z.string(), touches: count, leads: count })),
  byScoreBand: z.array(z.object({ band: z.string(), touches: count, leads: count })),
  byFinalOutcome: z.array(z.object({ finalOutcome: z.string(), touches: count, leads: count })),
  disqualified: z.object({
    touches: count,
    shareOfTouches: rate,
    byGroupAndBand: z.array(
      z.object({ group: z.string(), band: z.string(), touches: count, leads: count, shareOfTouches: rate }),
    ),
  }),
});

export const CalibrationReport = windowed({
  versions: z.array(
    z.object({
      version: z.string(),
      leads: count,
      sqls: count,
      won: count,
      sqlRate: rate,
      wonRate: rate,
      deciles: z.array(
        z.object({
          decile: z.number().int().min(1).max(10),
          minScore: z.number(),
          maxScore: z.number(),
          leads: count,
          sqls: count,
          won: count,
          sqlRate: rate,
          wonRate: rate,
          sqlLift: z.number().nullable(),
          wonLift: z.number().nullable(),
        }),
      ),
    }),
  ),
});

const ByReason = z.array(z.object({ reason: z.string(), recycled: count, disqualified: count }));
export const RecycleReasonsReport = windowed({
  byReason: ByReason,
  weekly: z.array(z.object({ week: z.iso.date(), reason: z.string(), label: z.string(), count })),
  groups: z.array(z.object({ group: z.string(), byReason: ByReason })).optional(),
});

const Attributed = z.object({
  source: z.string(),
  campaign: z.string(),
  opportunities: count.describe('Opportunities opened in the window'),
  won: count.describe('Deals won in the window'),
  pipeline: z.array(Amount).describe('Amounts of the opportunities opened in the window, per currency'),
  revenue: z.array(Amount).describe('Amounts of the deals won in the window, per currency'),
});
export const AttributionReport = windowed({
  defaultCurrency: z.string().length(3).describe('Deals the CRM sent without a currency are counted in this one'),
  firstTouch: z.array(Attributed),
  lastTouch: z.array(Attributed),
});

const Needed = z.object({ deals: z.number(), opportunities: z.number(), sqls: z.number(), mqls: z.number() });
const Counts = Needed.extend({ revenue: z.number() });
const Rate = z.object({ value: z.number(), source: z.enum(['measured', 'default', 'given']), sample: count });
const Slice = z.object({
  period: z.string(),
  start: z.iso.date(),
  end: z.iso.date(),
  workingDays: count,
  revenue: z.number(),
  needed: Needed,
});
export const TargetInputBody = z.object({
  revenue: z.number(),
  currency: z.string().length(3).optional(),
  averageDealSize: z.number().optional(),
  teamSplit: z.record(z.string(), z.number()).optional(),
  holidays: z.array(z.iso.date()).optional(),
});
export const TargetReport = z.object({
  period: z.string(),
  currency: z.string().length(3).describe('The target’s currency: only deals won in it count toward it'),
  input: TargetInputBody,
  measuredOver: z
    .object({
      from: instant,
      to: instant,
      cohort: z.string(),
      mqls: count,
      sqls: count,
      opportunities: count,
      won: count,
      wonRevenue: z.array(Amount.extend({ deals: count })),
    })
    .describe('The cohort the rates were measured on: leads that became MQLs in these dates, followed to now'),
  plan: z.object({
    period: z.string(),
    kind: z.enum(['year', 'quarter', 'month']),
    start: z.iso.date(),
    end: z.iso.date(),
    workingDays: count,
    revenue: z.number(),
    rates: z.object({ mqlToSql: Rate, sqlToOpportunity: Rate, opportunityToWon: Rate, averageDealSize: Rate }),
    needed: Needed,
    perWorkingDay: Counts,
    quarters: z.array(Slice),
    months: z.array(Slice),
    weeks: z.array(Slice),
    teams: z.array(
      z.object({
        teamId: z.string(),
        share: z.number(),
        revenue: z.number(),
        needed: Needed,
        perWorkingDay: Counts,
        sdrs: z.array(z.object({ sdrId: z.string(), perWorkingDay: Counts })),
      }),
    ),
  }),
  progress: z.object({
    today: z.iso.date(),
    elapsedWorkingDays: count,
    remainingWorkingDays: count,
    plan: Counts,
    actual: Counts.describe('Revenue: deals won in the target’s currency only'),
    attainment: z.number().nullable(),
    neededPerRemainingDay: Counts.nullable(),
    onTrack: z.boolean(),
    otherCurrencies: z
      .array(Amount.extend({ deals: count }))
      .describe('Revenue won in the period in other currencies: not counted toward the target (no exchange rates)'),
  }),
});

export const DealRecorded = z.object({
  dealId: z.string(),
  leadId: z.uuid(),
  matchedBy: z.enum(['leadId', 'dealId', 'email', 'account']),
  eventId: z.uuid(),
});

export const Rebuilt = z.object({ events: count, seconds: z.number().nonnegative() });

export const Timeline = z.object({
  leadId: z.uuid(),
  entries: z.array(
    z.object({
      id: z.uuid(),
      type: z.string(),
      occurredAt: instant,
      actor: z
        .string()
        .describe('Who did it: the caller who sent it, the SDR, `system:<id>` for a service’s rule, else the producer'),
      cause: z.object({ id: z.string(), type: z.string().nullable() }).nullable(),
      causationId: z.string().nullable(),
      correlationId: z.string(),
      data: z.record(z.string(), z.unknown()),
    }),
  ),
});
