import { accountIdFromDomain, createEvent, leadIdFromEmail, newOrigin, type PriorityTier } from '@handoff/contracts';
import type { Pool } from '@handoff/db';
import { migratedSchema } from '@handoff/testkit';
import { upsertSdr, type Sdr } from '../store/sdrs.js';
import { ensureTeam, upsertTeam } from '../store/teams.js';
import { acceptSalesReadyLead } from './route-lead.js';

/** An event as sdr-queue's outbox holds it. */
export interface PublishedEvent {
  type: string;
  leadId: string;
  data: Record<string, unknown>;
}

interface SalesReadyOptions {
  tier?: PriorityTier;
  country?: string;
  dormant?: boolean;
  score?: number;
  roles?: string[];
}

/**
 * A fresh, migrated sdr-queue schema for one test file, with a clock the
 * test moves: SDRs, sales-ready leads arriving as the consumer applies them,
 * and what was published.
 */
export function queueDatabase(name: string, start: Date) {
  const base = migratedSchema(name, new URL('../../migrations', import.meta.url).pathname, 'sdr-queue');
  const { schema } = base;
  let now = start;
  const db = {
    schema,
    get pool(): Pool {
      return base.pool;
    },
    now: () => now,
    setNow: (at: Date) => (now = at),
    deps: () => ({ pool: db.pool, schema, producer: 'sdr-queue', clock: () => now }),
    apply: base.apply,
    /** A team and the manager who runs it. */
    team: (id: string, managerId: string | null) => db.apply((tx) => upsertTeam(tx, { id, name: id, managerId })),
    sdr: (id: string, fields: Partial<Sdr> = {}) =>
      db.apply(async (tx) => {
        if (fields.team) await ensureTeam(tx, fields.team);
        await upsertSdr(tx, {
          id,
          name: id,
          team: null,
          active: true,
          capacity: 50,
          weight: 1,
          territories: [],
          segments: [],
          workingHours: null,
          outOfOffice: [],
          ...fields,
        });
      }),
    /** A `lead.sales-ready` for the lead with this e-mail (its account from the domain). */
    salesReadyEvent: (email: string, options: SalesReadyOptions = {}) => {
      const accountId = accountIdFromDomain(email.split('@')[1]!);
      const tier = options.tier ?? 'B';
      const event = createEvent('lead.sales-ready', 'lead-scoring', {
        leadId: leadIdFromEmail(email),
        accountId,
        origin: newOrigin(),
        occurredAt: now.toISOString(),
        data: {
          score: {
            total: options.score ?? 60,
            fit: 20,
            engagement: 40,
            grade: 'B',
            tier,
            ruleSetId: 'default',
            ruleSetVersion: 1,
            scoredAt: now.toISOString(),
          },
          tier,
          reason: { kind: 'threshold', detail: 'test' },
          profile: { email, ...(options.country ? { country: options.country } : {}) },
          account: {
            id: accountId,
            engagement: 40,
            rolesEngaged: options.roles ?? [],
            dormant: options.dormant ?? false,
            customer: false,
          },
        },
      });
      return event;
    },
    /** A `lead.sales-ready` for the lead with this e-mail, applied as the consumer would. */
    salesReady: (email: string, options: SalesReadyOptions = {}) =>
      db.apply((tx, outbox) => acceptSalesReadyLead(tx, outbox, db.salesReadyEvent(email, options), now)),
    /** Published events of a type, in order; for one lead when its e-mail is given. */
    published: async (type: string, email?: string): Promise<PublishedEvent[]> => {
      return (await base.outboxEvents<PublishedEvent>()).filter(
        (e) => e.type === type && (email === undefined || e.leadId === leadIdFromEmail(email)),
      );
    },
  };
  return db;
}
