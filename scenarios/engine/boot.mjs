// Entry of the server process and the client worker threads: imports the module named in argv[2]
// (child process) or workerData.entry (worker thread). The installed package names compiled .js
// entries and needs nothing else; from source they are .ts, and tsx (a devDependency) is
// registered first to load them.
import { isMainThread, workerData } from 'node:worker_threads';

const entry = isMainThread ? process.argv[2] : workerData.entry;
if (/\.[cm]?ts$/.test(entry)) (await import('tsx/esm/api')).register();
await import(entry);
