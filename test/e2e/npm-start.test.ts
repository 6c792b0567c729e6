import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Kafka, logLevel } from 'kafkajs';
import { TOPIC_NAMES, type Role } from '@handoff/contracts';
import { signToken } from '@handoff/http';
import { freePort } from '@handoff/infra';
import { testInfra, uniqueName, waitFor } from '@handoff/testkit';
import { LeadStream, consumerLag, deadLetters, type StackLike } from './lead-stream.js';
import type { ServiceName } from './stack.js';

// `npm start` as a user runs it, beside the run's own infrastructure: its own state folder and ports,
// stopped the ways people stop things, then started again on the same data.

const OFFSETS: Record<ServiceName | 'console', number> = {
  console: 0,
  'lead-scoring': 1,
  'sdr-queue': 2,
  'sla-monitor': 3,
  reporting: 4,
};

/** `npm start` in the repo (already built by npm test), on ports base…base+4 and .state/<state>. */
class NpmStart implements StackLike {
  readonly prefix = '';
  private child: ChildProcess | undefined;
  private exited: Promise<void> | undefined;
  output = '';
  kafkaBrokers: string[] = [];

  constructor(
    readonly basePort: number,
    readonly state: string,
  ) {}

  get infra() {
    return { kafkaBrokers: this.kafkaBrokers };
  }

  url(name: ServiceName | 'console'): string {
    return `http://127.0.0.1:${this.basePort + OFFSETS[name]}`;
  }

  get stateDir(): string {
    return path.join(testInfra().repoRoot, '.state', this.state);
  }

  get pid(): number {
    return this.child!.pid!;
  }

