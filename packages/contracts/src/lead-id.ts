import { v5 as uuidv5 } from 'uuid';

/** Namespace of every Handoff name-based id; never change it, or every derived id changes. */
export const HANDOFF_NAMESPACE = '6f1f2a8e-3c55-4b8e-9a7d-2b51c0de4e11';

/** The canonical form of an e-mail address for identity: trimmed and lower-cased. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** A lead's id from its e-mail (UUIDv5), so every producer computes the same id. */
export function leadIdFromEmail(email: string): string {
  return uuidv5(`email:${normalizeEmail(email)}`, HANDOFF_NAMESPACE);
}

/** Mailbox providers whose domain says nothing about the company. */
export const FREE_MAIL_DOMAINS: ReadonlySet<string> = new Set([
  'gmail.com',
  'googlemail.com',
  'yahoo.com',
  'hotmail.com',
  'outlook.com',
  'live.com',
  'msn.com',
  'aol.com',
  'icloud.com',
  'me.com',
  'proton.me',
  'protonmail.com',
  'gmx.com',
  'gmx.de',
  'web.de',
  'mail.com',
  'yandex.com',
  'zoho.com',
]);

/** The company domain of an e-mail address, or undefined for free-mail providers. */
export function companyDomainOf(email: string): string | undefined {
  const at = normalizeEmail(email).lastIndexOf('@');
  if (at < 0) return undefined;
  const domain = normalizeEmail(email).slice(at + 1);
  if (!domain || FREE_MAIL_DOMAINS.has(domain)) return undefined;
  return domain;
}

/** An account's id from its company domain (UUIDv5). */
export function accountIdFromDomain(domain: string): string {
  return uuidv5(`domain:${domain.trim().toLowerCase()}`, HANDOFF_NAMESPACE);
}

/** A stable id for anything named by a string (e.g. a source system's activity key). */
export function nameBasedId(kind: string, name: string): string {
  return uuidv5(`${kind}:${name}`, HANDOFF_NAMESPACE);
}
