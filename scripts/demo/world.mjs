// The demo's made-up market: companies (a fixed list, so accounts grow over runs), the people of their
// buying committees, where leads come from, and what they do on the web. Deterministic for a seed.

/** A small seeded PRNG (mulberry32) with the helpers the demo needs. */
export function createRandom(seed) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const random = {
    next,
    chance: (p) => next() < p,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    between: (min, max) => min + next() * (max - min),
    pick: (list) => list[Math.floor(next() * list.length)],
    /** Picks from [[value, weight], …]. */
    weighted: (pairs) => {
      const total = pairs.reduce((n, [, w]) => n + w, 0);
      let roll = next() * total;
      for (const [value, weight] of pairs) {
        roll -= weight;
        if (roll < 0) return value;
      }
      return pairs.at(-1)[0];
    },
    /** A duration around `ms` (±40 %), so loops do not tick in lockstep. */
    jitter: (ms) => Math.round(ms * (0.6 + next() * 0.8)),
  };
  return random;
}

export const EMEA_COUNTRIES = ['DE', 'AT', 'CH', 'GB', 'IE', 'NL', 'FR', 'ES', 'IT', 'SE'];
export const NA_COUNTRIES = ['US', 'CA'];

// name, domain, country, employees, industry. `.example` domains: nobody real gets addressed.
const COMPANIES = [
  ['Northwind Logistics', 'northwind-logistics.example', 'DE', 2400, 'Logistics'],
  ['Brightwater Energy', 'brightwater-energy.example', 'GB', 5200, 'Energy'],
  ['Kestrel Analytics', 'kestrel-analytics.example', 'NL', 340, 'Software'],
  ['Fernhill Insurance', 'fernhill-insurance.example', 'IE', 1800, 'Insurance'],
  ['Lumen Robotics', 'lumen-robotics.example', 'CH', 620, 'Manufacturing'],
  ['Cobalt Retail Group', 'cobalt-retail.example', 'FR', 9100, 'Retail'],
  ['Alpenglow Travel', 'alpenglow-travel.example', 'AT', 150, 'Travel'],
  ['Helix Biotech', 'helix-biotech.example', 'DE', 780, 'Life sciences'],
  ['Solana Foods', 'solana-foods.example', 'ES', 1300, 'Food & beverage'],
  ['Vireo Payments', 'vireo-payments.example', 'GB', 260, 'Fintech'],
  ['Nordlys Media', 'nordlys-media.example', 'SE', 95, 'Media'],
  ['Tessera Bank', 'tessera-bank.example', 'IT', 14000, 'Banking'],
  ['Quarry Hill Construction', 'quarryhill.example', 'GB', 430, 'Construction'],
  ['Rheinwerk Industrial', 'rheinwerk-industrial.example', 'DE', 3600, 'Manufacturing'],
  ['Blauwe Haven Shipping', 'blauwehaven.example', 'NL', 1100, 'Logistics'],
  ['Orbital Telecom', 'orbital-telecom.example', 'FR', 22000, 'Telecom'],
  ['Greenleaf Education', 'greenleaf-edu.example', 'IE', 120, 'Education'],
  ['Atlas Cloudworks', 'atlas-cloudworks.example', 'CH', 510, 'Software'],
  ['Granite Peak Capital', 'granitepeak.example', 'US', 700, 'Financial services'],
  ['Redwood Health', 'redwood-health.example', 'US', 8800, 'Healthcare'],
  ['Prairie Grain Co.', 'prairie-grain.example', 'CA', 640, 'Agriculture'],
  ['Summit Outdoor', 'summit-outdoor.example', 'US', 180, 'Retail'],
  ['Beacon Software', 'beacon-software.example', 'US', 1250, 'Software'],
  ['Maple Leaf Mutual', 'mapleleaf-mutual.example', 'CA', 3100, 'Insurance'],
  ['Ironclad Security', 'ironclad-security.example', 'US', 420, 'Cybersecurity'],
  ['Tidewater Marine', 'tidewater-marine.example', 'US', 90, 'Logistics'],
  ['Copperline Networks', 'copperline.example', 'US', 5600, 'Telecom'],
  ['Lakeshore Medical', 'lakeshore-medical.example', 'CA', 1500, 'Healthcare'],
  ['Mesa Solar', 'mesa-solar.example', 'US', 260, 'Energy'],
  ['Foxglove Apparel', 'foxglove-apparel.example', 'US', 2200, 'Retail'],
  ['Keystone Manufacturing', 'keystone-mfg.example', 'US', 4100, 'Manufacturing'],
  ['Cascade Data', 'cascade-data.example', 'US', 330, 'Software'],
  ['Harborline Freight', 'harborline-freight.example', 'CA', 140, 'Logistics'],
  ['Silverline Hotels', 'silverline-hotels.example', 'US', 12500, 'Hospitality'],
  ['Evergreen University', 'evergreen-univ.example', 'US', 6000, 'Education'],
  ['Bluebird Labs', 'bluebird-labs.example', 'US', 60, 'Software'],
].map(([name, domain, country, size, industry]) => ({ name, domain, country, size, industry }));

