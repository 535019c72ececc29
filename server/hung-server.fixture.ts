/**
 * A message server in its own process, for tests that freeze it (SIGSTOP): its sockets stay open and
 * the kernel keeps acknowledging, but nothing is sent — a hung process, not a closed one.
 * Prints its port on stdout; echoes every message.
 */
import { createMessageServer } from './index.js';

const rt = createMessageServer({ heartbeatMs: 200, heartbeatTimeoutMs: 200, pollTimeoutMs: 150, graceMs: 30_000 });
rt.on('connection', (conn) => conn.on('message', (data) => conn.send(data)));
const { port } = await rt.listen(0, '127.0.0.1');
process.stdout.write(`${port}\n`);