  /** Resolves once it prints that Handoff is running; fails with its output if it exits first. */
  async start(): Promise<void> {
    this.output = '';
    const child = spawn('npm', ['start'], {
      cwd: testInfra().repoRoot,
      env: {
        ...process.env,
        HANDOFF_PORT: String(this.basePort),
        HANDOFF_STATE: this.state,
        HANDOFF_INFRA: 'local',
        HANDOFF_SKIP_BUILD: '1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (d: Buffer) => (this.output += d));
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    await waitFor(
      () => {
        if (child.exitCode !== null || child.signalCode !== null) {
          throw new Error(`npm start exited (${child.exitCode ?? child.signalCode}):\n${this.output}`);
        }
        return /Handoff is running/.test(this.output);
      },
      { what: 'npm start to say Handoff is running', timeoutMs: 150_000, intervalMs: 250 },
    ).catch((err: Error) => {
      throw new Error(`${err.message}\n${this.output}`);
    });
    const kafka = /Apache Kafka \S+ (\d[\d.]*:\d+(?:,\S+)?)/.exec(this.output);
    this.kafkaBrokers = kafka![1]!.split(',');
  }

  /** Sends a signal to npm itself, as a terminal, a supervisor or `kill` would, and waits for npm to exit. */
  async signal(signal: NodeJS.Signals): Promise<void> {
    this.child!.kill(signal);
    await this.exited;
  }

  token: (role: Role, sub: string) => Promise<string> = (role, sub) =>
    signToken(readFileSync(path.join(this.stateDir, 'jwt-secret'), 'utf8').trim(), { role, sub });
}

/** Every process below `root` (children, their children…), from /proc. */
function descendants(root: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // The ppid is the 2nd field after the command, which is in parentheses and may hold spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone in between
    }
  }
  const found: number[] = [];
  const visit = (pid: number) => {
    for (const child of parents.get(pid) ?? []) {
      found.push(child);
      visit(child);
    }
  };
  visit(root);
  return found;
}

/** TCP ports the processes listen on (their sockets matched against /proc/net/tcp and tcp6). */
function listeningPorts(pids: number[]): number[] {
  const inodes = new Set<string>();
  for (const pid of pids) {
    try {
      for (const fd of readdirSync(`/proc/${pid}/fd`)) {
        const link = readlinkSync(`/proc/${pid}/fd/${fd}`, 'utf8');
        const socket = /^socket:\[(\d+)\]$/.exec(link);
        if (socket) inodes.add(socket[1]!);
      }
    } catch {
      // gone in between
    }
  }
  const ports = new Set<number>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      if (cols.length < 10 || cols[3] !== '0A' || !inodes.has(cols[9]!)) continue; // 0A: LISTEN
      ports.add(parseInt(cols[1]!.split(':')[1]!, 16));
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/** Messages each of the stack's topics holds (its partitions' end offsets summed). */
async function messagesOnTopics(stack: StackLike): Promise<Record<string, number>> {
  const admin = new Kafka({
    clientId: 'ledger',
    brokers: stack.infra.kafkaBrokers,
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const counts: Record<string, number> = {};
    for (const topic of TOPIC_NAMES) {
      const offsets = await admin.fetchTopicOffsets(topic);
      counts[topic] = offsets.reduce((n, p) => n + Number(p.high), 0);
    }
    return counts;
  } finally {
    await admin.disconnect();
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

describe('npm start', () => {
  const stack = new NpmStart(0, uniqueName('stop').replace('_', '-'));
  const seen = new Set<number>();
  afterAll(async () => {
    // Whatever happened above, nothing of this stack outlives the test.
    for (const pid of seen) if (alive(pid)) process.kill(pid, 'SIGKILL');
    rmSync(stack.stateDir, { recursive: true, force: true });
  });

  it(
    'restarts a service that dies; stops on SIGTERM or SIGHUP to npm or a crash of its launcher, leaving no process nor port, and starts again with its data, nothing re-sent',
    { timeout: 600_000 },
    async () => {
      await withOutputOnFailure(stack, () => stopsAndStartsAgain(stack, seen));
    },
  );
});

/** A failure shows the end of what npm start printed (a service that exited says why there). */
async function withOutputOnFailure(stack: NpmStart, run: () => Promise<void>): Promise<void> {
  try {
    await run();
  } catch (err) {
    const tail = stack.output.split('\n').slice(-60).join('\n');
    throw Object.assign(err as Error, {
      message: `${(err as Error).message}\n--- npm start printed (last 60 lines):\n${tail}`,
    });
  }
}

async function stopsAndStartsAgain(stack: NpmStart, seen: Set<number>): Promise<void> {
  // Five free ports in a row (the console's and the four services'), none a client connection can take.
  Object.assign(stack, { basePort: await freePort({ count: 5 }) });
  await stack.start();
  const stream = await new LeadStream(stack, stack.token).setUp();
  await stream.send(0);
  await stream.settle();
  await stream.expectExactlyOnce();

  // A service that dies (kill -9: no handler runs) is restarted by npm start, on its port, while the rest of the
  // stack goes on; what it missed meanwhile is handled once it is back.
  const before = descendants(stack.pid);
  const queue = before.find((pid) => /services\/sdr-queue\/dist\/main\.js/.test(commandOf(pid)));
  expect(queue).toBeDefined();
  const others = before.filter((pid) =>
    /services\/(lead-scoring|sla-monitor|reporting|console)\/dist\/main\.js/.test(commandOf(pid)),
  );
  expect(others).toHaveLength(4);
  const killedAt = Date.now();
  process.kill(queue!, 'SIGKILL');
  await waitFor(() => /sdr-queue exited \(SIGKILL\); restarting it in 1 s/.test(stack.output), {
    what: 'npm start to say it restarts sdr-queue',
    timeoutMs: 30_000,
    intervalMs: 100,
  });
  await waitFor(() => /sdr-queue ready again on/.test(stack.output), {
    what: 'sdr-queue ready again',
    timeoutMs: 90_000,
    intervalMs: 200,
  });
  console.log(JSON.stringify({ restarted: 'sdr-queue', readyAgainAfterMs: Date.now() - killedAt }));
  const after = descendants(stack.pid).find((pid) => /services\/sdr-queue\/dist\/main\.js/.test(commandOf(pid)));
  expect(after).toBeDefined();
  expect(after).not.toBe(queue);
  expect(others.filter((pid) => !alive(pid))).toEqual([]);
  expect(stack.output).not.toMatch(/stopping services/);
  await stream.send(1);
  await stream.settle();
  await stream.expectExactlyOnce();

  // Everything npm start started, and what it listens on: the five HTTP ports, Postgres, Redis, Kafka's two.
  const processes = [stack.pid, ...descendants(stack.pid)];
  for (const pid of processes) seen.add(pid);
  const sent = await messagesOnTopics(stack);
  const ports = listeningPorts(processes);
  for (const name of Object.keys(OFFSETS) as Array<ServiceName | 'console'>) {
    expect(ports).toContain(stack.basePort + OFFSETS[name]);
  }
  expect(ports.length).toBeGreaterThanOrEqual(9);

  await stack.signal('SIGTERM');
  expect(stack.output).toMatch(/stopped/);
  expect(processes.filter(alive)).toEqual([]);
  expect((await Promise.all(ports.map(accepts))).some(Boolean)).toBe(false);

  // The same state folder: the lead is still queued and assigned once; the consumer groups resume at
  // their committed offsets (nothing is consumed twice) and the relays send nothing again.
  await stack.start();
  await stream.settle();
  await stream.expectExactlyOnce();
  expect(await messagesOnTopics(stack)).toEqual(sent);
  await stream.send(2);
  await stream.settle();
  await stream.expectExactlyOnce();
  expect(await consumerLag(stack)).toBe(0);
  expect(await deadLetters(stack)).toBe(0);

  // A closed terminal: SIGHUP ends npm itself; npm start sees its parent go and stops everything.
  const again = [stack.pid, ...descendants(stack.pid)];
  for (const pid of again) seen.add(pid);
  const againPorts = listeningPorts(again);
  await stack.signal('SIGHUP');
  await waitFor(() => again.every((pid) => !alive(pid)), {
    what: 'every process of npm start to exit after SIGHUP',
    timeoutMs: 60_000,
    intervalMs: 200,
  });
  expect((await Promise.all(againPorts.map(accepts))).some(Boolean)).toBe(false);

  // A crash of the launcher itself (SIGKILL: no handler runs): its services and infrastructure still stop,
  // and the next start has every lead once.
  await stack.start();
  const crashed = [stack.pid, ...descendants(stack.pid)];
  for (const pid of crashed) seen.add(pid);
  const launcher = descendants(stack.pid).find((pid) => /scripts\/start\.mjs/.test(commandOf(pid)));
  expect(launcher).toBeDefined();
  process.kill(launcher!, 'SIGKILL');
  await waitFor(() => crashed.every((pid) => pid === stack.pid || !alive(pid)), {
    what: 'every process of npm start to exit after its launcher was killed',
    timeoutMs: 60_000,
    intervalMs: 200,
  });
  await stack.signal('SIGTERM');
  await stack.start();
  await stream.settle();
  await stream.expectExactlyOnce();
  for (const pid of [stack.pid, ...descendants(stack.pid)]) seen.add(pid);
  await stack.signal('SIGTERM');
}
