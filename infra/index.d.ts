export type InfraMode = 'local' | 'containers';

/** The project's own Apache Kafka (local mode), for fault tests: restarts keep its ports and log dir. */
export interface LocalKafka {
  readonly bootstrap: string;
  readonly port: number;
  readonly controllerPort: number;
  readonly pid: number;
  readonly version: string;
  readonly dir: string;
  readonly logFile: string;
  /** Controlled shutdown (SIGTERM; SIGKILL after 30 s). */
  stop(): Promise<void>;
  /** SIGKILL, as a crash would; restart() recovers the log. */
  kill(): Promise<void>;
  /** Stops (unless down already) and starts again on the same ports and log dir. */
  restart(): Promise<void>;
}

export interface Infra {
  mode: InfraMode;
  databaseUrl: string;
  redisUrl: string;
  /** Comma-separated host:port list. */
  kafkaBrokers: string;
  /** The Apache Kafka version that runs. */
  kafkaVersion: string;
  /** Whether Postgres keeps fsync, full_page_writes and synchronous_commit on. */
  durable: boolean;
  /** Process ids (local mode), for measuring what each uses. */
  pids?: { postgres: number; redis: number; kafka: number };
  /** The broker's handle (local mode). */
  kafka?: LocalKafka;
  stop(): Promise<void>;
}

/** The Apache Kafka version of local mode, docker-compose.yml and the testcontainers path. */
export const KAFKA_VERSION: string;

/**
 * A port free for a server right now, picked at random below the range the kernel gives outgoing
 * connections (so no client connection can take it before the server binds); never one this process
 * handed out before. `count`: that many consecutive free ports, from the one returned.
 */
export function freePort(options?: { count?: number }): Promise<number>;
/** Ports this process's servers will take later: freePort never hands them out (npm start's HTTP ports). */
export function reservePorts(ports: number[]): void;
/** Whether a server can listen on the port on every address right now. */
export function canListen(port: number): Promise<boolean>;

export function detectMode(env?: Record<string, string | undefined>): InfraMode;
export function prepareLocal(options?: { log?: (message: string) => void }): Promise<void>;
export function localSecret(stateDir: string): string;
export function startInfra(options: {
  stateDir: string;
  mode?: InfraMode;
  /** false: Postgres without fsync (tests and benches only). Default true. */
  durable?: boolean;
  /** true: the broker's first group assignment does not wait for more members (tests, benches). */
  fastRebalance?: boolean;
  log?: (message: string) => void;
}): Promise<Infra>;

export function startKafka(options: {
  dir: string;
  port?: number;
  controllerPort?: number;
  heapMb?: number;
  initialRebalanceDelayMs?: number;
  log?: (message: string) => void;
}): Promise<LocalKafka>;

/** `[command, args]` that run the given command so that it gets `signal` (default SIGTERM) when its spawner dies. */
export function dieWithParent(command: string, args: string[], signal?: string): [string, string[]];
