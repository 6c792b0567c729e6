import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';

// A real process: the host must exit 0 after SIGTERM, stop parts in reverse
// order, and survive a second signal that arrives while it is stopping.
const script = `
import { ServiceHost } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)};
const logger = { info() {}, debug() {}, warn() {}, error() {} };
const startMs = Number(process.env.START_MS ?? 0);
const part = (name, stopMs) => ({
  name,
  start: () => new Promise((r) => setTimeout(() => { console.log('start ' + name); r(); }, name === 'http' ? startMs : 0)),
  stop: () => new Promise((r) => setTimeout(() => { console.log('stop ' + name); r(); }, stopMs)),
});
await new ServiceHost([part('db', 0), part('http', 300)], logger).runUntilSignal({
  timeoutMs: 5000,
  onStarted: () => console.log('started'),
});
`;

describe('ServiceHost.runUntilSignal', () => {
  it.each([['SIGTERM'], ['SIGINT']] as const)(
    'stops in reverse order and exits 0 on %s, even if signalled twice',
    async (signal) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      await new Promise<void>((resolve) => {
        const check = () => (out.includes('started') ? resolve() : setTimeout(check, 20));
        check();
      });
      child.kill(signal);
      setTimeout(() => child.kill('SIGTERM'), 50);
      const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
      expect(code).toBe(0);
      expect(out.trim().split('\n')).toEqual(['start db', 'start http', 'started', 'stop http', 'stop db']);
    },
  );

  it('a SIGTERM during start lets the part being started finish, then stops everything and exits 0', async () => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, START_MS: '600' },
    });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    await new Promise<void>((resolve) => {
      const check = () => (out.includes('start db') ? resolve() : setTimeout(check, 20));
      check();
    });
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code).toBe(0);
    expect(out.trim().split('\n')).toEqual(['start db', 'start http', 'stop http', 'stop db']);
  });
});
