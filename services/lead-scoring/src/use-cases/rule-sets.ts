import { randomUUID } from 'node:crypto';
import { newOrigin } from '@handoff/contracts';
import { withTransaction, type Pool } from '@handoff/db';
import { Refusal } from '@handoff/errors';
import { EventBatch } from '@handoff/kafka';
import type { RuleSetDefinition } from '../domain/rules/rule-set.js';
import {
  findRuleSet,
  insertDraft,
  lockPublishing,
  publishDraft,
  updateDraft,
  type StoredRuleSet,
} from '../store/rule-sets.js';

interface Deps {
  pool: Pool;
  schema: string;
  producer: string;
}

/** A new draft: a given definition, or a copy of an existing version to tune. */
export async function createDraft(
  deps: Deps,
  command: { definition?: RuleSetDefinition | undefined; from?: string | undefined; actor: string },
): Promise<StoredRuleSet> {
  let definition = command.definition;
  if (!definition) {
    const source = command.from ? await findRuleSet(deps.pool, command.from) : undefined;
    if (!source) throw new Refusal('not_found', `no rule set ${command.from} to copy`);
    definition = { ...source.definition, name: `${source.definition.name} (draft)` };
  }
  return insertDraft(deps.pool, { id: `rs_${randomUUID()}`, definition, createdBy: command.actor });
}

/** Replaces a draft's definition; a published version never changes. */
export async function editDraft(deps: Deps, id: string, definition: RuleSetDefinition): Promise<StoredRuleSet> {
  return withTransaction(deps.pool, async (tx) => {
    const existing = await findRuleSet(tx, id, { lock: true });
    if (!existing) throw new Refusal('not_found', `no rule set ${id}`);
    if (existing.status !== 'draft') {
      throw new Refusal('conflict', `rule set ${id} (v${existing.version}) is published and cannot change; copy it`);
    }
    return updateDraft(tx, id, definition);
  });
}

/**
 * Publishes a draft: it becomes the active version, and `scoring.rules-published`
 * goes out in the same transaction (every lead is then re-scored under it).
 */
export async function publishRuleSet(
  deps: Deps,
  id: string,
  actor: { id: string; role: string },
  correlationId: string,
): Promise<StoredRuleSet> {
  return withTransaction(deps.pool, async (tx) => {
    await lockPublishing(tx);
    const existing = await findRuleSet(tx, id, { lock: true });
    if (!existing) throw new Refusal('not_found', `no rule set ${id}`);
    if (existing.status !== 'draft') throw new Refusal('conflict', `rule set ${id} is already published`);
    const published = await publishDraft(tx, id, actor.id);
    const outbox = new EventBatch(deps.producer);
    outbox.publish('scoring.rules-published', {
      origin: newOrigin(correlationId),
      data: { ruleSetId: id, version: published.version, actor: { kind: 'user', id: actor.id, role: actor.role } },
    });
    await outbox.flush(tx, deps.schema);
    return published;
  });
}
