import { withTransaction, type Pool } from '@handoff/db';
import { Refusal } from '@handoff/errors';
import { Backtest, type BacktestReport } from '../domain/backtest.js';
import { activeRuleSet, findRuleSet } from '../store/rule-sets.js';
import { forEachHistory } from '../store/outcomes.js';

/** History before `from` still shapes scores in the window (decay, caps, hand raises); this much is read. */
const LOOKBACK_DAYS = 365;

/**
 * Replays stored history under a version (usually a draft) and a baseline
 * (the active version unless named), on a consistent snapshot, a page of
 * leads at a time. `loadMs`: of `tookMs`, the time spent waiting on Postgres.
 */
export async function runBacktest(
  pool: Pool,
  command: { candidateId: string; baselineId?: string | undefined; from: Date; to: Date; sdrs?: number | undefined },
): Promise<BacktestReport & { tookMs: number; loadMs: number }> {
  const started = Date.now();
  const candidate = await findRuleSet(pool, command.candidateId);
  if (!candidate) throw new Refusal('not_found', `no rule set ${command.candidateId}`);
  const baseline = command.baselineId ? await findRuleSet(pool, command.baselineId) : await activeRuleSet(pool);
  if (!baseline) throw new Refusal('not_found', `no rule set ${command.baselineId ?? '(active)'}`);
  const since = new Date(command.from.getTime() - LOOKBACK_DAYS * 86_400_000);
  const run = new Backtest({ candidate, baseline, from: command.from, to: command.to, sdrs: command.sdrs });
  const { waitedMs } = await withTransaction(
    pool,
    (tx) => forEachHistory(tx, { since, to: command.to }, (lead) => run.add(lead)),
    { snapshot: true },
  );
  return { ...run.report(), tookMs: Date.now() - started, loadMs: waitedMs };
}
