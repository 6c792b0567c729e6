// The fault suite's stack: its own Postgres, Redis and Apache Kafka (so breaking them disturbs nothing else),
// the registry's topics, and every backend service as its own processes (two replicas each by default), with
// a supervisor that restarts a process that exits without being told to and counts it.
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from '../lib.mjs';

const { startInfra, localSecret } = await import('../../infra/index.mjs');
const { startPostgres } = await import('../../infra/local/postgres.mjs');
const { ServiceProcess, freePort } = await import('@handoff/testkit/process');
const { createTopicsOnce } = await import('../topics.mjs');

export const SERVICES = ['lead-scoring', 'sdr-queue', 'sla-monitor', 'reporting'];

/** A service process of the stack: which service, which replica, and its ServiceProcess. */
class Replica {
  constructor(service, index, process) {
    this.service = service;
    this.index = index;
    this.process = process;
    /** Set while the driver has it down on purpose (killed, before its restart). */
    this.down = false;
    this.frozen = false;
    this.starts = 1;
  }

  get name() {
    return `${this.service}#${this.index + 1}`;
  }
}

export class Cluster {
  /**
   * @param {{ stateDir: string, replicas: number, env: Record<string,string>, log: (m: string) => void }} options
   */
  constructor({ stateDir, replicas, env, log }) {
    this.stateDir = stateDir;
    this.replicaCount = replicas;
    this.env = env;
    this.log = log;
    /** @type {Replica[]} */
    this.replicas = [];
    /** Exits nobody asked for, each with what the process printed last. */
    this.unplannedExits = [];
    this.supervising = undefined;
  }

  async start() {
    rmSync(this.stateDir, { recursive: true, force: true });
    mkdirSync(this.stateDir, { recursive: true });
    // Not durable: a fault run is a test; the faults are the driver's, not the machine's.
    this.infra = await startInfra({ stateDir: this.stateDir, durable: false, fastRebalance: true, log: this.log });
    this.brokers = this.infra.kafkaBrokers.split(',');
    await createTopicsOnce({ brokers: this.brokers, log: this.log });
    this.jwtSecret = localSecret(this.stateDir);
    const testInfra = {
      mode: this.infra.mode,
      databaseUrl: this.infra.databaseUrl,
      redisUrl: this.infra.redisUrl,
      kafkaBrokers: this.brokers,
      jwtSecret: this.jwtSecret,
      repoRoot,
    };
    for (const service of SERVICES) {
      for (let i = 0; i < this.replicaCount; i++) {
        const process = new ServiceProcess(service, await freePort(), this.env, testInfra);
        this.replicas.push(new Replica(service, i, process));
      }
    }
    // One at a time per service at first: the first migrates, the others find the schema made.
    for (const service of SERVICES) {
      const [first, ...others] = this.of(service);
      await first.process.start({ readyTimeoutMs: 120_000 });
      await Promise.all(others.map((r) => r.process.start({ readyTimeoutMs: 120_000 })));
    }
    this.supervising = setInterval(() => void this.supervise(), 250);
    return this;
  }

  of(service) {
    return this.replicas.filter((r) => r.service === service);
  }

  /** A running, unfrozen process's address for a service (the API clients' load balancer). */
  url(service, pick = Math.random) {
    const up = this.of(service).filter((r) => r.process.running && !r.frozen && !r.down);
    const chosen = up.length > 0 ? up[Math.floor(pick() * up.length)] : this.of(service)[0];
    return chosen.process.url;
  }

  /** Restarts, as a supervisor would, any process that exited without the driver asking; records why. */
  async supervise() {
    for (const replica of this.replicas) {
      if (replica.down || replica.restarting || replica.process.running) continue;
      replica.restarting = true;
      const tail = lastLines(replica.process.logFile, 20);
      this.unplannedExits.push({ process: replica.name, at: new Date().toISOString(), log: tail });
      this.log(`[chaos] ${replica.name} exited unasked; restarting it. Its last lines:\n${tail}`);
      try {
        await replica.process.start({ readyTimeoutMs: 180_000 });
        replica.starts += 1;
      } catch (err) {
        this.log(`[chaos] ${replica.name} did not come back: ${err.message}`);
      } finally {
        replica.restarting = false;
      }
    }
  }

  async kill(replica) {
    replica.down = true;
    await replica.process.kill();
  }

  async restart(replica) {
    await replica.process.start({ readyTimeoutMs: 180_000 });
    replica.starts += 1;
    replica.down = false;
  }

  freeze(replica) {
    replica.frozen = true;
    process.kill(replica.process.pid, 'SIGSTOP');
  }

  thaw(replica) {
    process.kill(replica.process.pid, 'SIGCONT');
    replica.frozen = false;
  }

  /** Postgres stopped with a fast shutdown (SIGINT, as `pg_ctl restart -m fast`) and started on its port. */
  async restartPostgres() {
    const old = this.infra.postgres;
    await old.stop();
    this.infra.postgres = await startPostgres({
      dir: path.join(this.stateDir, 'postgres'),
      port: old.port,
      durable: false,
      log: this.log,
    });
  }

  /** Every process's log, for the end-of-run checks. */
  logs() {
    return this.replicas.map((r) => ({ process: r.name, text: readText(r.process.logFile) }));
  }

  async stop() {
    clearInterval(this.supervising);
    for (const replica of this.replicas) {
      replica.down = true;
      if (replica.frozen) this.thaw(replica);
    }
    await Promise.all(this.replicas.map((r) => r.process.stop()));
    await this.infra?.stop();
    // A Postgres the driver restarted is not the one startInfra knows.
    await this.infra?.postgres.stop();
  }
}

function readText(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

function lastLines(file, n) {
  return readText(file).trimEnd().split('\n').slice(-n).join('\n');
}
