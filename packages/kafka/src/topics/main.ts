// `node packages/kafka/dist/topics/main.js`: creates the registry's topics and
// DLQs that the cluster lacks, then exits (0 when every topic exists). The one
// owner of topic creation in a deployment: compose runs it as a job before the
// services start; npm start, the tests and the benches call provisionTopics.
import { z } from 'zod';
import { configOrExit, loadConfig, serviceEnv } from '@handoff/config';
import { createLogger } from '@handoff/observability';
import { createKafka, provisionTopics } from '../client.js';

const config = configOrExit(
  () =>
    loadConfig(
      {
        KAFKA_BROKERS: serviceEnv.KAFKA_BROKERS,
        KAFKA_TOPIC_PREFIX: serviceEnv.KAFKA_TOPIC_PREFIX,
        LOG_LEVEL: serviceEnv.LOG_LEVEL,
        /** One partition count for every topic, instead of the registry's. */
        KAFKA_PARTITIONS: z.coerce.number().int().min(1).max(1000).optional(),
      },
      process.env,
    ),
  'topics',
);
const logger = createLogger({ service: 'topics', level: config.LOG_LEVEL });
const kafka = createKafka({ brokers: config.KAFKA_BROKERS, clientId: 'handoff-topics', logger });
try {
  const result = await provisionTopics(kafka, {
    prefix: config.KAFKA_TOPIC_PREFIX,
    ...(config.KAFKA_PARTITIONS ? { partitions: config.KAFKA_PARTITIONS } : {}),
  });
  for (const m of result.mismatched) {
    logger.warn(m, 'topic has another partition count than the registry; left as it is');
  }
  logger.info({ created: result.created.length, existing: result.existing }, 'topics ready');
} catch (err) {
  logger.fatal({ err }, 'could not create the topics');
  process.exitCode = 1;
}
