import type { Role } from './enums.js';
import type { Actor } from './events.js';

/**
 * Who is calling: the token's subject and role, as the HTTP layer verified them. Which teams a manager runs is
 * not a claim: it is the team records (sdr-queue's, announced as team.changed). Use cases take it from here, so
 * they know the caller and nothing of HTTP.
 */
export interface Principal {
  sub: string;
  role: Role;
}

/** The caller as the actor of what they send (a form's or CRM connection's service token, or a person). */
export function actorOf(principal: Principal): Actor {
  return { kind: 'user', id: principal.sub, role: principal.role };
}