export const FIRST_NAMES = (
  'Anna, Lukas, Sophie, Jonas, Emma, Noah, Mia, Elias, Lea, Felix, Olivia, Liam, Amelia, Oliver, Isla, ' +
  'Harry, Chloé, Louis, Camille, Hugo, Lucía, Mateo, Giulia, Marco, Sara, Erik, Astrid, Saoirse, Cian, ' +
  'Fatima, Omar, Priya, Arjun, Mei, Kenji, Grace, James, Ava, Ethan, Maya, Daniel, Zoe, Carlos, Sofia, ' +
  'Tyler, Aaliyah, Marcus, Hannah, Nathan, Chen, Leila, Samuel, Ingrid, Tomás, Nadia, Victor, Keira, ' +
  'Rafael, Yara'
).split(', ');
export const LAST_NAMES = (
  "Müller, Schmidt, Weber, Fischer, Hoffmann, Smith, Jones, Taylor, Brown, Murphy, O'Brien, Kelly, " +
  'de Vries, Jansen, Bakker, Martin, Bernard, Dubois, García, Fernández, López, Rossi, Russo, Bianchi, ' +
  'Johansson, Lindqvist, Novak, Kowalski, Haddad, Patel, Sharma, Nguyen, Kim, Tanaka, Wang, Johnson, ' +
  'Williams, Miller, Davis, Wilson, Anderson, Thompson, Garcia, Lee, Walker, Young, Allen, King, ' +
  'Wright, Scott, Green, Baker, Adams, Campbell, Roberts'
).split(', ');

/** Titles of each buying role, with their seniority. */
const TITLES = {
  decision_maker: [
    ['VP Sales', 'vp'],
    ['Chief Revenue Officer', 'c-level'],
    ['VP Marketing', 'vp'],
    ['Head of Revenue Operations', 'director'],
    ['Chief Marketing Officer', 'c-level'],
  ],
  initiator: [
    ['Marketing Operations Manager', 'manager'],
    ['Demand Generation Lead', 'manager'],
    ['Sales Operations Manager', 'manager'],
  ],
  user: [
    ['SDR Team Lead', 'manager'],
    ['Account Executive', 'individual'],
    ['Sales Development Representative', 'individual'],
    ['Marketing Specialist', 'individual'],
  ],
  technical: [
    ['Salesforce Administrator', 'individual'],
    ['Director of Business Systems', 'director'],
    ['Solutions Architect', 'individual'],
  ],
  evaluator: [
    ['Procurement Manager', 'manager'],
    ['Finance Business Partner', 'individual'],
    ['Head of Procurement', 'director'],
  ],
};
/** The order a committee usually forms in: someone starts, users and tech look, the boss and procurement last. */
const ROLE_ORDER = ['initiator', 'user', 'technical', 'decision_maker', 'evaluator'];

