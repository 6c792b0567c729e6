import { withTransaction, type Pool } from '@handoff/db';
import { HandoffError } from '@handoff/errors';
import { backtest, type BacktestReport } from '../domain/backtest.js';
import { activeRuleSet, findRuleSet } from '../store/rule-sets.js';
import { loadHistories } from '../store/outcomes.js';

/** History before `from` still shapes scores in the window (decay, caps, hand raises); this much is read. */
const LOOKBACK_DAYS = 365;

/**
 * Replays stored history under a version (usually a draft) and a baseline
 * (the active version unless named), on a consistent snapshot.
 */
export async function runBacktest(
  pool: Pool,
  command: { candidateId: string; baselineId?: string | undefined; from: Date; to: Date; sdrs?: number | undefined },
): Promise<BacktestReport & { tookMs: number }> {
  const started = Date.now();
  const candidate = await findRuleSet(pool, command.candidateId);
  if (!candidate) throw new HandoffError('not_found', `no rule set ${command.candidateId}`);
  const baseline = command.baselineId ? await findRuleSet(pool, command.baselineId) : await activeRuleSet(pool);
  if (!baseline) throw new HandoffError('not_found', `no rule set ${command.baselineId ?? '(active)'}`);
  const since = new Date(command.from.getTime() - LOOKBACK_DAYS * 86_400_000);
  const leads = await withTransaction(pool, (tx) => loadHistories(tx, since, command.to), { snapshot: true });
  const report = backtest({ candidate, baseline, leads, from: command.from, to: command.to, sdrs: command.sdrs });
  return { ...report, tookMs: Date.now() - started };
}
