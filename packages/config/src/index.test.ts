import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, portVar, redisEnv, serviceEnv } from './index.js';

const good = {
  KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9093',
  DATABASE_URL: 'postgres://handoff@127.0.0.1:5432/handoff',
  REDIS_URL: 'redis://127.0.0.1:6379',
  JWT_SECRET: 'x'.repeat(32),
};

describe('loadConfig', () => {
  const shape = { ...serviceEnv, ...redisEnv, PORT: portVar(4101) };

  it('coerces and defaults', () => {
    const config = loadConfig(shape, good);
    expect(config.KAFKA_BROKERS).toEqual(['127.0.0.1:9092', '127.0.0.1:9093']);
    expect(config.PORT).toBe(4101);
    expect(config.KAFKA_SESSION_TIMEOUT_MS).toBe(6000);
    expect(config.KAFKA_FETCH_MAX_WAIT_MS).toBe(2000);
  });

  it.each([
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ KAFKA_BROKERS: 'nohostport' }, 'KAFKA_BROKERS'],
    [{ JWT_SECRET: 'short' }, 'JWT_SECRET'],
    [{ PORT: 'eighty' }, 'PORT'],
    [{ REDIS_URL: undefined }, 'REDIS_URL'],
    // kafkajs heartbeats between fetches: a fetch held longer than a third of the session loses the member.
    [{ KAFKA_SESSION_TIMEOUT_MS: '6000', KAFKA_FETCH_MAX_WAIT_MS: '2500' }, 'KAFKA_FETCH_MAX_WAIT_MS'],
  ])('names the bad variable (%o)', (override, variable) => {
    let error: unknown;
    try {
      loadConfig(shape, { ...good, ...override });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(variable);
  });

  it('takes a fetch wait within a third of the session timeout', () => {
    const config = loadConfig(shape, { ...good, KAFKA_SESSION_TIMEOUT_MS: '30000', KAFKA_FETCH_MAX_WAIT_MS: '10000' });
    expect(config.KAFKA_FETCH_MAX_WAIT_MS).toBe(10000);
  });

  it('runs cross-field checks', () => {
    expect(() =>
      loadConfig(shape, good, (c) => (c.PORT === 4101 ? [{ variable: 'PORT', problem: 'taken' }] : [])),
    ).toThrow(/PORT \(taken\)/);
  });
});
