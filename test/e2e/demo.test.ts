import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callApi, tokenFor } from '@handoff/testkit';
import { Stack } from './stack.js';

const DEMO = fileURLToPath(new URL('../../scripts/demo.mjs', import.meta.url));

/** Runs `npm run demo`'s script against a console for a while; resolves with its exit code and output. */
function runDemo(consoleUrl: string, seconds: number) {
  return new Promise<{ code: number | null; output: string }>((resolve) => {
    const child = spawn(process.execPath, [DEMO, '--url', consoleUrl, '--duration', String(seconds), '--rate', '40'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => resolve({ code, output }));
  });
}

describe('npm run demo, against a running stack', () => {
  const stack = new Stack({ 'sla-monitor': { TIMER_SWEEP_MS: '1000' } });

  beforeAll(async () => {
    await stack.start();
  });
  afterAll(async () => {
    await stack.stop();
  });

  it('sets the stack up and feeds it (leads through the funnel, SDR touches, a draft to backtest, a target), then stops cleanly', async () => {
    const { code, output } = await runDemo(stack.url('console'), 70);
    expect(code, output.slice(-2000)).toBe(0);

    const lee = await tokenFor('leadership', 'lee');
    const maya = await tokenFor('sdr_manager', 'maya');
    const funnel = await callApi<{ stages: Array<{ stage: string; leads: number }> }>(
      `${stack.url('reporting')}/v1/reports/funnel`,
      { token: lee },
    );
    const leads = Object.fromEntries(funnel.body.stages.map((s) => [s.stage, s.leads]));
    expect(leads.captured).toBeGreaterThanOrEqual(10);
    expect(leads.mql).toBeGreaterThanOrEqual(3);
    expect(leads.working).toBeGreaterThanOrEqual(1);

    const effort = await callApi<{ touches: number }>(`${stack.url('reporting')}/v1/reports/effort`, { token: lee });
    expect(effort.body.touches).toBeGreaterThan(0);

    const teams = await callApi<{ teams: Array<{ id: string; sdrs: Array<{ id: string }> }> }>(
      `${stack.url('sdr-queue')}/v1/teams`,
      { token: maya },
    );
    expect(teams.body.teams.map((t) => t.id)).toEqual(['emea']);
    expect(teams.body.teams[0]!.sdrs.map((s) => s.id)).toEqual(['ann', 'ben', 'chiara']);

    const ruleSets = await callApi<{ ruleSets: Array<{ status: string; active: boolean }> }>(
      `${stack.url('lead-scoring')}/v1/rule-sets`,
      { token: await tokenFor('marketing_ops', 'maria') },
    );
    expect(ruleSets.body.ruleSets.some((r) => r.status === 'draft')).toBe(true);

    const target = await callApi(`${stack.url('reporting')}/v1/reports/targets?period=${currentQuarter()}`, {
      token: lee,
    });
    expect(target.status).toBe(200);
  });
});

function currentQuarter(now = new Date()): string {
  return `${now.getUTCFullYear()}-Q${Math.floor(now.getUTCMonth() / 3) + 1}`;
}
