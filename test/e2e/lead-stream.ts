import { expect } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { TOPIC_NAMES, dlqTopicOf } from '@handoff/contracts';
import type { Role } from '@handoff/contracts';
import { callApi, tokenFor, waitFor } from '@handoff/testkit';
import type { ServiceName } from './stack.js';

/** What the ledger needs of a stack: its addresses, its topic prefix and its broker (a Stack, or npm start's). */
export interface StackLike {
  readonly prefix: string;
  url(name: ServiceName): string;
  readonly infra: { kafkaBrokers: string[] };
}

/** Signs a token the stack's services accept. */
export type SignToken = (role: Role, sub: string) => Promise<string>;

/**
 * A stream of sales-ready leads through the public APIs, and the checks that
 * each had its effects exactly once: the fault tests' ledger.
 */
export class LeadStream {
  readonly leadIds: string[] = [];
  private tokens!: { service: string; manager: string; leadership: string };
  readonly startedAt = new Date(Date.now() - 1000).toISOString();

  constructor(
    private readonly stack: StackLike,
    private readonly sign: SignToken = tokenFor,
  ) {}

  /** Team emea (manager maya) with two SDRs who can take every lead of the test. */
  async setUp(): Promise<this> {
    this.tokens = {
      service: await this.sign('service', 'web-forms'),
      manager: await this.sign('sdr_manager', 'maya'),
      leadership: await this.sign('leadership', 'lee'),
    };
    const sdrQueue = this.stack.url('sdr-queue');
    const team = await callApi(`${sdrQueue}/v1/teams/emea`, {
      method: 'PUT',
      token: await this.sign('admin', 'root'),
      body: { name: 'EMEA', managerId: 'maya' },
    });
    expect(team.status).toBe(200);
    for (const sdr of ['ann', 'bob']) {
      const put = await callApi(`${sdrQueue}/v1/sdrs/${sdr}`, {
        method: 'PUT',
        token: this.tokens.manager,
        body: { name: sdr, team: 'emea', active: true, capacity: 5000 },
      });
      expect(put.status).toBe(200);
    }
    return this;
  }

  /** A lead fills a form and asks for a demo (a hand raise: sales-ready at once). Retries while no process answers. */
  async send(n: number): Promise<string> {
    const email = `lead-${n}-${this.stack.prefix.slice(0, -1) || 'main'}@acme.example`;
    const lead = await this.post<{ leadId: string }>('/v1/leads', {
      email,
      firstName: `Lead ${n}`,
      title: 'VP Engineering',
      company: 'Acme',
      companySize: 1200,
      source: 'web',
    });
    await this.post('/v1/activities', { email, type: 'demo_request', source: 'web' });
    this.leadIds.push(lead.leadId);
    return lead.leadId;
  }

  private async post<T>(path: string, body: unknown): Promise<T> {
    return waitFor(
      async () => {
        const response = await callApi<T>(`${this.stack.url('lead-scoring')}${path}`, {
          token: this.tokens.service,
          body,
        });
        expect(response.status).toBe(202);
        return response.body;
      },
      { what: `POST ${path} to be accepted`, timeoutMs: 30_000, intervalMs: 200 },
    );
  }

  /** Every lead in the team's queue (once), and every consumer group has caught up with its topics. */
  async settle(timeoutMs = 120_000): Promise<void> {
    await waitFor(
      async () => {
        const queue = await callApi<{ items: Array<{ leadId: string }> }>(
          `${this.stack.url('sdr-queue')}/v1/queue?team=emea`,
          { token: this.tokens.manager },
        );
        const queued = new Set(queue.body.items.map((i) => i.leadId));
        return this.leadIds.every((id) => queued.has(id));
      },
      { what: `all ${this.leadIds.length} leads in the team queue`, timeoutMs, intervalMs: 500 },
    );
    await waitFor(
      async () => {
        const mql = await this.funnelCount('mql');
        const timelines = await Promise.all(this.leadIds.map((id) => this.timelineTypes(id)));
        return mql >= this.leadIds.length && timelines.every((types) => types.includes('lead.assigned'));
      },
      { what: 'every lead assigned in reporting', timeoutMs, intervalMs: 500 },
    );
    await waitFor(async () => (await consumerLag(this.stack)) === 0, {
      what: 'every consumer group to catch up',
      timeoutMs,
      intervalMs: 500,
    });
  }

