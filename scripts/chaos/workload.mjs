// The fault suite's stream, through the public APIs only, and its ledger: what must have happened to each lead.
//
// Each lead lives a life: created, a page view, and for most a demo request (a hand raise: sales-ready at once);
// the SDR it is routed to touches it one to three times and then qualifies, recycles or disqualifies it, or
// leaves it open; sales accept or reject what was qualified (a rejected lead goes back to its SDR, who recycles
// it); the CRM opens a deal for an accepted lead and sometimes wins it. A call that gets no answer (a process
// killed under it, a 5xx) is sent again to another process: creating leads and activities is idempotent by
// e-mail and activityId, touches by touchId, and a disposition repeated after an unknown outcome finds the lead
// already in its new state (409, or 404 once it is out of the caller's reach), which the ledger checks rather than trusts.
import { randomUUID } from 'node:crypto';

const { signToken } = await import('@handoff/http');

export const TEAM = 'chaos';
export const MANAGER = 'morgan';
export const SALES = 'sasha';
export const SDRS = ['ana', 'bo', 'cy', 'dee'];

/** What the ledger expects of one lead, built as its life is played. */
export class LeadRecord {
  constructor(n, email, handRaise) {
    this.n = n;
    this.email = email;
    this.handRaise = handRaise;
    this.leadId = undefined;
    this.sdrId = undefined;
    this.touches = 0;
    /** Dispositions acknowledged: 'qualified' | 'recycled' | 'disqualified', in order. */
    this.dispositions = [];
    /** Sales' answers acknowledged: 'accepted' | 'rejected'. */
    this.answers = [];
    /** Deal stages acknowledged. */
    this.deals = [];
    this.done = false;
    this.failed = undefined;
  }
}

export class Workload {
  constructor({ cluster, random, leads, concurrency, log }) {
    this.cluster = cluster;
    this.random = random;
    this.total = leads;
    this.concurrency = concurrency;
    this.log = log;
    /** @type {LeadRecord[]} */
    this.records = [];
    this.calls = { sent: 0, retried: 0, unanswered: 0 };
    this.startedAt = new Date(Date.now() - 1000).toISOString();
    this.tokens = new Map();
  }

  get launched() {
    return this.records.length;
  }

  async token(role, sub) {
    const key = `${role}:${sub}`;
    if (!this.tokens.has(key)) this.tokens.set(key, await signToken(this.cluster.jwtSecret, { role, sub }));
    return this.tokens.get(key);
  }

