export * from './codes.js';
export * from './defaults.js';
export * from './envelope.js';
export * from './batch.js';
