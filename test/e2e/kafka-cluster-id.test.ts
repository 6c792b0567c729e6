import { describe, expect, it } from 'vitest';
// @ts-expect-error: infra's broker module is plain ESM without types; only this function is used here.
import { kafkaUuid } from '../../infra/kafka/kafka.mjs';

describe('the local broker’s cluster id', () => {
  it('is a UUID in URL-safe base64 the storage tool accepts: never one that starts with "-"', () => {
    // About one in 64 random ids starts with '-', which `kafka-storage format -t` reads as an option.
    const ids = Array.from({ length: 5000 }, () => kafkaUuid() as string);
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