  /**
   * One call through the "load balancer" (a random live process of the service); sent again while no process
   * answers or one answers 5xx. Resolves with the first 2xx/4xx answer and whether an earlier try went unanswered.
   */
  async call(service, method, path, { role, sub, body, deadlineMs = 600_000 } = {}) {
    const token = await this.token(role, sub);
    const deadline = Date.now() + deadlineMs;
    let unknown = false;
    for (let attempt = 1; ; attempt++) {
      this.calls.sent += 1;
      if (attempt > 1) this.calls.retried += 1;
      let response;
      try {
        response = await fetch(`${this.cluster.url(service, this.random.next)}${path}`, {
          method,
          headers: {
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : JSON.stringify(body),
          signal: AbortSignal.timeout(20_000),
        });
      } catch {
        response = undefined;
      }
      if (response && response.status < 500) {
        const text = await response.text();
        return { status: response.status, body: text ? JSON.parse(text) : undefined, unknown };
      }
      // No answer, or a 5xx: the call may or may not have taken effect.
      if (method !== 'GET') unknown = true;
      this.calls.unanswered += 1;
      if (Date.now() > deadline) throw new Error(`${method} ${service} ${path}: no answer within ${deadlineMs} ms`);
      await sleep(Math.min(2000, 100 * 2 ** Math.min(attempt, 5)) * (0.5 + this.random.next()));
    }
  }

  async setUp() {
    const admin = { role: 'admin', sub: 'chaos-admin' };
    const manager = { role: 'sdr_manager', sub: MANAGER };
    expectStatus(
      await this.call('sdr-queue', 'PUT', `/v1/teams/${TEAM}`, {
        ...admin,
        body: { name: 'Chaos', managerId: MANAGER },
      }),
      200,
      'team',
    );
    for (const sdr of SDRS) {
      expectStatus(
        await this.call('sdr-queue', 'PUT', `/v1/sdrs/${sdr}`, {
          ...manager,
          body: { name: sdr, team: TEAM, active: true, capacity: 10_000, workingHours: null, outOfOffice: [] },
        }),
        200,
        `SDR ${sdr}`,
      );
    }
    // sla-monitor learns who runs the team from sdr-queue (team.changed); until then it refuses the team's settings.
    const deadline = Date.now() + 60_000;
    while ((await this.call('sla-monitor', 'GET', `/v1/sla/at-risk?team=${TEAM}`, manager)).status !== 200) {
      if (Date.now() > deadline) throw new Error(`sla-monitor has not heard that ${MANAGER} runs ${TEAM}`);
      await sleep(200);
    }
    // Around the clock, and allowances no run comes near: no SLA breaches or reassignments in a run, so each
    // lead's timers are exactly the ledger's (one first-touch clock per assignment, one acceptance clock per SQL).
    const week = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
    expectStatus(
      await this.call('sla-monitor', 'PUT', '/v1/calendars/chaos-24x7', {
        ...manager,
        body: {
          name: 'Chaos, around the clock',
          timezone: 'UTC',
          hours: Object.fromEntries(week.map((d) => [d, [{ start: '00:00', end: '24:00' }]])),
          holidays: [],
          appliesTo: { team: TEAM },
        },
      }),
      200,
      'calendar',
    );
    expectStatus(
      await this.call('sla-monitor', 'PUT', '/v1/sla-policies/chaos', {
        ...manager,
        body: {
          match: { team: TEAM },
          firstTouchMinutes: 50_000,
          followUp: { attempts: 50, businessDays: 60 },
          stalledBusinessDays: 60,
          salesAcceptanceBusinessDays: 30,
          warnAtFraction: 0.95,
        },
      }),
      200,
      'SLA policy',
    );
  }

  /** Plays every lead's life, at most `concurrency` at once; resolves when all have ended. */
  async run() {
    let next = 0;
    const worker = async () => {
      while (next < this.total) {
        const n = next++;
        const record = new LeadRecord(n, `chaos-${n}@lead-${n % 97}.example`, this.random.chance(0.85));
        this.records.push(record);
        try {
          await this.life(record);
        } catch (err) {
          record.failed = err.message;
          this.log(`[chaos] lead ${n}: ${err.message}`);
        }
        record.done = true;
      }
    };
    await Promise.all(Array.from({ length: this.concurrency }, worker));
  }

  async life(record) {
    const { random } = this;
    const ingest = { role: 'service', sub: 'web-forms' };
    const created = await this.call('lead-scoring', 'POST', '/v1/leads', {
      ...ingest,
      body: {
        email: record.email,
        firstName: `Lead ${record.n}`,
        title: 'VP Sales',
        company: 'Acme',
        companySize: 900,
        source: 'web',
      },
    });
    expectStatus(created, 202, 'lead');
    record.leadId = created.body.leadId;
    const activities = [{ activityId: randomUUID(), email: record.email, type: 'page_view', source: 'web' }];
    if (record.handRaise)
      activities.push({ activityId: randomUUID(), email: record.email, type: 'demo_request', source: 'web' });
    expectStatus(
      await this.call('lead-scoring', 'POST', '/v1/activities', { ...ingest, body: activities }),
      202,
      'activities',
    );
    if (!record.handRaise) return;

    record.sdrId = await this.assignedSdr(record);
    const sdr = { role: 'sdr', sub: record.sdrId };
    for (let i = random.int(1, 3); i > 0; i--) {
      const touched = await this.call('sdr-queue', 'POST', `/v1/leads/${record.leadId}/touches`, {
        ...sdr,
        body: { touchId: randomUUID(), channel: random.pick(['call', 'email']), outcome: 'no_answer' },
      });
      expectStatus(touched, [200, 201], 'touch');
      record.touches += 1;
    }
    const fate = random.weighted([
      ['qualify', 50],
      ['recycle', 20],
      ['disqualify', 15],
      ['open', 15],
    ]);
    if (fate === 'open') return;
    if (fate === 'recycle') return this.dispose(record, 'recycle', { reason: 'timing', notes: 'later' });
    if (fate === 'disqualify') return this.dispose(record, 'disqualify', { reason: 'no_need', notes: 'no project' });
    await this.dispose(record, 'qualify', {
      needConfirmed: true,
      need: 'Leads wait days for a call back',
      keyPerson: { name: 'Pat Buyer', title: 'VP Sales', buyingRole: 'decision_maker' },
      budget: 'Approved',
      timing: 'This quarter',
    });
    const seller = { role: 'sales', sub: SALES };
    if (random.chance(0.3)) {
      await this.answer(record, 'reject', { ...seller, body: { reason: 'timing', notes: 'too early' } });
      // Back with the SDR, who sends it to nurture.
      await this.dispose(record, 'recycle', { reason: 'timing', notes: 'after sales' });
      return;
    }
    await this.answer(record, 'accept', seller);
    const dealId = `CHAOS-${record.n}`;
    const crm = { role: 'service', sub: 'crm-sync' };
    const amount = 10_000 + record.n;
    expectStatus(
      await this.untilReportingKnows(() =>
        this.call('reporting', 'POST', '/v1/deals', {
          ...crm,
          body: { dealId, stage: 'opportunity', amount, currency: 'USD', leadId: record.leadId },
        }),
      ),
      202,
      'deal',
    );
    record.deals.push('opportunity');
    if (random.chance(0.5)) {
      expectStatus(
        await this.call('reporting', 'POST', '/v1/deals', {
          ...crm,
          body: { dealId, stage: 'won', amount, currency: 'USD', closeDate: new Date().toISOString().slice(0, 10) },
        }),
        202,
        'deal won',
      );
      record.deals.push('won');
    }
  }

  /**
   * Sends a deal again while reporting answers that it has no such lead yet (422 unknown_lead), as a CRM sync
   * retries: reporting hears of a lead over Kafka, and a frozen or killed replica can hold its partition back.
   */
  async untilReportingKnows(send) {
    const deadline = Date.now() + 600_000;
    for (;;) {
      const result = await send();
      if (result.status !== 422 || result.body?.error?.code !== 'unknown_lead' || Date.now() > deadline) return result;
      await sleep(1_000);
    }
  }

  /** Waits until sdr-queue has routed the lead; its SDR. */
  async assignedSdr(record) {
    const deadline = Date.now() + 900_000;
    for (;;) {
      const lead = await this.call('sdr-queue', 'GET', `/v1/leads/${record.leadId}`, {
        role: 'sdr_manager',
        sub: MANAGER,
      });
      if (lead.status === 200 && lead.body.status === 'assigned' && lead.body.sdrId) return lead.body.sdrId;
      if (Date.now() > deadline) throw new Error(`lead ${record.leadId} was not assigned within 15 minutes`);
      await sleep(300 + this.random.int(0, 400));
    }
  }

  /**
   * A disposition; a 409 (or 404: a lead out of the caller's reach now, such as an SQL sent back to its SDR)
   * after an unanswered try is accepted if the lead is in the state it asked for.
   */
  async dispose(record, kind, body) {
    const state = { qualify: 'qualified', recycle: 'recycled', disqualify: 'disqualified' }[kind];
    const result = await this.call('sdr-queue', 'POST', `/v1/leads/${record.leadId}/${kind}`, {
      role: 'sdr',
      sub: record.sdrId,
      body,
    });
    if ((result.status === 409 || result.status === 404) && result.unknown && (await this.statusOf(record)) === state) {
      record.dispositions.push(state);
      return;
    }
    expectStatus(result, [200, 201], kind);
    record.dispositions.push(state);
  }

  async answer(record, kind, { role, sub, body }) {
    const state = kind === 'accept' ? 'accepted' : 'assigned';
    const result = await this.call('sdr-queue', 'POST', `/v1/leads/${record.leadId}/${kind}`, { role, sub, body });
    if ((result.status === 409 || result.status === 404) && result.unknown && (await this.statusOf(record)) === state) {
      record.answers.push(kind === 'accept' ? 'accepted' : 'rejected');
      return;
    }
    expectStatus(result, [200, 201], kind);
    record.answers.push(kind === 'accept' ? 'accepted' : 'rejected');
  }

  async statusOf(record) {
    const lead = await this.call('sdr-queue', 'GET', `/v1/leads/${record.leadId}`, {
      role: 'sdr_manager',
      sub: MANAGER,
    });
    return lead.body?.status;
  }
}

function expectStatus(result, expected, what) {
  const ok = Array.isArray(expected) ? expected.includes(result.status) : result.status === expected;
  if (!ok) throw new Error(`${what}: ${result.status} ${JSON.stringify(result.body)?.slice(0, 300)}`);
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
