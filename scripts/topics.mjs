// The launchers' one step of topic creation (npm start, npm run bench): the
// registry's topics and DLQs, created with the admin API before any service
// starts. Deployments run the same as a job: packages/kafka/dist/topics/main.js.
import { Kafka, logLevel } from 'kafkajs';
import { provisionTopics } from '@handoff/kafka';

/**
 * Creates what is missing of the registry's topics under each prefix ('' = a deployment's own topics).
 * @param {{ brokers: string[], prefixes?: string[], log: (m: string) => void }} options
 */
export async function createTopicsOnce({ brokers, prefixes = [''], log }) {
  const kafka = new Kafka({ clientId: 'handoff-topics', brokers, logLevel: logLevel.ERROR });
  const started = Date.now();
  let created = 0;
  let existing = 0;
  for (const prefix of prefixes) {
    const result = await provisionTopics(kafka, { prefix });
    created += result.created.length;
    existing += result.existing;
    for (const m of result.mismatched) {
      log(`topic ${m.name} has ${m.partitions} partitions, the registry says ${m.wanted}: left as it is`);
    }
  }
  log(`topics: ${created} created, ${existing} already there (${Date.now() - started} ms)`);
}
