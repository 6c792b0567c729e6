// npm run demo [-- --url <console> --rate <leads/min> --duration <s> --seed <n>]
//
// Feeds a running stack (started by `npm start`) with a realistic, continuous stream until Ctrl-C: it sets
// up teams, SDRs, routing, SLA calendars and policies, a scoring rule set and this quarter's target (safe to
// repeat), then plays marketing, SDRs, their managers, sales and the CRM against the console's API proxy, so
// every console screen has something to show within a minute. Node built-ins only; see docs/demo.md.
import { randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { Demo } from './demo/actors.mjs';
import { Api, ConsoleUnreachable, createLog } from './demo/client.mjs';
import { SDRS, TEAMS, setUp } from './demo/setup.mjs';
import { World, createRandom } from './demo/world.mjs';

const USAGE = `usage: npm run demo [-- options]

Feeds a running Handoff stack (npm start) with leads, activity, SDR work, sales answers and deals.

  --url <url>        the console (default: $HANDOFF_URL or http://127.0.0.1:4100)
  --rate <n>         new leads per minute, 1–120 (default 20)
  --duration <s>     stop after this many seconds (default: run until Ctrl-C)
  --seed <n>         seed for the made-up people and choices (default: random, printed)
  -h, --help         this text`;

function options() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        url: { type: 'string' },
        rate: { type: 'string' },
        duration: { type: 'string' },
        seed: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (err) {
    fail(err.message);
  }
  if (parsed.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const number = (name, value, { min, max, integer = false }) => {
    const n = Number(value);
    if (
      value === undefined ||
      value === '' ||
      !Number.isFinite(n) ||
      n < min ||
      n > max ||
      (integer && !Number.isInteger(n))
    ) {
      fail(`--${name} must be ${integer ? 'a whole number' : 'a number'} from ${min} to ${max}, not "${value}"`);
    }
    return n;
  };
  const url = parsed.url ?? process.env.HANDOFF_URL ?? 'http://127.0.0.1:4100';
  try {
    new URL(url);
  } catch {
    fail(`--url must be a URL such as http://127.0.0.1:4100, not "${url}"`);
  }
  return {
    url,
    rate: parsed.rate === undefined ? 20 : number('rate', parsed.rate, { min: 1, max: 120 }),
    duration:
      parsed.duration === undefined ? undefined : number('duration', parsed.duration, { min: 1, max: 31_536_000 }),
    seed:
      parsed.seed === undefined
        ? randomInt(1, 2 ** 31)
        : number('seed', parsed.seed, { min: 0, max: 2 ** 32 - 1, integer: true }),
  };
}

function fail(message) {
  process.stderr.write(`demo: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

const config = options();
const log = createLog();
const stats = { errors: 0 };
const api = new Api({ baseUrl: config.url, log, stats });
const random = createRandom(config.seed);
let demo;
let stopping = false;

function stop(why) {
  if (stopping) return;
  stopping = true;
  demo?.stop();
  log.line(`stopping (${why})`);
  if (demo) log.line(`── total: ${demo.counts()}`);
  process.exit(0);
}
process.on('SIGINT', () => stop('Ctrl-C'));
process.on('SIGTERM', () => stop('SIGTERM'));
// One bad call must never end the stream.
process.on('unhandledRejection', (err) => log.line(`  ✗ unexpected: ${err?.stack ?? err}`));

try {
  await api.preflight();
  await api.waitReady();
} catch (err) {
  if (!(err instanceof ConsoleUnreachable)) throw err;
  process.stderr.write(`demo: ${err.message}\n`);
  process.exit(1);
}

log.line(
  `Handoff demo → ${config.url} · ${config.rate} leads/min · seed ${config.seed}` +
    `${config.duration ? ` · for ${config.duration} s` : ' · Ctrl-C stops'}`,
);
await setUp(api, log);
if (stopping) process.exit(0);

log.line('sign in to the console as any of these (role → name):');
for (const team of TEAMS) {
  log.line(
    `  team ${team.id}: sdr_manager → ${team.managerId}; sdr → ${team.sdrs.map((s) => s.id).join(', ')}; ` +
      `sales → ${team.salesId}`,
  );
}
log.line('  leadership → lee; marketing_ops → maria; admin → demo-admin');
log.line(`streaming (${SDRS.length} SDRs at work; a summary every 10 s)…`);

demo = new Demo({ api, log, random, world: new World(random), rate: config.rate });
demo.start();
if (config.duration) setTimeout(() => stop(`--duration ${config.duration} s reached`), config.duration * 1000);
