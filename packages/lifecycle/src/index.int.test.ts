import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// A real process: the host must exit 0 after SIGTERM, stop parts in reverse
// order, and survive a second signal that arrives while it is stopping. It runs
// the built package (npm test builds first), as a service's process does.
const script = `
import { ServiceHost } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)};
const logger = { info() {}, debug() {}, warn() {}, error() {} };
const startMs = Number(process.env.START_MS ?? 0);
const failMs = process.env.FAIL_MS === undefined ? undefined : Number(process.env.FAIL_MS);
const part = (name, stopMs) => ({
  name,
  start: () => new Promise((r) => setTimeout(() => { console.log('start ' + name); r(); }, name === 'http' ? startMs : 0)),
  stop: () => new Promise((r) => setTimeout(() => { console.log('stop ' + name); r(); }, stopMs)),
});
const host = new ServiceHost([part('db', 0), part('http', 300)], logger);
await host.runUntilSignal({
  timeoutMs: 5000,
  onStarted: () => {
    console.log('started');
    // A part that cannot go on (a consumer that could not be restarted) fails the host.
    if (failMs !== undefined) setTimeout(() => host.fail('db', new Error('gave up')), failMs);
  },
});
`;

/** The script as its own process: what it prints (line by line), waiting for a line, its exit code. */
function runHost(env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, ...env },
  });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => {
    out += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  return { child, exited, lines: () => out.trim().split('\n'), until: (text: string) => until(() => out, text) };
}

/** Resolves once the output holds the text; rejects, naming it, after the deadline. */
function until(output: () => string, text: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise<void>((resolve, reject) => {
    const check = () => {
      if (output().includes(text)) return resolve();
      if (Date.now() > deadline) return reject(new Error(`no "${text}" within ${timeoutMs} ms; output: ${output()}`));
      setTimeout(check, 20);
    };
    check();
  });
}

describe('ServiceHost.runUntilSignal', () => {
  it.each([['SIGTERM'], ['SIGINT']] as const)(
    'stops in reverse order and exits 0 on %s, even if signalled twice',
    async (signal) => {
      const host = runHost();
      await host.until('started');
      host.child.kill(signal);
      setTimeout(() => host.child.kill('SIGTERM'), 50);
      const code = await host.exited;
      expect(code).toBe(0);
      expect(host.lines()).toEqual(['start db', 'start http', 'started', 'stop http', 'stop db']);
    },
  );

  it('a SIGTERM during start lets the part being started finish, then stops everything and exits 0', async () => {
    const host = runHost({ START_MS: '600' });
    await host.until('start db');
    host.child.kill('SIGTERM');
    const code = await host.exited;
    expect(code).toBe(0);
    expect(host.lines()).toEqual(['start db', 'start http', 'stop http', 'stop db']);
  });

  it('a part that cannot go on (fail) stops everything in reverse order and exits 1, for a supervisor to restart', async () => {
    const host = runHost({ FAIL_MS: '100' });
    const code = await host.exited;
    expect(code).toBe(1);
    expect(host.lines()).toEqual(['start db', 'start http', 'started', 'stop http', 'stop db']);
  });
});
