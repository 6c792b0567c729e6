import {
  ServiceProcess,
  callApi,
  createTestTopics,
  deleteTestTopics,
  freePort,
  testInfra,
  uniqueName,
  waitFor,
} from '@handoff/testkit';
import type { TestInfra } from '@handoff/testkit';

export const SERVICES = ['lead-scoring', 'sdr-queue', 'sla-monitor', 'reporting'] as const;
export type ServiceName = (typeof SERVICES)[number];

export interface StackOptions {
  /** Processes per service (default 1): replicas share the work through their consumer group. */
  replicas?: Partial<Record<ServiceName, number>>;
  /** Another broker (or database) than the run's: a fault test's own. */
  infra?: TestInfra;
  /** Start the console too (default true). */
  console?: boolean;
}

/**
 * Every service as its own process on the run's infrastructure, isolated
 * from other stacks by a topic prefix and its own Postgres schemas.
 */
export class Stack {
  readonly services = new Map<ServiceName | 'console', ServiceProcess>();
  /** Every process of each service, the first one included. */
  readonly replicas = new Map<ServiceName, ServiceProcess[]>();
  readonly prefix = `${uniqueName('e2e')}.`;

  constructor(
    private readonly extraEnv: Partial<Record<ServiceName, Record<string, string>>> = {},
    private readonly options: StackOptions = {},
  ) {}

  get infra(): TestInfra {
    return this.options.infra ?? testInfra();
  }

  async start(): Promise<this> {
    const schemaPrefix = this.prefix.slice(0, -1).replace(/[^a-z0-9_]/g, '_');
    // As npm start does: the registry's topics exist before any service starts.
    await createTestTopics(this.prefix, { brokers: this.infra.kafkaBrokers });
    await Promise.all(
      SERVICES.map(async (name) => {
        const processes: ServiceProcess[] = [];
        for (let replica = 0; replica < (this.options.replicas?.[name] ?? 1); replica++) {
          processes.push(
            new ServiceProcess(
              name,
              await freePort(),
              {
                KAFKA_TOPIC_PREFIX: this.prefix,
                DB_SCHEMA: `${schemaPrefix}_${name.replace('-', '_')}`,
                BULLMQ_PREFIX: schemaPrefix,
                ...this.extraEnv[name],
              },
              this.infra,
            ),
          );
        }
        this.replicas.set(name, processes);
        this.services.set(name, processes[0]!);
        await Promise.all(processes.map((p) => p.start()));
      }),
    );
    if (this.options.console === false) return this;
    const console = new ServiceProcess(
      'console',
      await freePort(),
      {
        LEAD_SCORING_URL: this.url('lead-scoring'),
        SDR_QUEUE_URL: this.url('sdr-queue'),
        SLA_MONITOR_URL: this.url('sla-monitor'),
        REPORTING_URL: this.url('reporting'),
        LOCAL_SIGNIN: 'true',
      },
      this.infra,
    );
    this.services.set('console', console);
    await console.start();
    return this;
  }

  /** The address of a service: its first process that still runs. */
  url(name: ServiceName | 'console'): string {
    const running = name === 'console' ? undefined : this.replicas.get(name)?.find((p) => p.running);
    const service = running ?? this.services.get(name);
    if (!service) throw new Error(`${name} is not started`);
    return service.url;
  }

  /**
   * Waits until sla-monitor has heard from sdr-queue (team.changed) that this manager runs the team: until then
   * it refuses the manager that team's calendars, policies and timers, as it should.
   */
  async teamKnown(team: string, managerToken: string): Promise<void> {
    await waitFor(
      async () =>
        (await callApi(`${this.url('sla-monitor')}/v1/sla/at-risk?team=${team}`, { token: managerToken })).status ===
        200
          ? true
          : undefined,
      { what: `sla-monitor knows who runs team ${team}`, timeoutMs: 30_000 },
    );
  }

  /** Stops every service with SIGTERM; resolves with each one's exit code (of its first process). */
  async stop(): Promise<Record<string, number | null>> {
    const codes: Record<string, number | null> = {};
    const consoleProcess = this.services.get('console');
    if (consoleProcess) codes.console = await consoleProcess.stop();
    await Promise.all(
      SERVICES.map(async (name) => {
        const processes = this.replicas.get(name) ?? [];
        const exits = await Promise.all(processes.map((p) => p.stop()));
        if (processes.length > 0) codes[name] = exits[0] ?? null;
      }),
    );
    await deleteTestTopics(this.prefix, { brokers: this.infra.kafkaBrokers });
    return codes;
  }
}
