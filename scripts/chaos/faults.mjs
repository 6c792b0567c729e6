// The faults the suite injects, each at a point of the stream's progress drawn from the seed.
import { publishMalformed } from './malformed.mjs';
import { sleep } from './workload.mjs';

const pg = (await import('pg')).default;
const { Redis } = await import('ioredis');

/**
 * The schedule: every fault with the share of leads launched (0–1) at which it starts, in order. Kills are
 * spread over every process; the rest one (or `each`) of each kind.
 */
export function planFaults({ random, replicas, kills, each, malformed }) {
  const plan = [];
  // Every service in turn, then every replica: four kills hit each service once.
  const services = [...new Set(replicas.map((r) => r.service))];
  const perService = services.map((service) => replicas.filter((r) => r.service === service));
  for (let i = 0; i < kills; i++) {
    const ofService = perService[i % services.length];
    plan.push({ kind: 'sigkill', target: ofService[Math.floor(i / services.length) % ofService.length] });
  }
  for (let i = 0; i < each; i++) {
    plan.push({ kind: 'sigstop', target: random.pick(replicas) });
    plan.push({ kind: 'broker-restart' });
    plan.push({ kind: 'broker-kill' });
    plan.push({ kind: 'postgres-restart' });
    plan.push({ kind: 'postgres-terminate' });
    plan.push({ kind: 'redis-flushall' });
  }
  const bursts = Math.max(1, each);
  for (let i = 0; i < bursts; i++) {
    plan.push({ kind: 'malformed', count: Math.floor(malformed / bursts) + (i < malformed % bursts ? 1 : 0) });
  }
  for (const fault of plan) fault.at = random.between(0.05, 0.9);
  return plan.sort((a, b) => a.at - b.at);
}

export class FaultInjector {
  constructor({ cluster, random, sessionTimeoutMs, kafka, emit, realEvents }) {
    this.cluster = cluster;
    this.random = random;
    this.sessionTimeoutMs = sessionTimeoutMs;
    this.kafka = kafka;
    this.emit = emit;
    this.realEvents = realEvents;
    this.malformed = [];
    this.lastFaultEndedAt = 0;
  }

  /** Runs the faults one after another as the stream reaches each one's point; resolves when all are done. */
  async run(plan, progress) {
    for (const fault of plan) {
      while (progress() < fault.at) await sleep(100);
      const started = Date.now();
      const detail = await this.inject(fault);
      this.lastFaultEndedAt = Date.now();
      this.emit({
        chaos: 'fault',
        kind: fault.kind,
        ...(fault.target ? { target: fault.target.name } : {}),
        atLead: Math.round(fault.at * 1000) / 1000,
        durationMs: Date.now() - started,
        ...detail,
      });
    }
  }

  async inject(fault) {
    const { cluster, random } = this;
    switch (fault.kind) {
      case 'sigkill': {
        const target = fault.target;
        while (target.frozen || target.restarting) await sleep(200);
        await cluster.kill(target);
        const pauseMs = random.int(200, 5000);
        await sleep(pauseMs);
        const t = Date.now();
        await cluster.restart(target);
        return { pauseMs, readyAfterMs: Date.now() - t };
      }
      case 'sigstop': {
        const target = fault.target;
        while (target.down || target.restarting || !target.process.running) await sleep(200);
        // Longer than the session timeout: the group rebalances without it, then it wakes with stale partitions.
        const frozenMs = this.sessionTimeoutMs + random.int(2000, 6000);
        cluster.freeze(target);
        await sleep(frozenMs);
        cluster.thaw(target);
        return { frozenMs };
      }
      case 'broker-restart': {
        await cluster.infra.kafka.restart();
        return {};
      }
      case 'broker-kill': {
        await cluster.infra.kafka.kill();
        const downMs = random.int(1000, 5000);
        await sleep(downMs);
        await cluster.infra.kafka.restart();
        return { downMs };
      }
      case 'postgres-restart': {
        const t = Date.now();
        await cluster.restartPostgres();
        return { downMs: Date.now() - t };
      }
      case 'postgres-terminate': {
        // A connection storm: every backend but ours terminated, five times over a few seconds.
        const client = new pg.Client({ connectionString: cluster.infra.databaseUrl });
        await client.connect();
        let terminated = 0;
        try {
          for (let i = 0; i < 5; i++) {
            const { rows } = await client.query(
              `SELECT count(*)::int AS n FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend') t`,
            );
            terminated += rows[0].n;
            await sleep(random.int(200, 1000));
          }
        } finally {
          await client.end();
        }
        return { terminated };
      }
      case 'redis-flushall': {
        const redis = new Redis(cluster.infra.redisUrl, { maxRetriesPerRequest: 3 });
        try {
          await redis.flushall();
        } finally {
          redis.disconnect();
        }
        return {};
      }
      case 'malformed': {
        const sent = await publishMalformed({
          kafka: this.kafka,
          count: fault.count,
          random,
          realEvents: await this.realEvents(),
        });
        this.malformed.push(...sent);
        return { count: sent.length };
      }
      default:
        throw new Error(`unknown fault ${fault.kind}`);
    }
  }
}
