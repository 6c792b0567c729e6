import { validate as isUuid, version as uuidVersion } from 'uuid';
import { describe, expect, it } from 'vitest';
import {
  FREE_MAIL_DOMAINS,
  HANDOFF_NAMESPACE,
  accountIdFromDomain,
  companyDomainOf,
  leadIdFromEmail,
  nameBasedId,
  normalizeEmail,
} from './lead-id.js';

describe('leadIdFromEmail', () => {
  it.each([
    ['Ada@Example.com'],
    ['ADA@EXAMPLE.COM'],
    ['  ada@example.com'],
    ['ada@example.com  '],
    ['\tAda@Example.COM\n'],
  ])('gives %j the same id as its canonical form', (email) => {
    expect(normalizeEmail(email)).toBe('ada@example.com');
    expect(leadIdFromEmail(email)).toBe(leadIdFromEmail('ada@example.com'));
  });

  it.each([
    ['ada@example.com', 'bob@example.com'],
    ['ada@example.com', 'ada@example.org'],
    ['ada@example.com', 'ada+news@example.com'],
    ['ada@example.com', 'ada@sub.example.com'],
  ])('gives %s and %s different ids', (a, b) => {
    expect(leadIdFromEmail(a)).not.toBe(leadIdFromEmail(b));
  });

  it('is a valid, name-based (v5) UUID', () => {
    const id = leadIdFromEmail('ada@example.com');
    expect(isUuid(id)).toBe(true);
    expect(uuidVersion(id)).toBe(5);
    expect(isUuid(HANDOFF_NAMESPACE)).toBe(true);
  });

  it('is stable across releases (a changed namespace or name format would re-key every lead)', () => {
    // Computed once, and independently with Python's uuid.uuid5(namespace, 'email:ada@example.com').
    expect(leadIdFromEmail('ada@example.com')).toBe('c0d9b35a-3d1c-54ff-8420-ec1acf3ade05');
  });

  it('does not collide with an account or another kind of name', () => {
    expect(leadIdFromEmail('example.com')).not.toBe(accountIdFromDomain('example.com'));
    expect(nameBasedId('email', 'ada@example.com')).toBe(leadIdFromEmail('ada@example.com'));
    expect(nameBasedId('activity', 'ada@example.com')).not.toBe(leadIdFromEmail('ada@example.com'));
  });
});

describe('companyDomainOf', () => {
  it.each([
    ['ada@example.com', 'example.com'],
    ['Ada@Example.COM', 'example.com'],
    ['  ada@acme.io ', 'acme.io'],
    ['ada@eu.acme.co.uk', 'eu.acme.co.uk'],
    ['ada@mail.google.com', 'mail.google.com'],
    ['"a@b"@acme.io', 'acme.io'],
  ])('%j belongs to %s', (email, domain) => {
    expect(companyDomainOf(email)).toBe(domain);
  });

  it.each([
    ['ada@gmail.com'],
    ['Ada@GMAIL.com'],
    ['ada@outlook.com'],
    ['ada@proton.me'],
    ['ada@web.de'],
    ['no-at-sign.example.com'],
    ['ada@'],
    [''],
  ])('%j has no company domain', (email) => {
    expect(companyDomainOf(email)).toBeUndefined();
  });

  it.each([...FREE_MAIL_DOMAINS])('excludes the free-mail provider %s', (domain) => {
    expect(companyDomainOf(`someone@${domain}`)).toBeUndefined();
  });
});

describe('accountIdFromDomain', () => {
  it.each([['Example.com'], ['EXAMPLE.COM'], [' example.com ']])(
    'gives %j the same account as example.com',
    (domain) => {
      expect(accountIdFromDomain(domain)).toBe(accountIdFromDomain('example.com'));
    },
  );

  it('is a v5 UUID that differs per domain', () => {
    const id = accountIdFromDomain('example.com');
    expect(isUuid(id)).toBe(true);
    expect(uuidVersion(id)).toBe(5);
    expect(id).not.toBe(accountIdFromDomain('example.org'));
  });

  it('joins a lead to its account by its e-mail domain', () => {
    expect(accountIdFromDomain(companyDomainOf('Ada@Example.com')!)).toBe(accountIdFromDomain('example.com'));
  });
});
