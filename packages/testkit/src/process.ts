// The parts of the testkit that do not need vitest (benchmarks use them).
export * from './service-process.js';
export * from './util.js';
