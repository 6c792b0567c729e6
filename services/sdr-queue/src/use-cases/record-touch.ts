import { randomUUID } from 'node:crypto';
import { newOrigin, type Principal, type TouchChannel, type TouchOutcome } from '@handoff/contracts';
import { lockLeads, withTransaction } from '@handoff/db';
import { Refusal, unseen } from '@handoff/errors';
import { EventBatch } from '@handoff/kafka';
import { findAssignment, findTouch, insertTouch } from '../store/assignments.js';
import { findSdr } from '../store/sdrs.js';
import { Access, holderOf } from './access.js';
import type { QueueDeps } from './deps.js';

export interface TouchCommand {
  leadId: string;
  /** The client's id: a touch sent again (after a timeout, a lost answer) is recorded once. */
  touchId?: string | undefined;
  channel: TouchChannel;
  outcome: TouchOutcome;
  notes?: string | undefined;
  occurredAt?: string | undefined;
}

const MAX_CLOCK_SKEW_MS = 2 * 60_000;

/**
 * Records an SDR's touch attempt on their lead and publishes `lead.touched`. With the client's `touchId`, a
 * touch sent again is answered as before (`repeated`) and nothing is recorded or published twice.
 */
export async function recordTouch(deps: QueueDeps, principal: Principal, command: TouchCommand, correlationId: string) {
  return withTransaction(deps.pool, async (tx) => {
    // The lead before its rows, as the event consumer takes it (one writer per lead, no deadlock).
    await lockLeads(tx, deps.schema, [command.leadId]);
    const assignment = await findAssignment(tx, command.leadId, { lock: true });
    if (!assignment) throw unseen(`lead ${command.leadId}`);
    const sdr = assignment.sdrId ? await findSdr(tx, assignment.sdrId) : undefined;
    // Whose lead it is comes first: someone else's lead is unseen, whatever its state.
    (await Access.of(tx, principal)).requireLeadOf(holderOf(assignment.sdrId, sdr), command.leadId);
    if (assignment.status !== 'assigned' || !assignment.sdrId || !assignment.assignedAt) {
      throw new Refusal(
        'conflict',
        assignment.status === 'unassigned'
          ? `lead ${command.leadId} is not assigned to anyone yet`
          : `lead ${command.leadId} is ${assignment.status}, not being worked`,
      );
    }
    if (command.touchId) {
      const earlier = await findTouch(tx, command.touchId);
      if (earlier && earlier.leadId !== command.leadId) {
        throw new Refusal('conflict', `touchId ${command.touchId} is another lead's touch`);
      }
      if (earlier) {
        return { touchId: earlier.touchId, attempt: earlier.attempt, occurredAt: earlier.occurredAt, repeated: true };
      }
    }
    const now = deps.clock();
    const occurredAt = command.occurredAt ? new Date(command.occurredAt) : now;
    // The time of a touch decides SLAs, so it must be plausible: not in the future, not before the assignment.
    if (occurredAt.getTime() > now.getTime() + MAX_CLOCK_SKEW_MS) {
      throw new Refusal('bad_request', 'occurredAt is in the future', {
        details: [{ field: 'body.occurredAt', message: 'in the future' }],
      });
    }
    const assignedAt = new Date(assignment.assignedAt);
    if (occurredAt < assignedAt) {
      throw new Refusal('conflict', `occurredAt is before the lead was assigned (${assignedAt.toISOString()})`);
    }
    const touchId = command.touchId ?? randomUUID();
    const attempt = await insertTouch(
      tx,
      { id: touchId, sdrId: assignment.sdrId, ...command, occurredAt: occurredAt.toISOString() },
      assignedAt,
    );
    const batch = new EventBatch(deps.producer);
    batch.publish('lead.touched', {
      leadId: command.leadId,
      accountId: assignment.accountId ?? undefined,
      origin: newOrigin(correlationId),
      data: {
        touchId,
        sdrId: assignment.sdrId,
        channel: command.channel,
        outcome: command.outcome,
        ...(command.notes ? { notes: command.notes } : {}),
        occurredAt: occurredAt.toISOString(),
        attempt,
      },
    });
    await batch.flush(tx, deps.schema);
    return { touchId, attempt, occurredAt: occurredAt.toISOString(), repeated: false };
  });
}
