import { RuleSetDefinition, type RuleSet } from './rule-set.js';

const every = (id: string, type: string, points: number) => ({
  id,
  activityTypes: [type],
  points,
  repeat: { kind: 'every' as const },
});

/**
 * The rule set a fresh install scores with (version 1 of `default`): a
 * starting point marketing ops copy into a draft and tune.
 */
export const DEFAULT_RULE_SET: RuleSet = {
  id: 'default',
  version: 1,
  definition: RuleSetDefinition.parse({
    name: 'Default',
    description:
      'Fit from title, buying role and company size; engagement from common activity; MQL at 60 or a hand raise.',
    fit: {
      rules: [
        {
          id: 'fit.exec-title',
          when: {
            field: 'lead.title',
            op: 'matches',
            value: '\\b(chief|ceo|cto|cfo|coo|cmo|vp|vice president|head)\\b',
          },
          points: 25,
        },
        {
          id: 'fit.manager-title',
          when: { field: 'lead.title', op: 'matches', value: '\\b(director|manager|lead)\\b' },
          points: 15,
        },
        { id: 'fit.decision-maker', when: { field: 'lead.buyingRole', op: 'eq', value: 'decision_maker' }, points: 15 },
        { id: 'fit.mid-market', when: { field: 'lead.companySize', op: 'gte', value: 200 }, points: 10 },
        { id: 'fit.enterprise', when: { field: 'lead.companySize', op: 'gte', value: 1000 }, points: 10 },
      ],
      grades: { A: 40, B: 25, C: 10 },
    },
    engagement: {
      halfLifeDays: 30,
      rules: [
        every('engagement.page-view', 'page_view', 2),
        every('engagement.pricing-page', 'pricing_page_view', 10),
        every('engagement.content-download', 'content_download', 8),
        every('engagement.webinar', 'webinar_attended', 10),
        every('engagement.email-open', 'email_open', 1),
        every('engagement.email-click', 'email_click', 3),
        every('engagement.email-reply', 'email_reply', 15),
        every('engagement.form-submit', 'form_submit', 5),
        every('engagement.demo-request', 'demo_request', 30),
        every('engagement.contact-sales', 'contact_sales', 30),
        { id: 'engagement.unsubscribe', activityTypes: ['unsubscribe'], points: -20, repeat: { kind: 'once' } },
        { id: 'engagement.bounced', activityTypes: ['email_bounced'], points: -15, repeat: { kind: 'once' } },
        every('engagement.careers-page', 'careers_page_view', -5),
      ],
    },
    handRaises: ['demo_request', 'contact_sales'],
    mql: {
      any: [
        { field: 'handRaise', op: 'eq', value: true },
        { field: 'score.engagement', op: 'gte', value: 60 },
      ],
    },
    tiers: [
      { tier: 'A', when: { field: 'handRaise', op: 'eq', value: true } },
      {
        tier: 'B',
        when: {
          all: [
            { field: 'score.grade', op: 'gte', value: 'B' },
            { field: 'score.engagement', op: 'gte', value: 60 },
          ],
        },
      },
    ],
  }),
};
