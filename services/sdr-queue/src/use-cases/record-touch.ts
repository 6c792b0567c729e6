import { randomUUID } from 'node:crypto';
import { newOrigin, type TouchChannel, type TouchOutcome } from '@handoff/contracts';
import { withTransaction, type Pool } from '@handoff/db';
import { conflict, forbidden, notFound, type Principal } from '@handoff/http';
import { EventBatch } from '@handoff/kafka';
import { findAssignment, insertTouch } from '../store/assignments.js';

export interface TouchCommand {
  leadId: string;
  channel: TouchChannel;
  outcome: TouchOutcome;
  notes?: string | undefined;
  occurredAt?: string | undefined;
}

/** Records an SDR's touch attempt on their lead and publishes `lead.touched`. */
export async function recordTouch(
  deps: { pool: Pool; schema: string; producer: string },
  principal: Principal,
  command: TouchCommand,
  correlationId: string,
) {
  return withTransaction(deps.pool, async (tx) => {
    const assignment = await findAssignment(tx, command.leadId, { lock: true });
    if (!assignment) throw notFound(`lead ${command.leadId} is not in the SDR queue`);
    if (assignment.status !== 'assigned' || !assignment.sdrId) {
      throw conflict(`lead ${command.leadId} is not assigned to anyone yet`);
    }
    if (principal.role === 'sdr' && assignment.sdrId !== principal.sub) {
      throw forbidden('an SDR may touch only their own leads');
    }
    const touchId = randomUUID();
    const occurredAt = command.occurredAt ?? new Date().toISOString();
    const attempt = await insertTouch(tx, { id: touchId, sdrId: assignment.sdrId, ...command, occurredAt });
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
        occurredAt,
        attempt,
      },
    });
    await batch.flush(tx, deps.schema);
    return { touchId, attempt, occurredAt };
  });
}
