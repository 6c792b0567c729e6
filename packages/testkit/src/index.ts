export * from './infra.js';
export * from './service-process.js';
