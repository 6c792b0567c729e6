import type { Queryable } from '@handoff/db';
import { RuleSetDefinition, type RuleSet } from '../domain/rules/rule-set.js';

export interface StoredRuleSet extends RuleSet {
  status: 'draft' | 'published';
  active: boolean;
  name: string;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
  publishedBy: string | null;
  publishedAt: Date | null;
}

const COLUMNS = `id, version, status, active, name, definition, created_by AS "createdBy", created_at AS "createdAt",
  updated_at AS "updatedAt", published_by AS "publishedBy", published_at AS "publishedAt"`;

function parse(row: Record<string, unknown>): StoredRuleSet {
  // Stored definitions were validated on write; parsing again applies defaults added since.
  return { ...(row as unknown as StoredRuleSet), definition: RuleSetDefinition.parse(row.definition) };
}

/** Installs the built-in rule set as the active version if no version is active yet. */
export async function ensureActiveRuleSet(db: Queryable, builtIn: RuleSet): Promise<void> {
  await db.query(
    `INSERT INTO rule_sets (id, version, status, active, name, definition, created_by, published_by, published_at)
     SELECT $1, $2, 'published', true, $3, $4::jsonb, 'system', 'system', now()
      WHERE NOT EXISTS (SELECT 1 FROM rule_sets WHERE active)
     ON CONFLICT (id) DO NOTHING`,
    [builtIn.id, builtIn.version, builtIn.definition.name, JSON.stringify(builtIn.definition)],
  );
}

export async function activeRuleSet(db: Queryable): Promise<StoredRuleSet | undefined> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM rule_sets WHERE active`);
  return rows[0] ? parse(rows[0]) : undefined;
}

export async function findRuleSet(db: Queryable, id: string, options: { lock?: boolean } = {}) {
  const { rows } = await db.query(
    `SELECT ${COLUMNS} FROM rule_sets WHERE id = $1${options.lock ? ' FOR UPDATE' : ''}`,
    [id],
  );
  return rows[0] ? parse(rows[0]) : undefined;
}

export async function listRuleSets(db: Queryable): Promise<StoredRuleSet[]> {
  const { rows } = await db.query(`SELECT ${COLUMNS} FROM rule_sets ORDER BY version DESC`);
  return rows.map(parse);
}

export async function insertDraft(
  db: Queryable,
  draft: { id: string; definition: RuleSetDefinition; createdBy: string },
): Promise<StoredRuleSet> {
  const { rows } = await db.query(
    `INSERT INTO rule_sets (id, version, status, name, definition, created_by)
     VALUES ($1, nextval('rule_set_versions'), 'draft', $2, $3::jsonb, $4)
     RETURNING ${COLUMNS}`,
    [draft.id, draft.definition.name, JSON.stringify(draft.definition), draft.createdBy],
  );
  return parse(rows[0]);
}

export async function updateDraft(db: Queryable, id: string, definition: RuleSetDefinition): Promise<StoredRuleSet> {
  const { rows } = await db.query(
    `UPDATE rule_sets SET definition = $2::jsonb, name = $3, updated_at = now()
      WHERE id = $1 AND status = 'draft' RETURNING ${COLUMNS}`,
    [id, JSON.stringify(definition), definition.name],
  );
  return parse(rows[0]);
}

/** Serializes publishing, so there is never a moment with two active versions. */
export async function lockPublishing(tx: Queryable): Promise<void> {
  await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['rule-set-publish']);
}

/** Publishes a draft and makes it the active version. */
export async function publishDraft(db: Queryable, id: string, publishedBy: string): Promise<StoredRuleSet> {
  await db.query('UPDATE rule_sets SET active = false WHERE active');
  const { rows } = await db.query(
    `UPDATE rule_sets SET status = 'published', active = true, published_by = $2, published_at = now(), updated_at = now()
      WHERE id = $1 AND status = 'draft' RETURNING ${COLUMNS}`,
    [id, publishedBy],
  );
  return parse(rows[0]);
}

/** Lead ids in pages, for re-scoring everyone. */
export async function leadIdsAfter(db: Queryable, after: string, limit: number): Promise<string[]> {
  const { rows } = await db.query<{ id: string }>('SELECT id FROM leads WHERE id > $1 ORDER BY id LIMIT $2', [
    after,
    limit,
  ]);
  return rows.map((r) => r.id);
}
