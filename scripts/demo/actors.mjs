// The people of the demo, each an async loop against the API: marketing brings leads and activity (with
// bursts), SDRs take up their next lead and work it (touches, then qualify with evidence, recycle or
// disqualify with a reason), managers let unresponsive leads go and rebalance an overloaded SDR, sales accept
// or reject SQLs, and the CRM reports opportunities won, lost and reopened.
import { CRM, INGEST, LEADERSHIP, SDRS, TEAMS } from './setup.mjs';

const NEEDS = [
  'Leads wait days before anyone calls them back',
  'Marketing cannot see which campaigns turn into pipeline',
  'SDRs spend their day on leads that never fit',
  'Routing by spreadsheet breaks every time territories change',
  'Marketing and sales disagree on what an MQL is',
];
const BUDGETS = [
  'Budget approved for this fiscal year',
  'Part of the CRM consolidation project budget',
  'Range agreed with the CFO; sign-off after the demo',
  'Replaces a tool whose contract ends this quarter',
];
const TIMINGS = [
  'Decision this quarter',
  'Pilot next month, roll-out next quarter',
  'Before the new sales year starts',
  'Current tool renews in 8 weeks',
];
/** What SDRs send back to nurture, how often, with the note they write. */
const RECYCLE_REASONS = [
  ['timing', 30, 'Re-evaluating after their reorganisation; asked to reconnect later'],
  ['no_budget', 18, 'No budget until the next fiscal year'],
  ['price', 12, 'Comparing with a cheaper point tool'],
  ['competitor', 12, 'Running a trial with a competitor'],
  ['no_need', 14, 'Happy with their current process for now'],
  ['no_authority', 10, 'Not the key person; the VP is not engaged yet'],
  ['other', 4, 'Merging with another company; all purchases frozen'],
];
const DISQUALIFY_REASONS = [
  ['bad_data', 28, 'Wrong number and the e-mail bounced'],
  ['existing_customer', 18, 'Already a customer: passed to account management'],
  ['no_need', 20, 'Student research project, no buying intent'],
  ['competitor', 14, 'Works for a competitor'],
  ['no_authority', 20, 'Intern collecting brochures'],
];
const REJECT_REASONS = [
  ['no_authority', 35, 'The evidence names the champion, not the economic buyer'],
  ['timing', 25, 'Budget is for next year; too early for an opportunity'],
  ['no_budget', 20, 'No budget confirmed on the discovery call'],
  ['no_need', 20, 'The need is a nice-to-have, not a project'],
];

/** The demo: its loops, its counters, and stop(). */
export class Demo {
  constructor({ api, log, random, world, rate }) {
    this.api = api;
    this.log = log;
    this.random = random;
    this.world = world;
    this.rate = rate;
    this.startedAt = Date.now();
    this.stopped = false;
    this.timers = new Set();
    this.stats = api.stats;
    Object.assign(this.stats, {
      leads: 0,
      activities: 0,
      bursts: 0,
      claimed: 0,
      touches: 0,
      qualified: 0,
      recycled: 0,
      disqualified: 0,
      overrides: 0,
      reassigned: 0,
      accepted: 0,
      rejected: 0,
      opportunities: 0,
      won: 0,
      lost: 0,
      reopened: 0,
      revenue: 0,
    });
    this.work = new Map(SDRS.map((sdr) => [sdr.id, new Map()]));
    this.sqls = new Map();
    this.dealCount = 0;
    // The opening act: the first leads taken up are qualified, and the first SQLs and deals go every way
    // (accepted, rejected, won, lost and reopened), so the funnel is whole within a minute or two.
    this.opening = { answers: 0, closes: 0 };
    // About a third of new leads become MQLs soon; each takes an SDR about five actions. SDRs together can
    // work about that many, and leave a lead or two in their queues untouched (see wantsMore).
    const actionsPerMinute = rate * 0.35 * 5;
    const speed = SDRS.reduce((n, s) => n + 1 / s.pace, 0);
    this.sdrBeatMs = Math.min(30_000, Math.max(1_500, (60_000 * speed) / actionsPerMinute));
  }

