import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { testInfra } from '@handoff/testkit';

// The fault suite's short profile (scripts/chaos.mjs, docs/reliability.md): its own stack of two processes per
// backend service on its own Postgres, Redis and Apache Kafka, 400 leads through the public APIs, a SIGKILL of
// every service and one fault of each other kind at points drawn from a fixed seed. It counts every effect
// against its ledger; this test holds it to "nothing lost, nothing duplicated, every check passed".
describe.runIf(testInfra().mode === 'local')('the fault suite, short profile', () => {
  it(
    'loses and duplicates nothing while processes, the broker, Postgres and Redis fail',
    { timeout: 1_500_000 },
    async () => {
      const lines: Array<Record<string, unknown>> = [];
      let stderr = '';
      const child = spawn(process.execPath, ['scripts/chaos.mjs', '--profile', 'short', '--state', 'chaos-test'], {
        cwd: testInfra().repoRoot,
        env: { ...process.env, HANDOFF_SKIP_BUILD: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let buffered = '';
      child.stdout.on('data', (d: Buffer) => {
        buffered += d.toString();
        const complete = buffered.split('\n');
        buffered = complete.pop()!;
        for (const line of complete) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      });
      child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));

      const summary = lines.find((l) => l.chaos === 'summary');
      const context = `exit ${code}\n${JSON.stringify(
        lines.filter((l) => l.chaos !== 'fault'),
        null,
        1,
      )}\n${stderr}`;
      expect(summary, context).toBeDefined();
      const faults = lines.filter((l) => l.chaos === 'fault').map((l) => l.kind as string);
      expect(new Set(faults), context).toEqual(
        new Set([
          'sigkill',
          'sigstop',
          'broker-restart',
          'broker-kill',
          'postgres-restart',
          'postgres-terminate',
          'redis-flushall',
          'malformed',
        ]),
      );
      expect(faults.filter((k) => k === 'sigkill').length).toBeGreaterThanOrEqual(4);
      expect(summary!.problems, context).toEqual([]);
      expect(summary!.effects, context).toMatchObject({ lost: 0, duplicated: 0 });
      expect((summary!.effects as { expected: number }).expected).toBeGreaterThan(1000);
      expect(summary!.dlq, context).toMatchObject({ missing: 0, wrongError: 0, valid: 0 });
      expect((summary!.dlq as { found: number }).found).toBeGreaterThanOrEqual(120);
      expect(summary).toMatchObject({ ok: true, lag: 0, unplannedExits: 0, unhandled: 0, failedLeads: 0 });
      expect(code).toBe(0);
    },
  );
});
