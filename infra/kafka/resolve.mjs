// Resolves (once) the Apache Kafka broker's jars from Maven Central into a
// cache keyed by the Kafka version and this folder's pom.xml; offline after.
//
//   import { ensureKafka } from './resolve.mjs';
//   const { libs, java } = await ensureKafka({ log });   // libs: a folder of jars
//
//   node infra/kafka/resolve.mjs                        // prints the libs folder
//
// Plain Node ESM with built-ins only: it runs before the workspace is built.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { run } from '../local/processes.mjs';
import { ensureSystemPackages, installLine } from '../local/system-packages.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const POM = path.join(HERE, 'pom.xml');

/**
 * The Apache Kafka version local mode runs, and the one docker-compose.yml and
 * the testcontainers path name (a test checks that they agree). Chosen in
 * docs/adr/0010-apache-kafka-in-local-mode.md.
 */
export const KAFKA_VERSION = '4.1.1';

/** Java the broker needs: Kafka 4 brokers run on Java 17 or newer. */
const MIN_JAVA = 17;
const MARKER = 'resolved.json';

/** The cache folder of the resolved broker jars (XDG cache, like the npm cache: outside the checkout). */
export function kafkaCacheDir(version = KAFKA_VERSION) {
  const pomHash = createHash('sha256').update(readFileSync(POM)).digest('hex').slice(0, 10);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'handoff', 'kafka', `${version}-${pomHash}`);
}

/**
 * Makes sure Java (>= 17) is installed and the broker's jars are in the cache,
 * resolving them with Maven the first time. Java and Maven are installed with
 * apt-get when root; otherwise the error message is the exact line to run.
 * @returns {Promise<{ version: string, libs: string, java: string }>}
 */
export async function ensureKafka({ version = KAFKA_VERSION, log = () => {} } = {}) {
  const say = (msg) => log(`[kafka] ${msg}`);
  const cache = kafkaCacheDir(version);
  const libs = path.join(cache, 'libs');
  const resolved = existsSync(path.join(cache, MARKER));
  const { java, mvn } = await ensureSystemPackages(
    [{ bin: 'java', pkg: 'default-jre-headless' }, ...(resolved ? [] : [{ bin: 'mvn', pkg: 'maven' }])],
    { log: say },
  );
  if (!java || (!resolved && !mvn)) {
    throw new Error('Java or Maven is not installed (HANDOFF_DRY_RUN_APT=1: see the apt line logged above)');
  }
  assertJavaVersion(java);
  if (!resolved) await resolveJars({ version, mvn, cache, say });
  removeMockBrokerCache(say);
  return { version, libs, java };
}

/** The librdkafka mock broker that local mode built before Apache Kafka (ADR 0001, superseded) left its build here. */
function removeMockBrokerCache(say) {
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  const old = path.join(base, 'handoff', 'broker');
  if (!existsSync(old)) return;
  rmSync(old, { recursive: true, force: true });
  say(`removed the old mock broker's build cache ${old} (local mode runs Apache Kafka now)`);
}

function assertJavaVersion(java) {
  // `java -version` prints to stderr: openjdk version "17.0.15" 2025-04-15
  const out = spawnSync(java, ['-version'], { encoding: 'utf8' });
  const m = /version "(\d+)(?:\.(\d+))?/.exec(`${out.stderr}${out.stdout}`);
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : NaN;
  if (!(major >= MIN_JAVA)) {
    throw new Error(
      `Apache Kafka ${KAFKA_VERSION} needs Java ${MIN_JAVA} or newer; ${java} is ${m ? major : 'of unknown version'}. ` +
        `Install one: ${installLine(['openjdk-17-jre-headless'])}`,
    );
  }
}

async function resolveJars({ version, mvn, cache, say }) {
  const started = Date.now();
  say(`resolving Apache Kafka ${version} from Maven Central (once; cached in ${cache})`);
  // Into a folder of our own, renamed at the end: two resolves at once (npm test beside npm start)
  // never see half a cache, and an interrupted one leaves nothing that looks resolved.
  const tmp = `${cache}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const r = await run(
    mvn,
    [
      '-B',
      '-q',
      '-f',
      POM,
      `-Dkafka.version=${version}`,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${path.join(tmp, 'libs')}`,
    ],
    { env: process.env, timeoutMs: 15 * 60_000 },
  );
  const jars = existsSync(path.join(tmp, 'libs')) ? readdirSync(path.join(tmp, 'libs')) : [];
  if (r.code !== 0 || !jars.some((j) => j.startsWith(`kafka_2.13-${version}`))) {
    rmSync(tmp, { recursive: true, force: true });
    throw new Error(
      `mvn could not resolve org.apache.kafka:kafka_2.13:${version} (exit ${r.code}):\n` +
        `${(r.stdout + r.stderr).trim().split('\n').slice(-30).join('\n')}`,
    );
  }
  writeFileSync(
    path.join(tmp, MARKER),
    JSON.stringify({ version, jars: jars.length, resolvedAt: new Date().toISOString() }, null, 2) + '\n',
  );
  try {
    renameSync(tmp, cache);
  } catch (err) {
    // Another process finished first: its cache is as good as ours.
    rmSync(tmp, { recursive: true, force: true });
    if (!existsSync(path.join(cache, MARKER))) throw err;
  }
  say(`resolved ${jars.length} jars in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { libs } = await ensureKafka({ log: (m) => process.stderr.write(`${m}\n`) });
  process.stdout.write(`${libs}\n`);
}