  /** Delays are shorter in the first 90 s, so every screen has something to show within a minute. */
  tempo() {
    return Date.now() - this.startedAt < 90_000 ? 0.5 : 1;
  }

  start() {
    this.loop(
      'leads',
      () => this.random.jitter((60_000 / this.rate) * this.tempo()),
      () => this.newLead(),
    );
    this.loop(
      'nurture',
      () => this.random.jitter(60_000 / (this.rate * 1.5)),
      () => this.nurture(),
    );
    this.loop(
      'bursts',
      () => this.random.jitter(50_000),
      () => this.burst(),
      20_000,
    );
    for (const sdr of SDRS) {
      this.loop(
        `sdr ${sdr.id}`,
        () => this.random.jitter(this.sdrBeatMs * sdr.pace * this.tempo()),
        () => this.sdrStep(sdr),
      );
    }
    this.loop(
      'sales',
      () => this.random.jitter(6_000 * this.tempo()),
      () => this.salesStep(),
    );
    this.loop(
      'managers',
      () => this.random.jitter(45_000),
      () => this.managerStep(),
      45_000,
    );
    this.loop(
      'summary',
      () => 10_000,
      () => this.summary(),
    );
  }

  stop() {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  sleep(ms) {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        resolve();
      }, ms);
      this.timers.add(timer);
    });
  }

  /** Runs `body` every `interval()` ms until stopped; a failure is logged and the loop goes on. */
  async loop(name, interval, body, firstDelay) {
    await this.sleep(firstDelay ?? interval());
    while (!this.stopped) {
      try {
        await body();
      } catch (err) {
        this.log.line(`  ✗ ${name}: ${err?.stack ?? err}`);
      }
      if (this.stopped) return;
      await this.sleep(interval());
    }
  }

  /** Runs `task` once, `ms` from now, unless the demo stops first. */
  later(ms, name, task) {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.stopped) return;
      Promise.resolve()
        .then(task)
        .catch((err) => this.log.line(`  ✗ ${name}: ${err?.stack ?? err}`));
    }, ms);
    this.timers.add(timer);
  }

  // ── marketing ────────────────────────────────────────────────────────────────────────────────────────────

  async newLead() {
    const person = this.world.newPerson();
    const lead = await this.api.call(INGEST, 'POST', 'lead-scoring', '/v1/leads', this.world.leadBody(person));
    if (!lead.ok) return;
    this.world.remember(person, lead.body.leadId);
    this.stats.leads += 1;
    const activities = this.world.firstActivities(person);
    // Web tracking reaches the API a moment after the form's lead sync, as it does in real life.
    this.later(1_500, 'activities', async () => {
      const sent = await this.api.call(INGEST, 'POST', 'lead-scoring', '/v1/activities', activities);
      if (sent.ok) this.stats.activities += sent.body.accepted ?? activities.length;
    });
    const raised = activities.find((a) => a.type === 'demo_request' || a.type === 'contact_sales');
    const what = raised
      ? raised.type.replace('_', ' ')
      : `${activities.length} ${activities.length === 1 ? 'activity' : 'activities'}`;
    const where = person.company ? `${person.company.name}, ${person.company.country}` : person.email;
    this.log.line(
      `+ lead ${person.firstName} ${person.lastName}, ${person.title} (${where}) via ${person.source}` +
        `${person.campaign ? `/${person.campaign}` : ''}: ${what}`,
    );
  }

  /** Someone in nurture opens an e-mail, reads a page, now and then asks for a demo. */
  async nurture() {
    const candidates = this.world.people.filter((p) => p.leadId && !p.busy);
    if (candidates.length === 0) return;
    const person = this.random.pick(candidates);
    const activity = this.world.nurtureActivity(person);
    const sent = await this.api.call(INGEST, 'POST', 'lead-scoring', '/v1/activities', activity);
    if (!sent.ok) return;
    this.stats.activities += 1;
    if (activity.type === 'demo_request') {
      this.log.line(`↑ ${this.world.label(person)} came back from nurture and asked for a demo`);
    }
  }

  /** Activity arrives in bursts: a newsletter goes out, a webinar ends, a whole buying committee shows up. */
  async burst() {
    const known = this.world.people.filter((p) => p.leadId);
    if (known.length < 5) return;
    const kind = this.random.weighted([
      ['newsletter', 4],
      ['webinar', 3],
      ['committee', 3],
    ]);
    let activities = [];
    let said;
    if (kind === 'newsletter') {
      const readers = this.sample(known, this.random.int(15, 45));
      for (const p of readers) {
        activities.push({ email: p.email, type: 'email_open', source: 'email', campaign: 'newsletter' });
        if (this.random.chance(0.3)) {
          activities.push({ email: p.email, type: 'email_click', source: 'email', campaign: 'newsletter' });
        }
      }
      said = `the newsletter went out: ${readers.length} people opened it`;
    } else if (kind === 'webinar') {
      const attendees = this.sample(known, this.random.int(6, 16));
      const webinar = this.random.pick(['Speed to lead', 'Scoring that sales trusts']);
      activities = attendees.map((p) => ({
        email: p.email,
        type: 'webinar_attended',
        source: 'webinar',
        campaign: 'webinar-speed-to-lead',
        properties: { webinar },
      }));
      said = `webinar "${webinar}" ended: ${attendees.length} attended`;
    } else {
      const accounts = this.world.companies.filter((c) => c.people.filter((p) => p.leadId).length >= 2);
      if (accounts.length === 0) return;
      const company = this.random.pick(accounts);
      const members = company.people.filter((p) => p.leadId);
      for (const p of members) {
        activities.push({ email: p.email, type: 'pricing_page_view', source: 'web', properties: { url: '/pricing' } });
        activities.push({ email: p.email, type: 'page_view', source: 'web', properties: { url: '/customers' } });
      }
      said = `${company.name}'s buying committee (${members.map((p) => p.buyingRole).join(', ')}) is on the pricing page`;
    }
    const sent = await this.api.call(INGEST, 'POST', 'lead-scoring', '/v1/activities', activities);
    if (!sent.ok) return;
    this.stats.bursts += 1;
    this.stats.activities += sent.body.accepted ?? activities.length;
    this.log.line(`≋ burst: ${said} (${activities.length} activities)`);
  }

  sample(list, n) {
    const pool = [...list];
    const out = [];
    while (out.length < n && pool.length > 0) out.push(pool.splice(Math.floor(this.random.next() * pool.length), 1)[0]);
    return out;
  }

  // ── SDRs ─────────────────────────────────────────────────────────────────────────────────────────────────

  async sdrStep(sdr) {
    const mine = this.work.get(sdr.id);
    const now = Date.now();
    const due = [...mine.values()].filter((w) => w.nextAt <= now);
    if (mine.size < sdr.focus && (due.length === 0 || this.random.chance(0.5)) && (await this.wantsMore(sdr))) {
      if (await this.takeUp(sdr)) return;
    }
    // Nothing new to take up: follow up on the lead that has waited longest.
    if (due.length > 0) await this.advance(sdr, due.sort((a, b) => a.nextAt - b.nextAt)[0]);
  }

  /**
   * Whether the SDR takes up another lead now. Like real SDRs between calls, they let the last lead or two sit
   * in their queue for a while (so queues and first-touch SLAs have something to show), and take one anyway now
   * and then; with an empty queue they pick from the leads waiting for anyone.
   */
  async wantsMore(sdr) {
    const queue = await this.api.call({ role: 'sdr', sub: sdr.id }, 'GET', 'sdr-queue', '/v1/queue');
    if (!queue.ok) return false;
    const untaken = (queue.body.items ?? []).filter((i) => !i.claimedAt).length;
    return untaken === 0 || untaken > sdr.leaveUntaken || this.random.chance(0.15);
  }

  async takeUp(sdr) {
    const who = { role: 'sdr', sub: sdr.id };
    const result = await this.api.call(who, 'POST', 'sdr-queue', '/v1/queue/next', undefined, { quiet: [409] });
    if (!result.ok || result.status === 204 || !result.body) return false;
    const lead = result.body;
    const person = this.world.byLeadId.get(lead.leadId) ?? personOf(lead);
    person.busy = true;
    const back = this.sqls.get(lead.leadId)?.rejected === true || lead.priority === true;
    const work = this.plan(lead, person, back);
    this.work.get(sdr.id).set(lead.leadId, work);
    this.stats.claimed += 1;
    const score = lead.scoreSnapshot?.total ?? lead.score;
    this.log.line(
      `→ ${sdr.id} took up ${this.world.label(person)} · tier ${lead.tier} · score ${Math.round(score)}` +
        `${back ? ' · back from sales' : ''} · ${lead.claimedFrom}`,
    );
    // Speed to lead: most SDRs call at once.
    if (this.random.chance(0.7)) await this.advance(sdr, work);
    return true;
  }

  /** What will happen to a lead an SDR takes up: its fate and how many touches it takes to get there. */
  plan(lead, person, backFromSales) {
    const { random } = this;
    const opening = ['qualify', 'qualify', 'qualify', 'recycle', 'disqualify'][this.stats.claimed];
    if (!backFromSales && opening) {
      return { leadId: lead.leadId, tier: lead.tier, person, fate: opening, planned: 1, touches: 0, nextAt: 0 };
    }
    const fate = backFromSales
      ? random.weighted([
          ['qualify', 1],
          ['recycle', 1],
        ])
      : random.weighted([
          ['qualify', lead.tier === 'A' ? 45 : lead.tier === 'B' ? 32 : 22],
          ['recycle', lead.tier === 'C' ? 34 : 24],
          ['disqualify', person.company ? 12 : 40],
          ['unresponsive', 12],
          ['abandon', 6],
        ]);
    const touches = { qualify: [1, 3], recycle: [1, 3], disqualify: [1, 2], unresponsive: [2, 4], abandon: [1, 1] };
    const [min, max] = touches[fate];
    return { leadId: lead.leadId, tier: lead.tier, person, fate, planned: random.int(min, max), touches: 0, nextAt: 0 };
  }

  async advance(sdr, work) {
    if (work.touches < work.planned) {
      await this.touch(sdr, work);
      return;
    }
    const mine = this.work.get(sdr.id);
    mine.delete(work.leadId);
    work.person.busy = false;
    if (work.fate === 'qualify') await this.qualify(sdr, work);
    else if (work.fate === 'recycle') await this.dispose(sdr, work, 'recycle', RECYCLE_REASONS);
    else if (work.fate === 'disqualify') await this.dispose(sdr, work, 'disqualify', DISQUALIFY_REASONS);
    else if (work.fate === 'unresponsive') await this.letGo(sdr, work);
  }

  async touch(sdr, work) {
    const { random } = this;
    const last = work.touches + 1 === work.planned;
    const reached = last && (work.fate === 'qualify' || work.fate === 'recycle' || work.fate === 'disqualify');
    const channel = random.weighted([
      ['call', 5],
      ['email', 4],
      ['social', 1],
      ['sms', 1],
    ]);
    let outcome;
    if (reached) {
      outcome =
        work.fate === 'qualify'
          ? random.pick(['meeting_booked', 'connected'])
          : channel === 'email'
            ? 'replied'
            : 'connected';
    } else if (channel === 'email') {
      outcome = random.weighted([
        ['no_answer', 6],
        ['bounced', work.fate === 'disqualify' ? 3 : 0.3],
      ]);
    } else {
      outcome = random.pick(['no_answer', 'voicemail']);
    }
    const result = await this.api.call(
      { role: 'sdr', sub: sdr.id },
      'POST',
      'sdr-queue',
      `/v1/leads/${work.leadId}/touches`,
      { channel, outcome, ...(outcome === 'meeting_booked' ? { notes: 'Discovery call booked' } : {}) },
      { quiet: [404, 409] },
    );
    if (!result.ok) {
      this.drop(sdr, work, result);
      return;
    }
    this.stats.touches += 1;
    work.touches += 1;
    work.nextAt = Date.now() + random.jitter(12_000 * this.tempo());
    if (outcome === 'meeting_booked')
      this.log.line(`☎ ${sdr.id} booked a meeting with ${this.world.label(work.person)}`);
    if (work.fate === 'abandon' && work.touches >= work.planned) {
      // Touched once and forgotten: the SLA monitor will send it back to nurture as stalled.
      this.work.get(sdr.id).delete(work.leadId);
      work.person.busy = false;
    }
  }

  /** The lead left the SDR (reassigned after a missed first touch, stalled, moved by a manager). */
  drop(sdr, work, result) {
    this.work.get(sdr.id).delete(work.leadId);
    work.person.busy = false;
    if (result.status === 409 || result.status === 404 || result.status === 403) {
      this.log.line(`· ${sdr.id} no longer holds ${this.world.label(work.person)}: ${result.error.message}`);
    }
  }

  async qualify(sdr, work) {
    const { random } = this;
    const evidence = {
      needConfirmed: true,
      need: random.pick(NEEDS),
      keyPerson: this.world.keyPersonFor(work.person),
      budget: random.pick(BUDGETS),
      timing: random.pick(TIMINGS),
    };
    const result = await this.api.call(
      { role: 'sdr', sub: sdr.id },
      'POST',
      'sdr-queue',
      `/v1/leads/${work.leadId}/qualify`,
      evidence,
    );
    if (!result.ok) return;
    this.stats.qualified += 1;
    const again = this.sqls.get(work.leadId)?.rejected === true;
    this.sqls.set(work.leadId, { person: work.person, sdr, firstSeen: undefined, rejected: false, again });
    this.log.line(
      `★ ${sdr.id} qualified ${this.world.label(work.person)} → SQL (key person ${evidence.keyPerson.name}, ` +
        `${evidence.keyPerson.buyingRole})`,
    );
  }

  async dispose(sdr, work, kind, reasons) {
    const [reason, , notes] = this.random.weighted(reasons.map((r) => [r, r[1]]));
    const body = { reason, notes };
    if (reason === 'timing') {
      body.reviveAt = new Date(Date.now() + this.random.int(30, 120) * 86_400_000).toISOString();
    }
    const result = await this.api.call(
      { role: 'sdr', sub: sdr.id },
      'POST',
      'sdr-queue',
      `/v1/leads/${work.leadId}/${kind}`,
      body,
    );
    if (!result.ok) return;
    this.sqls.delete(work.leadId);
    this.stats[kind === 'recycle' ? 'recycled' : 'disqualified'] += 1;
    const revive = body.reviveAt ? `, revive ${body.reviveAt.slice(0, 10)}` : '';
    this.log.line(
      `${kind === 'recycle' ? '♻' : '✕'} ${sdr.id} ${kind === 'recycle' ? 'recycled' : 'disqualified'} ` +
        `${this.world.label(work.person)}: ${reason}${revive}`,
    );
  }

  /**
   * Nobody answers. The follow-up rule (5 attempts over 10 business days) keeps an SDR from giving up, so
   * after a few attempts the SDR asks their manager, who lets the lead go with an override that is recorded.
   */
  async letGo(sdr, work) {
    const manager = { role: 'sdr_manager', sub: sdr.team.managerId };
    const kind = this.random.chance(0.6) ? 'recycle' : 'disqualify';
    const result = await this.api.call(manager, 'POST', 'sdr-queue', `/v1/leads/${work.leadId}/${kind}`, {
      reason: 'unresponsive',
      override: true,
      notes: `${work.touches} attempts without an answer; ${sdr.id} needs the capacity for hot leads`,
    });
    if (!result.ok) return;
    this.stats.overrides += 1;
    this.stats[kind === 'recycle' ? 'recycled' : 'disqualified'] += 1;
    this.log.line(
      `⚑ ${manager.sub} let ${this.world.label(work.person)} go as unresponsive after ${work.touches} attempts ` +
        `(override of the follow-up minimum, ${kind})`,
    );
  }

  // ── managers ─────────────────────────────────────────────────────────────────────────────────────────────

  /** A manager moves untaken leads off the SDR who has the most to one with room. */
  async managerStep() {
    for (const team of TEAMS) {
      const manager = { role: 'sdr_manager', sub: team.managerId };
      const got = await this.api.call(manager, 'GET', 'sdr-queue', `/v1/teams/${team.id}`);
      if (!got.ok) continue;
      const sdrs = got.body.sdrs ?? [];
      const untaken = (s) => s.openLeads - s.takenUp;
      const busiest = [...sdrs].sort((a, b) => untaken(b) - untaken(a))[0];
      // The manager knows who is still ramping up (finn) and does not hand them more.
      const lightest = [...sdrs]
        .filter((s) => s.active && s.id !== busiest?.id && (SDRS.find((d) => d.id === s.id)?.pace ?? 1) <= 2)
        .sort((a, b) => untaken(a) - untaken(b) || a.openLeads / a.capacity - b.openLeads / b.capacity)[0];
      if (!busiest || !lightest || untaken(busiest) < 3 || untaken(lightest) > 1) continue;
      if (lightest.openLeads + 2 > lightest.capacity) continue;
      const queue = await this.api.call(manager, 'GET', 'sdr-queue', `/v1/queue?sdrId=${busiest.id}`);
      if (!queue.ok) continue;
      const leadIds = (queue.body.items ?? [])
        .filter((i) => !i.claimedAt)
        .slice(0, 2)
        .map((i) => i.leadId);
      if (leadIds.length === 0) continue;
      const moved = await this.api.call(manager, 'POST', 'sdr-queue', '/v1/leads/reassign', {
        leadIds,
        toSdrId: lightest.id,
        reason: `${busiest.id} has ${untaken(busiest)} leads nobody has called yet`,
      });
      if (!moved.ok) continue;
      this.stats.reassigned += leadIds.length;
      this.log.line(
        `⇄ ${manager.sub} moved ${leadIds.length} of ${busiest.id}'s untaken leads to ${lightest.id} ` +
          `(${busiest.id} had ${untaken(busiest)} waiting)`,
      );
    }
  }

  // ── sales and the CRM ────────────────────────────────────────────────────────────────────────────────────

  /** Sales read the SQL inbox and answer each SQL after a while (some wait long enough to breach the SLA). */
  async salesStep() {
    const inbox = await this.api.call({ role: 'sales', sub: TEAMS[0].salesId }, 'GET', 'sdr-queue', '/v1/sqls');
    if (!inbox.ok) return;
    const items = inbox.body.items ?? [];
    this.stats.inbox = items.length;
    const now = Date.now();
    let answered = 0;
    // The newest SQL waits for the next pipeline review, so the inbox is rarely empty; one that has waited
    // past its acceptance SLA is answered anyway.
    for (const [index, item] of items.entries()) {
      let sql = this.sqls.get(item.leadId);
      if (!sql) {
        sql = { person: this.world.byLeadId.get(item.leadId) ?? personOf(item), sdr: undefined, rejected: false };
        this.sqls.set(item.leadId, sql);
      }
      if (sql.firstSeen === undefined) {
        sql.firstSeen = now;
        if (this.opening.answers < 3) {
          // Accept, reject, accept.
          sql.holdMs = this.random.int(4_000, 8_000);
          sql.accept = this.opening.answers !== 1;
          this.opening.answers += 1;
        } else {
          sql.holdMs =
            this.random.weighted([
              [this.random.int(10_000, 40_000), 70],
              [this.random.int(40_000, 120_000), 20],
              [this.random.int(200_000, 300_000), 10],
            ]) * this.tempo();
          sql.accept = this.random.chance(sql.again ? 0.85 : 0.75);
        }
      }
      const newest = index === items.length - 1 && now - sql.firstSeen < 240_000;
      if (now - sql.firstSeen < sql.holdMs || answered >= 2 || newest) continue;
      answered += 1;
      const team = TEAMS.find((t) => t.sdrs.some((s) => s.id === item.sdrId)) ?? TEAMS[0];
      await this.answer({ role: 'sales', sub: team.salesId }, item, sql);
    }
  }

  async answer(seller, item, sql) {
    const label = this.world.label(sql.person);
    if (sql.accept) {
      const result = await this.api.call(seller, 'POST', 'sdr-queue', `/v1/leads/${item.leadId}/accept`, undefined, {
        quiet: [404, 409],
      });
      if (!result.ok && result.status !== 409 && result.status !== 404) return;
      this.sqls.delete(item.leadId);
      if (!result.ok) return;
      this.stats.accepted += 1;
      this.log.line(`✓ ${seller.sub} (sales) accepted the SQL ${label} from ${item.sdrId}`);
      this.later(this.random.jitter(12_000 * this.tempo()), 'crm', () => this.openDeal(item.leadId, sql.person));
      return;
    }
    const [reason, , notes] = this.random.weighted(REJECT_REASONS.map((r) => [r, r[1]]));
    const result = await this.api.call(seller, 'POST', 'sdr-queue', `/v1/leads/${item.leadId}/reject`, {
      reason,
      notes,
    });
    if (!result.ok) {
      if (result.status === 409 || result.status === 404) this.sqls.delete(item.leadId);
      return;
    }
    this.stats.rejected += 1;
    // Back with the SDR, first in their queue; sales will look at it again if it comes back.
    this.sqls.set(item.leadId, { ...sql, firstSeen: undefined, rejected: true });
    this.log.line(`↩ ${seller.sub} (sales) rejected the SQL ${label}: ${reason} — back to ${item.sdrId}`);
  }

  async openDeal(leadId, person) {
    this.dealCount += 1;
    const dealId = `OPP-${this.startedAt.toString(36).toUpperCase()}-${this.dealCount}`;
    const size = person.company?.size ?? 50;
    const [min, max] = size >= 1000 ? [60_000, 180_000] : size >= 200 ? [20_000, 60_000] : [8_000, 20_000];
    const amount = Math.round(this.random.between(min, max) / 500) * 500;
    const opened = await this.api.call(CRM, 'POST', 'reporting', '/v1/deals', {
      dealId,
      stage: 'opportunity',
      amount,
      currency: 'USD',
      leadId,
    });
    if (!opened.ok) return;
    this.stats.opportunities += 1;
    this.log.line(`$ opportunity ${dealId} for ${this.world.label(person)}: ${money(amount)}`);
    const closeIn =
      this.opening.closes < 2 ? this.random.int(6_000, 10_000) : this.random.jitter(35_000 * this.tempo());
    this.later(closeIn, 'crm', () => this.closeDeal(dealId, person, amount));
  }

  async closeDeal(dealId, person, amount, { reopened = false } = {}) {
    const opening = reopened ? undefined : ['won', 'lost'][this.opening.closes++];
    const outcome =
      opening ??
      this.random.weighted([
        ['won', reopened ? 70 : 50],
        ['lost', reopened ? 30 : 38],
        ['open', reopened ? 0 : 12],
      ]);
    if (outcome === 'open') return;
    const closeDate = new Date().toISOString().slice(0, 10);
    const final = outcome === 'won' ? Math.round((amount * this.random.between(0.85, 1.1)) / 500) * 500 : amount;
    const result = await this.api.call(CRM, 'POST', 'reporting', '/v1/deals', {
      dealId,
      stage: outcome,
      amount: final,
      currency: 'USD',
      closeDate,
    });
    if (!result.ok) return;
    if (outcome === 'won') {
      this.stats.won += 1;
      this.stats.revenue += final;
      this.log.line(`🏆 won ${dealId} (${this.world.label(person)}): ${money(final)}`);
      return;
    }
    this.stats.lost += 1;
    this.log.line(`▽ lost ${dealId} (${this.world.label(person)})`);
    // Now and then a lost deal comes back: the funnel shows it as reopened.
    if (!reopened && (opening === 'lost' || this.random.chance(0.3))) {
      this.later(this.random.jitter(40_000 * this.tempo()), 'crm', () => this.reopenDeal(dealId, person, amount));
    }
  }

  async reopenDeal(dealId, person, amount) {
    const result = await this.api.call(CRM, 'POST', 'reporting', '/v1/deals', {
      dealId,
      stage: 'opportunity',
      amount,
      currency: 'USD',
    });
    if (!result.ok) return;
    this.stats.reopened += 1;
    this.log.line(`↺ ${dealId} reopened: ${this.world.label(person)} is back at the table`);
    this.later(this.random.jitter(40_000 * this.tempo()), 'crm', () =>
      this.closeDeal(dealId, person, amount, { reopened: true }),
    );
  }

  // ── summary ──────────────────────────────────────────────────────────────────────────────────────────────

  async summary() {
    const [teams, atRisk] = await Promise.all([
      this.api.call(LEADERSHIP, 'GET', 'sdr-queue', '/v1/teams'),
      this.api.call(LEADERSHIP, 'GET', 'sla-monitor', '/v1/sla/at-risk?limit=500'),
    ]);
    const queues = teams.ok
      ? teams.body.teams
          .flatMap((t) => t.sdrs)
          .map((s) => `${s.id} ${s.openLeads}${s.overdue ? `(${s.overdue}!)` : ''}`)
          .join(' ')
      : '?';
    const risk = atRisk.ok
      ? `${atRisk.body.items.length} (${atRisk.body.items.filter((t) => t.warnedAt).length} warned, ` +
        `${atRisk.body.items.filter((t) => t.overdue).length} overdue)`
      : '?';
    this.log.line(`── ${this.counts()}`);
    this.log.line(`── queues: ${queues} · SLAs at risk ${risk} · SQL inbox ${this.stats.inbox ?? '?'}`);
  }

  counts() {
    const s = this.stats;
    const elapsed = Math.round((Date.now() - this.startedAt) / 1000);
    return (
      `${Math.floor(elapsed / 60)}m${String(elapsed % 60).padStart(2, '0')}s · leads ${s.leads} · ` +
      `activities ${s.activities} (${s.bursts} bursts) · taken up ${s.claimed} · touches ${s.touches} · ` +
      `SQLs ${s.qualified} (accepted ${s.accepted}, rejected ${s.rejected}) · recycled ${s.recycled} · ` +
      `disqualified ${s.disqualified} (overrides ${s.overrides}) · moved ${s.reassigned} · ` +
      `deals ${s.opportunities} (won ${s.won} ${money(s.revenue)}, lost ${s.lost}, reopened ${s.reopened}) · ` +
      `errors ${s.errors}`
    );
  }
}

/** A lead the demo did not create (an earlier run, someone else): what the SDR sees of it. */
function personOf(lead) {
  const p = lead.profile ?? {};
  return {
    email: p.email ?? lead.leadId,
    firstName: p.firstName ?? p.email?.split('@')[0] ?? 'Someone',
    lastName: p.lastName ?? '',
    title: p.title ?? 'unknown title',
    buyingRole: p.buyingRole,
    company: p.company ? { name: p.company, size: p.companySize, people: [] } : null,
    leadId: lead.leadId,
  };
}

function money(n) {
  return `$${Math.round(n).toLocaleString('en-US')}`;
}
