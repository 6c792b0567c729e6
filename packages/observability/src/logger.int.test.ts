import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';

// A service's stdout is a pipe to whoever started it. When that reader is gone (a launcher killed outright),
// the service must still log its way out and exit on SIGTERM, not hang on a write nobody will read.
const CHILD = `
  const { createLogger } = await import(${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)});
  const logger = createLogger({ service: 'orphan' });
  logger.info('started');
  setInterval(() => undefined, 1000);
  process.on('SIGTERM', () => {
    logger.info('signal received');
    logger.info('stopped');
    process.exit(0);
  });
  process.stderr.write('ready\\n');
`;

describe('createLogger', () => {
  it('lets a process exit on SIGTERM after the reader of its stdout has gone', async () => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = once(child, 'exit');
    await new Promise<void>((resolve) => child.stderr!.on('data', (d: Buffer) => /ready/.test(String(d)) && resolve()));
    child.stdout!.destroy();
    child.kill('SIGTERM');
    const outcome = await Promise.race([
      exited.then(([code]) => ({ code })),
      new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 10_000)),
    ]);
    if (outcome === 'hung') child.kill('SIGKILL');
    expect(outcome).toEqual({ code: 0 });
  });
});