/** Lead sources, their campaigns and how often each brings a lead. */
export const SOURCES = [
  { source: 'web', campaign: undefined, weight: 22 },
  { source: 'paid_search', campaign: 'brand-search', weight: 15 },
  { source: 'linkedin', campaign: 'abm-revops-leaders', weight: 12 },
  { source: 'webinar', campaign: 'webinar-speed-to-lead', weight: 14 },
  { source: 'content', campaign: 'ebook-lead-routing-playbook', weight: 14 },
  { source: 'trade-show', campaign: 'revops-summit-berlin', weight: 8 },
  { source: 'partner', campaign: 'partner-referrals', weight: 7 },
  { source: 'email', campaign: 'nurture-monthly', weight: 8 },
];

const PAGES = ['/', '/product/routing', '/product/scoring', '/customers', '/blog/speed-to-lead', '/integrations'];
const ASSETS = ['Lead routing playbook', 'SLA benchmark 2026', 'Buying committee guide', 'RevOps maturity model'];
const WEBINARS = ['Speed to lead', 'Scoring that sales trusts', 'Closing the loop with marketing'];

const slug = (s) =>
  s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z]+/g, '');

/** The market: companies with their committees so far, and free-mail people with no company. */
export class World {
  constructor(random) {
    this.random = random;
    this.companies = COMPANIES.map((c) => ({ ...c, people: [] }));
    this.people = [];
    this.byLeadId = new Map();
    this.emails = new Set();
  }

  /**
   * A new person: mostly the next member of a company's buying committee (an account that already has people
   * is likelier), sometimes someone with a free-mail address and no company.
   */
  newPerson() {
    const { random } = this;
    const sourced = random.weighted(SOURCES.map((s) => [s, s.weight]));
    if (random.chance(0.08)) return this.freeMailPerson(sourced);
    const growing = this.companies.filter((c) => c.people.length > 0 && c.people.length < 6);
    const company = growing.length > 0 && random.chance(0.55) ? random.pick(growing) : random.pick(this.companies);
    const taken = new Set(company.people.map((p) => p.buyingRole));
    const buyingRole = ROLE_ORDER.find((role) => !taken.has(role) && random.chance(0.7)) ?? random.pick(ROLE_ORDER);
    const [title, seniority] = random.pick(TITLES[buyingRole]);
    const firstName = random.pick(FIRST_NAMES);
    const lastName = random.pick(LAST_NAMES);
    const person = {
      email: this.uniqueEmail(`${slug(firstName)}.${slug(lastName)}`, company.domain),
      firstName,
      lastName,
      title,
      seniority,
      buyingRole,
      company,
      source: sourced.source,
      campaign: sourced.campaign,
      // How much this person wants to buy now: decides their first activity and whether they raise a hand.
      intent: random.weighted([
        ['hot', 28],
        ['warm', 37],
        ['cold', 35],
      ]),
    };
    company.people.push(person);
    this.people.push(person);
    return person;
  }

  freeMailPerson(sourced) {
    const { random } = this;
    const firstName = random.pick(FIRST_NAMES);
    const lastName = random.pick(LAST_NAMES);
    const person = {
      email: this.uniqueEmail(`${slug(firstName)}.${slug(lastName)}${random.int(1, 99)}`, 'gmail.com'),
      firstName,
      lastName,
      title: random.pick(['Consultant', 'Founder', 'Student', 'Freelance RevOps advisor']),
      seniority: 'individual',
      company: null,
      // Some say where they are, some do not (routing's fallback takes those).
      country: random.chance(0.5) ? random.pick([...EMEA_COUNTRIES, ...NA_COUNTRIES]) : undefined,
      source: sourced.source,
      campaign: sourced.campaign,
      intent: random.weighted([
        ['hot', 10],
        ['warm', 30],
        ['cold', 60],
      ]),
    };
    this.people.push(person);
    return person;
  }

  uniqueEmail(local, domain) {
    let email = `${local}@${domain}`;
    for (let n = 2; this.emails.has(email); n++) email = `${local}${n}@${domain}`;
    this.emails.add(email);
    return email;
  }

