// Entry of the server process and the client worker threads: registers tsx so they can load the
// TypeScript module named in argv[2] (child process) or workerData.entry (worker thread).
import { register } from 'tsx/esm/api';
import { isMainThread, workerData } from 'node:worker_threads';

register();
await import(isMainThread ? process.argv[2] : workerData.entry);
