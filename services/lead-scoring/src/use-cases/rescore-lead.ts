import { causedBy, type EventOrigin } from '@handoff/contracts';
import type { PoolClient } from '@handoff/db';
import type { EventBatch } from '@handoff/kafka';
import { scoreLead } from '../domain/rules/engine.js';
import { readsAccount, type RuleSet } from '../domain/rules/rule-set.js';
import { accountFacts } from '../store/accounts.js';
import { activitiesOf, currentScore, lockLead, saveScore, setStage } from '../store/leads.js';

/**
 * Recomputes a lead's score under the rule set, saves it, and publishes
 * `lead.scored` when it changed and `lead.sales-ready` once per crossing.
 */
export async function rescoreLead(
  tx: PoolClient,
  outbox: EventBatch,
  input: {
    leadId: string;
    ruleSet: RuleSet;
    origin: EventOrigin;
    /** The activities this rescore takes in, oldest first. */
    causationActivityIds?: string[];
    /** When what triggered the rescore happened (an activity's time); account signals are read as of just before it. */
    triggerAt?: Date;
    now: Date;
  },
): Promise<void> {
  const lead = await lockLead(tx, input.leadId);
  if (!lead) return;
  const previous = await currentScore(tx, lead.id);
  // A handler that read an older version and then waited on this lead must not undo a re-score under a newer one.
  if (previous && previous.ruleSetVersion > input.ruleSet.version) return;
  const activities = await activitiesOf(tx, lead.id);
  const { definition } = input.ruleSet;
  const readAccount = () =>
    accountFacts(tx, lead.accountId!, {
      at: input.triggerAt ?? input.now,
      recentDays: definition.account.recentDays,
      dormantAfterDays: definition.account.dormantAfterDays,
      halfLifeDays: definition.engagement.halfLifeDays,
    });
  // Account signals cost a query over the account's leads: read them only if a rule uses them (or on a crossing, below).
  let account = lead.accountId && readsAccount(definition) ? await readAccount() : undefined;
  const score = scoreLead(input.ruleSet, {
    lead: lead.profile,
    account,
    activities,
    now: input.now,
    countFrom: lead.engagementResetAt ? new Date(lead.engagementResetAt) : undefined,
  });
  const scoredAt = input.now.toISOString();
  // Sales-ready stays true until the lead is recycled or disqualified, so it fires once per crossing.
  const wasSalesReady = previous?.salesReady ?? false;
  // A lead known only by its id (its profile not yet arrived) cannot be handed to an SDR: it crosses once it can.
  // Back in nurture, a lead crosses again only on something it did after it came back, never at once.
  const latestActivity = activities.reduce((latest, a) => Math.max(latest, Date.parse(a.occurredAt)), -Infinity);
  const mayCross = !lead.returnedToNurtureAt || latestActivity > lead.returnedToNurtureAt.getTime();
  const salesReady = (score.salesReady && lead.email !== null && mayCross) || wasSalesReady;
  const unchanged =
    previous &&
    previous.total === score.total &&
    previous.fit === score.fit &&
    previous.salesReady === salesReady &&
    previous.tier === score.tier &&
    previous.ruleSetVersion === input.ruleSet.version;
  if (unchanged) return;
  await saveScore(tx, lead.id, input.ruleSet, { ...score, salesReady }, scoredAt);
  const snapshot = {
    total: score.total,
    fit: score.fit,
    engagement: score.engagement,
    grade: score.grade,
    tier: score.tier,
    ruleSetId: input.ruleSet.id,
    ruleSetVersion: input.ruleSet.version,
    scoredAt,
  };
  const scored = outbox.publish('lead.scored', {
    leadId: lead.id,
    accountId: lead.accountId ?? undefined,
    origin: input.origin,
    data: {
      score: snapshot,
      salesReady,
      ...(input.causationActivityIds?.length
        ? { causationActivityId: input.causationActivityIds.at(-1)!, causationActivityIds: input.causationActivityIds }
        : {}),
    },
  });
  if (salesReady && !wasSalesReady && score.reason) {
    // The SDR side routes on the account's signals (a dormant customer goes to its previous owner).
    if (!account && lead.accountId) account = await readAccount();
    await setStage(tx, lead.id, 'mql');
    outbox.publish('lead.sales-ready', {
      leadId: lead.id,
      accountId: lead.accountId ?? undefined,
      origin: causedBy(scored),
      data: {
        score: snapshot,
        tier: score.tier,
        reason: score.reason,
        profile: { ...lead.profile, email: lead.email! },
        ...(account && lead.accountId
          ? {
              account: {
                id: lead.accountId,
                engagement: account.engagement,
                rolesEngaged: account.rolesEngaged,
                dormant: account.dormant,
                customer: account.customer,
              },
            }
          : {}),
      },
    });
  } else if (lead.stage === 'captured') {
    await setStage(tx, lead.id, 'nurture');
  }
}
