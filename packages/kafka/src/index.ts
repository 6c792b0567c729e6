export * from './client.js';
export * from './errors.js';
export * from './event-consumer.js';
export * from './naming.js';
export * from './outbox.js';
export * from './outbox-relay.js';
export * from './messaging.js';
export { migrateService, runtimeMigrationsDir, type PackageMigrations } from './migrations.js';
