export type InfraMode = 'local' | 'containers';

export interface Infra {
  mode: InfraMode;
  databaseUrl: string;
  redisUrl: string;
  /** Comma-separated host:port list. */
  kafkaBrokers: string;
  stop(): Promise<void>;
}

export function detectMode(env?: Record<string, string | undefined>): InfraMode;
export function prepareLocal(options?: { log?: (message: string) => void }): Promise<void>;
export function localSecret(stateDir: string): string;
export function startInfra(options: {
  stateDir: string;
  topics: Array<{ name: string; partitions: number }>;
  mode?: InfraMode;
  log?: (message: string) => void;
}): Promise<Infra>;
