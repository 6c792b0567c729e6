import { ServiceProcess, createTestTopics, deleteTestTopics, freePort, testInfra, uniqueName } from '@handoff/testkit';

export const SERVICES = ['lead-scoring', 'sdr-queue', 'sla-monitor', 'reporting'] as const;
export type ServiceName = (typeof SERVICES)[number];

/**
 * Every service as its own process on the run's infrastructure, isolated
 * from other stacks by a topic prefix and its own Postgres schemas.
 */
export class Stack {
  readonly services = new Map<ServiceName | 'console', ServiceProcess>();
  readonly prefix = `${uniqueName('e2e')}.`;

  constructor(private readonly extraEnv: Partial<Record<ServiceName, Record<string, string>>> = {}) {}

  async start(): Promise<this> {
    const schemaPrefix = this.prefix.slice(0, -1).replace(/[^a-z0-9_]/g, '_');
    // As npm start does: the registry's topics exist before any service starts.
    await createTestTopics(this.prefix);
    await Promise.all(
      SERVICES.map(async (name) => {
        const process = new ServiceProcess(
          name,
          await freePort(),
          {
            KAFKA_TOPIC_PREFIX: this.prefix,
            DB_SCHEMA: `${schemaPrefix}_${name.replace('-', '_')}`,
            BULLMQ_PREFIX: schemaPrefix,
            ...this.extraEnv[name],
          },
          testInfra(),
        );
        this.services.set(name, process);
        await process.start();
      }),
    );
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
      testInfra(),
    );
    this.services.set('console', console);
    await console.start();
    return this;
  }

  url(name: ServiceName | 'console'): string {
    const service = this.services.get(name);
    if (!service) throw new Error(`${name} is not started`);
    return service.url;
  }

  /** Stops every service with SIGTERM; resolves with each one's exit code. */
  async stop(): Promise<Record<string, number | null>> {
    const codes: Record<string, number | null> = {};
    const consoleProcess = this.services.get('console');
    if (consoleProcess) codes.console = await consoleProcess.stop();
    await Promise.all(
      SERVICES.map(async (name) => {
        const service = this.services.get(name);
        if (service) codes[name] = await service.stop();
      }),
    );
    await deleteTestTopics(this.prefix);
    return codes;
  }
}