  /** The lead as a web form or CRM sync sends it (POST /v1/leads). */
  leadBody(person) {
    const c = person.company;
    return {
      email: person.email,
      firstName: person.firstName,
      lastName: person.lastName,
      title: person.title,
      seniority: person.seniority,
      ...(person.buyingRole ? { buyingRole: person.buyingRole } : {}),
      ...(c
        ? { company: c.name, companyDomain: c.domain, companySize: c.size, industry: c.industry, country: c.country }
        : person.country
          ? { country: person.country }
          : {}),
      source: person.source,
      ...(person.campaign ? { campaign: person.campaign } : {}),
    };
  }

  /** What a new lead did before and while converting, by intent and source (oldest first, over 15 minutes). */
  firstActivities(person) {
    const { random } = this;
    const acts = [];
    const add = (type, properties) => acts.push({ type, properties });
    for (let i = random.int(1, 3); i > 0; i--) add('page_view', { url: random.pick(PAGES) });
    if (person.source === 'webinar') add('webinar_attended', { webinar: random.pick(WEBINARS) });
    if (person.source === 'content') add('content_download', { asset: random.pick(ASSETS) });
    if (person.source === 'trade-show') add('event_badge_scan', { event: 'RevOps Summit Berlin' });
    if (person.source === 'email') add('email_click', { email: 'Monthly nurture' });
    if (person.intent === 'warm') {
      add(random.pick(['content_download', 'webinar_attended', 'email_click']), {});
      if (random.chance(0.5)) add('pricing_page_view', { url: '/pricing' });
      if (random.chance(0.4)) add('email_reply', {});
    }
    if (person.intent === 'hot') {
      add('pricing_page_view', { url: '/pricing' });
      add(person.source === 'partner' || random.chance(0.3) ? 'contact_sales' : 'demo_request', {
        form: 'Talk to sales',
      });
    }
    const now = Date.now();
    const spanMs = 15 * 60_000;
    return acts.map((a, i) => ({
      email: person.email,
      type: a.type,
      occurredAt: new Date(now - spanMs + (spanMs * (i + 1)) / (acts.length + 1)).toISOString(),
      source: person.source,
      ...(person.campaign ? { campaign: person.campaign } : {}),
      ...(Object.keys(a.properties).length ? { properties: a.properties } : {}),
    }));
  }

  /** One nurture touchpoint for a known person: mostly e-mail and web, now and then a hand raise. */
  nurtureActivity(person) {
    const type = this.random.weighted([
      ['email_open', 30],
      ['page_view', 24],
      ['email_click', 15],
      ['content_download', 9],
      ['webinar_attended', 7],
      ['pricing_page_view', 7],
      ['email_reply', 3],
      ['demo_request', 2],
      ['careers_page_view', 2],
      ['unsubscribe', 1],
    ]);
    const properties =
      type === 'page_view'
        ? { url: this.random.pick(PAGES) }
        : type === 'content_download'
          ? { asset: this.random.pick(ASSETS) }
          : type === 'webinar_attended'
            ? { webinar: this.random.pick(WEBINARS) }
            : undefined;
    return {
      email: person.email,
      type,
      source: type.startsWith('email') ? 'email' : 'web',
      ...(type.startsWith('email') ? { campaign: 'nurture-monthly' } : {}),
      ...(properties ? { properties } : {}),
    };
  }

  /** The account's decision-maker the demo knows of, for an SDR's evidence; else the person themself. */
  keyPersonFor(person) {
    const boss = person.company?.people.find((p) => p.buyingRole === 'decision_maker' && p.leadId);
    const who = boss ?? person;
    return { name: `${who.firstName} ${who.lastName}`, buyingRole: who.buyingRole ?? 'decision_maker' };
  }

  remember(person, leadId) {
    person.leadId = leadId;
    this.byLeadId.set(leadId, person);
  }

  label(person) {
    const name = [person.firstName, person.lastName].filter(Boolean).join(' ');
    return `${name} (${person.title}${person.company ? `, ${person.company.name}` : ''})`;
  }
}

export { PAGES, WEBINARS, ASSETS };
