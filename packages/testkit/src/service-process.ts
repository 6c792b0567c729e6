import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { dieWithParent } from '@handoff/infra';
import { freePort, waitFor, type TestInfra } from './util.js';

/** The node arguments a service runs with (its package.json's `handoff.nodeArgs`, e.g. a heap cap). */
export function serviceNodeArgs(repoRoot: string, name: string): string[] {
  const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'services', name, 'package.json'), 'utf8')) as {
    handoff?: { nodeArgs?: string[] };
  };
  return manifest.handoff?.nodeArgs ?? [];
}

/** A Handoff service started as its own process, as in production. */
export class ServiceProcess {
  private child: ChildProcess | undefined;
  private exit: Promise<number | null> | undefined;
  private logDir: string;

  constructor(
    readonly name: string,
    private port: number,
    private readonly env: Record<string, string>,
    private readonly infra: TestInfra,
    /** Extra node arguments (e.g. `--cpu-prof`, which NODE_OPTIONS refuses). */
    private readonly nodeArgs: string[] = [],
  ) {
    this.logDir = path.join(infra.repoRoot, '.state', 'logs');
    mkdirSync(this.logDir, { recursive: true });
  }

  get logFile(): string {
    return path.join(this.logDir, `${this.name}-${this.port}.log`);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /**
   * Spawns `node services/<name>/dist/main.js` with the run's infrastructure and waits until it is ready.
   * A port taken in between (another test process) is retried on a new port.
   */
  async start(options: { readyTimeoutMs?: number } = {}): Promise<this> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.startOnce(options);
      } catch (err) {
        const taken = /EADDRINUSE/.test(readFileSync(this.logFile, 'utf8'));
        if (!taken || attempt >= 3) throw err;
        this.port = await freePort();
      }
    }
  }

  /** The running process's id (for measuring it), if it runs. */
  get pid(): number | undefined {
    return this.running ? this.child!.pid : undefined;
  }

  /** Started and not exited yet (a process killed by a signal has no exit code, only its signal). */
  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  private async startOnce(options: { readyTimeoutMs?: number }): Promise<this> {
    const infra = this.infra;
    const log = createWriteStream(this.logFile, { flags: 'a' });
    // A test process that dies (a timeout, a crash) takes its services with it: nothing is left running.
    const [command, args] = dieWithParent(process.execPath, [
      ...serviceNodeArgs(infra.repoRoot, this.name),
      ...this.nodeArgs,
      path.join(infra.repoRoot, 'services', this.name, 'dist', 'main.js'),
    ]);
    const child = spawn(command, args, {
      env: {
        PATH: process.env.PATH ?? '',
        DATABASE_URL: infra.databaseUrl,
        REDIS_URL: infra.redisUrl,
        KAFKA_BROKERS: infra.kafkaBrokers.join(','),
        JWT_SECRET: infra.jwtSecret,
        LOG_LEVEL: 'info',
        // Every answer is checked against the route's declared schema: a spec that lies fails the test.
        HTTP_CHECK_RESPONSES: process.env.HTTP_CHECK_RESPONSES ?? 'true',
        PORT: String(this.port),
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    this.child = child;
    this.exit = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const exited = this.exit.then((code) => {
      throw new Error(`${this.name} exited with ${code} before it was ready; see ${this.logFile}`);
    });
    const ready = waitFor(
      async () => {
        const response = await fetch(`${this.url}/health/ready`).catch(() => undefined);
        return response?.ok;
      },
      {
        timeoutMs: options.readyTimeoutMs ?? 60000,
        intervalMs: 200,
        what: `${this.name} to be ready (log: ${this.logFile})`,
      },
    );
    exited.catch(() => undefined);
    await Promise.race([ready, exited]);
    return this;
  }

  /** Resolves with the exit code once the process has exited by itself (or was stopped). */
  exited(): Promise<number | null> {
    if (!this.exit) throw new Error(`${this.name} was never started`);
    return this.exit;
  }

  /** Sends SIGTERM and resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (!this.running) return this.child?.exitCode ?? null;
    this.child!.kill('SIGTERM');
    return this.exit!;
  }

  /** Kills without warning, as a crash would. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGKILL');
    await this.exit;
  }
}
