export * from './enums.js';
export * from './envelope.js';
export * from './events.js';
export * from './lead-id.js';
export * from './principal.js';
export * from './topics.js';
export * from './text.js';
