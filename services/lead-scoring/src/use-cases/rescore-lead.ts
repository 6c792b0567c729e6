import { causedBy, type EventOrigin } from '@handoff/contracts';
import type { PoolClient } from '@handoff/db';
import type { EventBatch } from '@handoff/kafka';
import { scoreLead, type AccountFacts, type LeadScore } from '../domain/rules/engine.js';
import { readsAccount, type RuleSet } from '../domain/rules/rule-set.js';
import { accountFactsOf, type AccountSignalOptions } from '../store/accounts.js';
import { activitiesOfLeads, lockLeadsWithScores, saveScoring } from '../store/leads.js';

/** One lead to rescore, and why. */
export interface RescoreRequest {
  leadId: string;
  origin: EventOrigin;
  /** The activities this rescore takes in, oldest first. */
  causationActivityIds?: string[];
  /** When what triggered the rescore happened (an activity's time); account signals are read as of just before it. */
  triggerAt?: Date;
}

/**
 * Recomputes leads' scores under the rule set with a few statements for the
 * whole set (lock leads with their scores, read their activities, save scores
 * and history), and publishes `lead.scored` for each that changed and
 * `lead.sales-ready` once per crossing.
 */
export async function rescoreLeads(
  tx: PoolClient,
  outbox: EventBatch,
  requests: RescoreRequest[],
  ruleSet: RuleSet,
  now: Date,
): Promise<void> {
  if (requests.length === 0) return;
  const ids = [...new Set(requests.map((r) => r.leadId))].sort();
  const locked = await lockLeadsWithScores(tx, ids);
  // What leads just did is part of their accounts' signals (roles engaged recently) from now on.
  const latestActivity = new Map<string, Date>();
  for (const { leadId, triggerAt } of requests) {
    const known = latestActivity.get(leadId) ?? locked.get(leadId)?.lead.lastActivityAt;
    if (triggerAt && (!known || triggerAt > known)) latestActivity.set(leadId, triggerAt);
  }
  const activitiesByLead = await activitiesOfLeads(tx, ids);
  const { definition } = ruleSet;
  const signals: AccountSignalOptions = {
    recentDays: definition.account.recentDays,
    dormantAfterDays: definition.account.dormantAfterDays,
    halfLifeDays: definition.engagement.halfLifeDays,
  };
  // Account signals are read as of just before what triggered each rescore; all at once if a rule uses them,
  // otherwise only for a lead that crosses (the SDR side routes on them).
  const accountAsked = (request: RescoreRequest) => {
    const accountId = locked.get(request.leadId)?.lead.accountId;
    return accountId ? { accountId, at: request.triggerAt ?? now } : undefined;
  };
  const prefetched = new Map<RescoreRequest, AccountFacts>();
  if (readsAccount(definition)) {
    const asking = requests.filter((r) => accountAsked(r) !== undefined);
    const facts = await accountFactsOf(
      tx,
      asking.map((r) => accountAsked(r)!),
      signals,
      latestActivity,
    );
    asking.forEach((request, i) => prefetched.set(request, facts[i]!));
  }
  const scoredAt = now.toISOString();
  const saves: Array<{ leadId: string; score: LeadScore; scoredAt: string }> = [];
  const stages = new Map<string, string>();

  for (const request of requests) {
    const entry = locked.get(request.leadId);
    if (!entry) continue;
    const { lead, score: previous } = entry;
    // A handler that read an older version and then waited on this lead must not undo a re-score under a newer one.
    if (previous && previous.ruleSetVersion > ruleSet.version) continue;
    const activities = activitiesByLead.get(lead.id) ?? [];
    let account = prefetched.get(request);
    const score = scoreLead(ruleSet, {
      lead: lead.profile,
      account,
      activities,
      now,
      countFrom: lead.engagementResetAt ? new Date(lead.engagementResetAt) : undefined,
    });
    // Sales-ready stays true until the lead is recycled or disqualified, so it fires once per crossing.
    const wasSalesReady = previous?.salesReady ?? false;
    // A lead known only by its id (its profile not yet arrived) cannot be handed to an SDR: it crosses once it can.
    // Back in nurture, a lead crosses again only on something it did after it came back, never at once.
    const lastDone = activities.reduce((latest, a) => Math.max(latest, Date.parse(a.occurredAt)), -Infinity);
    const mayCross = !lead.returnedToNurtureAt || lastDone > lead.returnedToNurtureAt.getTime();
    const salesReady = (score.salesReady && lead.email !== null && mayCross) || wasSalesReady;
    const unchanged =
      previous &&
      previous.total === score.total &&
      previous.fit === score.fit &&
      previous.salesReady === salesReady &&
      previous.tier === score.tier &&
      previous.ruleSetVersion === ruleSet.version;
    if (unchanged) continue;
    saves.push({ leadId: lead.id, score: { ...score, salesReady }, scoredAt });
    // The same lead asked twice (e.g. two events of one batch) is saved and scored once more with what it has.
    entry.score = { ...score, salesReady, ruleSetId: ruleSet.id, ruleSetVersion: ruleSet.version, scoredAt };
    const snapshot = {
      total: score.total,
      fit: score.fit,
      engagement: score.engagement,
      grade: score.grade,
      tier: score.tier,
      ruleSetId: ruleSet.id,
      ruleSetVersion: ruleSet.version,
      scoredAt,
    };
    const scored = outbox.publish('lead.scored', {
      leadId: lead.id,
      accountId: lead.accountId ?? undefined,
      origin: request.origin,
      data: {
        score: snapshot,
        salesReady,
        ...(request.causationActivityIds?.length
          ? {
              causationActivityId: request.causationActivityIds.at(-1)!,
              causationActivityIds: request.causationActivityIds,
            }
          : {}),
      },
    });
    if (salesReady && !wasSalesReady && score.reason) {
      // The SDR side routes on the account's signals (a dormant customer goes to its previous owner).
      const asked = accountAsked(request);
      if (!account && asked) [account] = await accountFactsOf(tx, [asked], signals, latestActivity);
      lead.stage = 'mql';
      stages.set(lead.id, 'mql');
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
      lead.stage = 'nurture';
      stages.set(lead.id, 'nurture');
    }
  }
  // A lead asked twice in one call is saved once, with its last score.
  const latest = new Map(saves.map((s) => [s.leadId, s]));
  await saveScoring(tx, ruleSet, { scores: [...latest.values()], stages, lastActivity: latestActivity });
}

/** Rescores one lead (see rescoreLeads). */
export function rescoreLead(
  tx: PoolClient,
  outbox: EventBatch,
  input: RescoreRequest & { ruleSet: RuleSet; now: Date },
): Promise<void> {
  const { ruleSet, now, ...request } = input;
  return rescoreLeads(tx, outbox, [request], ruleSet, now);
}