  /** After settle(): each lead became sales-ready once, was assigned once, and is in the queue and the funnel once. */
  async expectExactlyOnce(): Promise<void> {
    const queue = await callApi<{ items: Array<{ leadId: string }> }>(
      `${this.stack.url('sdr-queue')}/v1/queue?team=emea`,
      { token: this.tokens.manager },
    );
    const ours = queue.body.items.filter((i) => this.leadIds.includes(i.leadId));
    expect(ours).toHaveLength(this.leadIds.length);
    for (const id of this.leadIds) {
      const types = await this.timelineTypes(id);
      const count = (type: string) => types.filter((t) => t === type).length;
      expect({ id, salesReady: count('lead.sales-ready'), assigned: count('lead.assigned') }).toEqual({
        id,
        salesReady: 1,
        assigned: 1,
      });
    }
    expect(await this.funnelCount('mql')).toBe(this.leadIds.length);
    expect(await this.funnelCount('captured')).toBe(this.leadIds.length);
  }

  private async timelineTypes(leadId: string): Promise<string[]> {
    const timeline = await callApi<{ entries: Array<{ type: string }> }>(
      `${this.stack.url('reporting')}/v1/leads/${leadId}/timeline`,
      { token: this.tokens.leadership },
    );
    return timeline.status === 200 ? timeline.body.entries.map((e) => e.type) : [];
  }

  private async funnelCount(stage: string): Promise<number> {
    const report = await callApi<{ stages: Array<{ stage: string; leads: number }> }>(
      `${this.stack.url('reporting')}/v1/reports/funnel?from=${encodeURIComponent(this.startedAt)}`,
      { token: this.tokens.leadership },
    );
    return report.body.stages.find((s) => s.stage === stage)?.leads ?? 0;
  }
}

function admin(stack: StackLike) {
  return new Kafka({ clientId: 'ledger', brokers: stack.infra.kafkaBrokers, logLevel: logLevel.NOTHING }).admin();
}

/** Messages in the stack's dead-letter topics. */
export async function deadLetters(stack: StackLike): Promise<number> {
  const client = admin(stack);
  await client.connect();
  try {
    let total = 0;
    for (const name of TOPIC_NAMES) {
      const offsets = await client.fetchTopicOffsets(dlqTopicOf(`${stack.prefix}${name}`));
      total += offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
    }
    return total;
  } finally {
    await client.disconnect();
  }
}

/** Messages the stack's consumer groups have not committed yet, over the partitions each has committed on. */
export async function consumerLag(stack: StackLike): Promise<number> {
  const client = admin(stack);
  await client.connect();
  try {
    const topics = TOPIC_NAMES.map((name) => `${stack.prefix}${name}`);
    const ends = new Map<string, number>();
    for (const topic of topics) {
      for (const p of await client.fetchTopicOffsets(topic)) ends.set(`${topic}/${p.partition}`, Number(p.high));
    }
    let lag = 0;
    for (const service of ['lead-scoring', 'sdr-queue', 'sla-monitor', 'reporting']) {
      const committed = await client.fetchOffsets({ groupId: `${stack.prefix}${service}`, topics });
      for (const { topic, partitions } of committed) {
        for (const p of partitions) {
          if (Number(p.offset) < 0) continue; // a topic the group does not read, or no commit yet
          lag += (ends.get(`${topic}/${p.partition}`) ?? 0) - Number(p.offset);
        }
      }
    }
    return lag;
  } finally {
    await client.disconnect();
  }
}
