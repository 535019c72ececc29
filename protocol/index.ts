export * from './codes.js';
export * from './defaults.js';
export * from './logger.js';
export * from './transports.js';
export * from './envelope.js';
export * from './batch.js';
export * from './payload.js';
export * from './sequencer.js';
