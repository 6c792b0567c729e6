export * from './infra.js';
export * from './service-process.js';
export * from './util.js';
