import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { leadIdFromEmail } from '@handoff/contracts';
import { callApi, tokenFor, waitFor } from '@handoff/testkit';
import { launchBrowser, newPage as openPage, screenshot, signIn, unlabelledControls } from './browser.js';
import { Stack } from './stack.js';

/**
 * Each role's main path through the console, in headless Chromium, against
 * every service as its own process. Screenshots land in test-results/console.
 */
describe('the console in a browser, one role at a time', () => {
  const stack = new Stack();
  let browser: Browser;
  let tokens: Record<'service' | 'manager' | 'ann' | 'leadership' | 'mo', string>;

  beforeAll(async () => {
    [browser] = await Promise.all([launchBrowser(), stack.start()]);
    tokens = {
      service: await tokenFor('service', 'web-forms'),
      manager: await tokenFor('sdr_manager', 'maya'),
      ann: await tokenFor('sdr', 'ann'),
      leadership: await tokenFor('leadership', 'lee'),
      mo: await tokenFor('marketing_ops', 'mo'),
    };
    const admin = await tokenFor('admin', 'root');
    expect((await put('sdr-queue', '/v1/teams/emea', admin, { name: 'EMEA', managerId: 'maya' })).status).toBe(200);
    await stack.teamKnown('emea', tokens.manager);
    const always = Object.fromEntries(
      ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [{ start: '00:00', end: '24:00' }]]),
    );
    const calendar = { timezone: 'UTC', hours: always, appliesTo: { team: 'emea' } };
    expect((await put('sla-monitor', '/v1/calendars/always', tokens.manager, calendar)).status).toBe(200);
    const policy = { match: { tier: 'A' }, firstTouchMinutes: 45 };
    expect((await put('sla-monitor', '/v1/sla-policies/tier-a', admin, policy)).status).toBe(200);
    for (const [id, name] of [
      ['ann', 'Ann Example'],
      ['ben', 'Ben Example'],
    ]) {
      const sdr = { name, team: 'emea', active: true, capacity: 20 };
      expect((await put('sdr-queue', `/v1/sdrs/${id}`, tokens.manager, sdr)).status).toBe(200);
    }
    // Ben is away until the manager's bulk reassign: every new lead goes to Ann.
    const away = { name: 'Ben Example', team: 'emea', active: false, capacity: 20 };
    expect((await put('sdr-queue', '/v1/sdrs/ben', tokens.manager, away)).status).toBe(200);
  });

  /** The pages a test opened, to show where it stood if it fails. */
  let pages: Page[] = [];
  async function newPage(...args: Parameters<typeof openPage>) {
    const page = await openPage(...args);
    pages.push(page);
    return page;
  }

  afterEach(async ({ task }) => {
    if (task.result?.state === 'fail') {
      const name = task.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60);
      await Promise.all(pages.map((p, i) => screenshot(p, `failed-${name}-${i}`).catch(() => undefined)));
    }
    await Promise.all(pages.map((p) => p.context().close()));
    pages = [];
  });

  afterAll(async () => {
    await browser?.close();
    await stack.stop();
  });

  function put(service: 'sdr-queue' | 'sla-monitor', path: string, token: string, body: unknown) {
    return callApi(`${stack.url(service)}${path}`, { method: 'PUT', token, body });
  }

  /** A demo request: the lead is sales-ready at once (a hand raise) and routed within the team (to Ann while Ben is away). */
  async function sendDemoRequest(firstName: string): Promise<string> {
    const email = `${firstName.toLowerCase()}@acme.example`;
    const lead = await callApi<{ leadId: string }>(`${stack.url('lead-scoring')}/v1/leads`, {
      token: tokens.service,
      body: { email, firstName, title: 'VP Engineering', company: 'Acme', companySize: 1200, source: 'web' },
    });
    expect(lead.status).toBe(202);
    // The form fill is scored before the activity, as on a real site (the two travel on different topics).
    await waitFor(
      async () => {
        const known = await callApi<{ profile: { firstName?: string } }>(
          `${stack.url('lead-scoring')}/v1/leads/${lead.body.leadId}`,
          { token: tokens.mo },
        );
        return known.body.profile?.firstName === firstName || undefined;
      },
      { what: `${firstName}'s profile in lead scoring` },
    );
    const activities = await callApi(`${stack.url('lead-scoring')}/v1/activities`, {
      token: tokens.service,
      body: [
        { email, type: 'pricing_page_view', source: 'web' },
        { email, type: 'demo_request', source: 'web', campaign: 'spring-launch' },
      ],
    });
    expect(activities.status).toBe(202);
    await waitFor(
      async () => {
        const queue = await callApi<{ items: Array<{ leadId: string }> }>(
          `${stack.url('sdr-queue')}/v1/queue?team=emea`,
          { token: tokens.manager },
        );
        return queue.body.items.some((i) => i.leadId === lead.body.leadId) || undefined;
      },
      { what: `${firstName} in the team’s queue`, timeoutMs: 30_000 },
    );
    return lead.body.leadId;
  }

  async function statusOf(leadId: string) {
    const lead = await callApi<{ status: string; sdrId: string | null }>(
      `${stack.url('sdr-queue')}/v1/leads/${leadId}`,
      { token: tokens.manager },
    );
    return lead.body;
  }

  it('marketing ops edits a draft (a bad value is named at its field), backtests it and publishes it', async () => {
    const page = await newPage(browser, stack.url('console'));
    await signIn(page, 'marketing_ops', 'mo');
    await page.getByRole('link', { name: 'Scoring rules' }).click();
    await page.getByRole('button', { name: 'New draft from the active version' }).click();
    await page.getByRole('heading', { name: /· draft$/ }).waitFor();
    const draftId = page.url().split('/rules/')[1]!;

    const gradeA = page.getByLabel('Grade A', { exact: true });
    const original = await gradeA.inputValue();
    await gradeA.fill('-5');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText('grade cut-offs must satisfy A ≥ B ≥ C').waitFor();
    expect(await gradeA.getAttribute('aria-invalid')).toBe('true');
    await screenshot(page, 'marketing-ops-rule-set-invalid');

    await gradeA.fill(original);
    const points = page.getByLabel('Points', { exact: true }).first();
    await points.fill(String(Number(await points.inputValue()) + 5));
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByText('Draft saved.').waitFor();
    const saved = await callApi<{ definition: { fit: { rules: Array<{ points: number }> } } }>(
      `${stack.url('lead-scoring')}/v1/rule-sets/${draftId}`,
      { token: tokens.mo },
    );
    expect(saved.body.definition.fit.rules[0]!.points).toBe(Number(await points.inputValue()));

    await page.getByRole('button', { name: 'Run backtest' }).click();
    await page.getByRole('heading', { name: /^Leads that change/ }).waitFor({ timeout: 30_000 });
    expect(await page.getByRole('row', { name: /^MQLs/ }).count()).toBe(1);
    await screenshot(page, 'marketing-ops-backtest');

    await page.getByRole('button', { name: 'Publish this draft…' }).click();
    await page.getByRole('button', { name: /^Yes, publish v\d+$/ }).click();
    await page.getByText('is the active version').waitFor();
    const list = await callApi<{ ruleSets: Array<{ id: string; active: boolean }> }>(
      `${stack.url('lead-scoring')}/v1/rule-sets`,
      { token: tokens.mo },
    );
    expect(list.body.ruleSets.find((r) => r.active)?.id).toBe(draftId);
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'marketing-ops-published');
    expect(page.errors).toEqual([]);
  });

  it('an SDR sees the lead with its SLA countdown, claims it, logs a touch and qualifies it', async () => {
    const leadId = await sendDemoRequest('Dana');
    const page = await newPage(browser, stack.url('console'));
    await signIn(page, 'sdr', 'ann');
    await page.getByRole('heading', { name: 'My queue (ann)' }).waitFor();
    const row = page.getByRole('row', { name: /Dana/ });
    await row.getByText(/^First touch: (\d+h )?\d+m \d\ds? left$/).waitFor();
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'sdr-queue');

    await page.getByRole('button', { name: 'Claim next lead' }).click();
    await page.waitForURL(`**/queue/${leadId}`);
    await page.getByText('attempts 0 of 5', { exact: true }).waitFor();
    await page.getByRole('heading', { name: 'Score explanation' }).waitFor();
    await page.getByRole('row', { name: /demo/i }).first().waitFor();

    await page.getByLabel('Channel').selectOption('call');
    await page.getByLabel('Outcome').selectOption('connected');
    await page.getByLabel('Notes').fill('Spoke with Dana: evaluating this quarter.');
    await page.getByRole('button', { name: 'Log touch' }).click();
    await page.getByText('Touch logged.').waitFor();
    await page.getByRole('heading', { name: 'Touches (1)' }).waitFor();
    await page.getByText('attempts 1 of 5', { exact: true }).waitFor();
    await screenshot(page, 'sdr-lead');

    // The action tabs work from the keyboard: arrows move between them.
    await page.getByRole('tab', { name: 'Log a touch' }).focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('tab', { name: 'Qualify', exact: true }).getAttribute('aria-selected')).toBe('true');
    await page.getByLabel('The buyer confirmed the need').check();
    await page.getByLabel('Need, in the buyer’s words').fill('Their SDR team misses first-touch SLAs.');
    await page.getByLabel('Key person’s buying role').selectOption('decision_maker');
    await page.getByLabel('Budget').fill('$60k approved for this year');
    await page.getByLabel('Timing').fill('Decision by end of quarter');
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'sdr-qualify');
    // Keyboard: Enter in the last field submits the evidence.
    await page.getByLabel('Timing').press('Enter');
    await page.waitForURL('**/queue');
    await page.getByText('Qualified: the lead is in the sales inbox.').waitFor();
    await waitFor(async () => ((await statusOf(leadId)).status === 'qualified' ? true : undefined), {
      what: 'the lead qualified',
    });
    await page.getByText('Your queue is empty.').waitFor();
    expect(page.errors).toEqual([]);
  });

  it('sales sees the SQL with the SDR’s evidence and accepts it', async () => {
    const leadId = leadIdFromEmail('dana@acme.example');
    const page = await newPage(browser, stack.url('console'));
    await signIn(page, 'sales', 'sam');
    const card = page.getByRole('listitem', { name: 'SQL Dana' });
    await card.getByText('Their SDR team misses first-touch SLAs.').waitFor({ timeout: 30_000 });
    await card.getByText('(Decision maker)').waitFor();
    await screenshot(page, 'sales-inbox');
    await card.getByRole('button', { name: 'Accept Dana' }).click();
    await page.getByText('Accepted Dana.').waitFor();
    expect((await statusOf(leadId)).status).toBe('accepted');
    await page.getByText('No SQLs are waiting for you.').waitFor();
    expect(page.errors).toEqual([]);
  });

  it('an SDR manager sees load and the at-risk list, and moves a lead to another SDR', async () => {
    const leadId = await sendDemoRequest('Erin');
    const page = await newPage(browser, stack.url('console'));
    await signIn(page, 'sdr_manager', 'maya');
    await page.getByRole('heading', { name: 'Team load' }).waitFor();
    const ben = page.getByRole('row', { name: /Ben Example/ });
    await ben.getByText('away').waitFor();
    await ben.getByRole('checkbox').click();
    await ben.getByText('taking leads').waitFor();
    await page
      .getByRole('region', { name: 'At risk: least SLA time left' })
      .getByRole('row', { name: /Erin/ })
      .waitFor({ timeout: 30_000 });
    await screenshot(page, 'manager-team');

    await page.getByRole('checkbox', { name: 'Select Erin' }).check();
    await page.getByLabel(/Reassign 1 selected to/).selectOption('ben');
    await page.getByRole('button', { name: 'Reassign' }).click();
    await page.getByText('Moved 1 lead to ben.').waitFor();
    expect((await statusOf(leadId)).sdrId).toBe('ben');
    expect(await unlabelledControls(page)).toEqual([]);

    // Letting a lead go as unresponsive before the follow-up minimum takes the manager's recorded override.
    await page.getByRole('link', { name: 'Erin' }).first().click();
    await page.waitForURL(`**/team/leads/${leadId}`);
    await page.getByRole('tab', { name: 'Disqualify' }).click();
    await page.getByLabel('Reason').selectOption('unresponsive');
    await page.getByText(/Unresponsive needs 5 attempts over 10 business days/).waitFor();
    expect(await page.getByRole('button', { name: 'Disqualify' }).isDisabled()).toBe(true);
    await page.getByLabel('Override the follow-up minimum (recorded)').check();
    await page.getByRole('button', { name: 'Disqualify' }).click();
    await page.waitForURL('**/team');
    await page.getByText('Disqualified.').waitFor();
    expect((await statusOf(leadId)).status).toBe('disqualified');

    // The routing rules decide for every team: an admin (RevOps) sets which leads each rule catches; a manager
    // where within their teams a rule of theirs sends its leads and how it spreads them.
    const root = await tokenFor('admin', 'root');
    const policy = {
      rules: [{ id: 'emea-partners', when: { sources: ['partner-portal'] }, to: { team: 'emea' } }],
    };
    expect((await put('sdr-queue', '/v1/routing', root, policy)).status).toBe(200);
    await page.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Routing' }).click();
    await page.getByText(/so an admin \(RevOps\) changes which leads each rule catches/).waitFor();
    const stickiness = page.getByLabel('Keep an account’s leads with the SDR who has the account');
    expect(await stickiness.isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Save routing (new version)' }).count()).toBe(0);
    await page.getByLabel('Spread emea-partners by').selectOption('least_loaded');
    await page.getByLabel('Send emea-partners to').selectOption('sdr:ann');
    await page.getByRole('button', { name: 'Save rule emea-partners' }).click();
    await page.getByText('Saved rule emea-partners').waitFor();
    const routing = await callApi<{ policy: { rules: Array<{ id: string; to: unknown; strategy: string }> } }>(
      `${stack.url('sdr-queue')}/v1/routing`,
      { token: tokens.manager },
    );
    expect(routing.body.policy.rules).toEqual([
      expect.objectContaining({ id: 'emea-partners', to: { sdrId: 'ann' }, strategy: 'least_loaded' }),
    ]);
    expect(page.errors).toEqual([]);

    const admin = await newPage(browser, stack.url('console'));
    await signIn(admin, 'admin', 'root');
    await admin.getByRole('navigation', { name: 'Screens' }).getByRole('link', { name: 'Routing' }).click();
    await admin.getByRole('button', { name: 'Save routing (new version)' }).waitFor();
    expect(await admin.getByLabel('Keep an account’s leads with the SDR who has the account').isDisabled()).toBe(false);
    expect(admin.errors).toEqual([]);
  });

  it('leadership sees the funnel of a cohort, per-currency revenue, and the funnel changes as a new lead arrives', async () => {
    // The CRM reports two wins for Dana: one in euros, one without a currency (the organisation's, USD).
    const crm = await tokenFor('service', 'crm');
    for (const deal of [
      { dealId: 'dana-eu', stage: 'won', amount: 5000, currency: 'EUR' },
      { dealId: 'dana-us', stage: 'won', amount: 7000 },
    ]) {
      const sent = await callApi(`${stack.url('reporting')}/v1/deals`, {
        token: crm,
        body: { ...deal, email: 'dana@acme.example' },
      });
      expect(sent.status).toBe(202);
    }
    const page = await newPage(browser, stack.url('console'));
    await signIn(page, 'leadership', 'lee');
    const cell = (stage: string) => page.locator(`#funnel-table tr[data-stage="${stage}"] td`).first();
    await cell('captured').waitFor({ timeout: 30_000 });
    await waitFor(async () => ((await cell('sql').innerText()) === '1' ? true : undefined), {
      what: 'the SQL in the funnel',
      timeoutMs: 30_000,
    });
    // The screen says which funnel it shows, and no rate read on it exceeds 100 %.
    await page.getByText(/^Cohort: leads first seen in this window, followed to today\./).waitFor();
    const rates = await page.locator('#funnel-table td[data-rate="from-previous"]').allInnerTexts();
    expect(rates).toHaveLength(6);
    for (const rate of rates.filter((r) => r !== '—')) expect(parseFloat(rate)).toBeLessThanOrEqual(100);
    // Dana's wins side by side, never added up into one figure.
    const web = page.locator('#attribution-table tr[data-source="web"]');
    await web.getByText('€5,000 · $7,000').first().waitFor({ timeout: 30_000 });
    expect(await page.getByText('$12,000').count()).toBe(0);
    const captured = Number(await cell('captured').innerText());
    await screenshot(page, 'leadership-reports');

    await sendDemoRequest('Fay');
    await waitFor(
      async () => {
        await page.reload();
        await cell('captured').waitFor();
        return Number(await cell('captured').innerText()) === captured + 1 || undefined;
      },
      { what: 'one more captured lead in the funnel', timeoutMs: 30_000, intervalMs: 1000 },
    );
    await page.getByText('No revenue target is set').waitFor();
    await page.getByLabel(/Revenue target for/).fill('500000');
    await page.getByRole('button', { name: 'Set target' }).click();
    await page.getByRole('row', { name: /^Revenue/ }).waitFor();
    // The target is in USD: the euro win is listed apart, not counted toward it.
    await page.getByText('Won in other currencies, not counted toward the USD target: €5,000').waitFor();
    expect(await page.getByRole('row', { name: /^Revenue/ }).innerText()).toContain('$7,000');
    expect(await unlabelledControls(page)).toEqual([]);
    await screenshot(page, 'leadership-plan-vs-actual');
    expect(page.errors).toEqual([]);
  });

  it('the timeline shows the caller who sent each deal, the lead and its activities, not the service that relayed them', async () => {
    const dana = leadIdFromEmail('dana@acme.example');
    const timeline = await waitFor(
      async () => {
        const { body } = await callApi<{ entries: Array<{ type: string; actor: string }> }>(
          `${stack.url('reporting')}/v1/leads/${dana}/timeline`,
          { token: tokens.mo },
        );
        return body.entries.filter((e) => e.type === 'deal.updated').length === 2 ? body.entries : undefined;
      },
      { what: 'Dana’s deals in her timeline' },
    );
    const actors = (type: string) => [...new Set(timeline.filter((e) => e.type === type).map((e) => e.actor))];
    expect(actors('deal.updated')).toEqual(['crm']);
    // The form's connection sent the lead and its activities (lead-scoring keeps the caller as their actor).
    expect(actors('lead.upserted')).toEqual(['web-forms']);
    expect(actors('lead.activity')).toEqual(['web-forms']);
  });

  it('marketing ops looks a lead up by e-mail: its score explained and its timeline', async () => {
    const page = await newPage(browser, stack.url('console'));
    await signIn(page, 'marketing_ops', 'mo');
    await page.getByRole('link', { name: 'Lead lookup' }).click();
    await page.getByLabel('E-mail or lead id').fill('dana@acme.example');
    await page.getByLabel('E-mail or lead id').press('Enter');
    await page.waitForURL(`**/leads/${leadIdFromEmail('dana@acme.example')}`);
    const timeline = page.getByRole('region', { name: 'Timeline' });
    await timeline.getByText('Qualified', { exact: true }).waitFor({ timeout: 30_000 });
    await timeline.getByText('Accepted', { exact: true }).waitFor({ timeout: 30_000 });
    await page.getByRole('region', { name: 'Score explanation' }).getByRole('row', { name: /demo/i }).first().waitFor();
    await screenshot(page, 'marketing-ops-lead');

    // An SDR may not read another SDR's lead: the API's refusal (the answer for a lead that does not exist) is shown in words.
    const sdrPage = await newPage(browser, stack.url('console'));
    await signIn(sdrPage, 'sdr', 'ben');
    await sdrPage.goto(`/queue/${leadIdFromEmail('dana@acme.example')}`);
    await sdrPage.getByText(/Could not load the lead: lead [0-9a-f-]+ is not among those you can see/).waitFor();
    // The same holds for the score and the account, which the console reads for SDRs only after sdr-queue agrees.
    const dana = leadIdFromEmail('dana@acme.example');
    const asSdr = async (sdr: string, what: string) =>
      (
        await callApi(`${stack.url('console')}/api/console/v1/leads/${dana}/${what}`, {
          token: await tokenFor('sdr', sdr),
        })
      ).status;
    expect(await asSdr('ben', 'score')).toBe(404);
    expect(await asSdr('ben', 'account')).toBe(404);
    expect(await asSdr('ann', 'score')).toBe(200);
    expect(await asSdr('ann', 'account')).toBe(200);
    // Ann sees the buying committee at Acme, but the contact details of her own lead only.
    const account = await callApi<{ leads: Array<{ leadId: string | null; email: string | null; title: string }> }>(
      `${stack.url('console')}/api/console/v1/leads/${dana}/account`,
      { token: await tokenFor('sdr', 'ann') },
    );
    expect(account.body.leads.length).toBeGreaterThanOrEqual(3);
    expect(account.body.leads.filter((l) => l.email !== null).map((l) => l.email)).toEqual(['dana@acme.example']);
    expect(account.body.leads.every((l) => l.title === 'VP Engineering')).toBe(true);
    expect(page.errors).toEqual([]);
  });
});
