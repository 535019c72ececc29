/**
 * The floor under an idle SSE stream or parked long-poll in Node: what a bare node:http server holds
 * per open request, measured the way the bench's idle-memory section measures contenders (heap after
 * a full GC, over a baseline, clients in a process of their own), with the same request our Node
 * client sends and nothing kept by the application: once holding the response (what Node keeps with
 * it: request, response, parser, listeners), once holding the socket alone after `takeOver`
 * (server/takeover.ts, what our server does with idle SSE streams and parked polls). Ours (npm run
 * bench, idle memory) is the second plus the session: the difference is what transport-lab itself
 * costs per connection.
 *
 *   node --expose-gc --import tsx bench/http-floor.ts [connections=2000]
 */
import { fork } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { takeOver } from '../server/takeover.js';

const CLIENT = process.argv[2] === '--client';

function destroy(this: Socket) {
  this.destroy();
}

if (CLIENT) {
  // The clients: `count` GETs with our Node client's headers, each held open until the process ends.
  const [port, path, count] = process.argv.slice(3);
  const agent = new http.Agent({ keepAlive: true });
  const open = () =>
    new Promise<void>((resolve) => {
      const req = http.get({ host: '127.0.0.1', port: Number(port), path, agent, headers: { Accept: '*/*' } });
      req.on('response', (res) => (res.once('data', () => resolve()), res.statusCode));
      req.on('error', () => resolve());
      if (path.includes('poll')) req.on('socket', (socket) => socket.once('connect', () => setTimeout(resolve, 5)));
    });
  process.on('message', async () => {
    for (let i = 0; i < Number(count); i += 100) await Promise.all(Array.from({ length: 100 }, open));
    process.send!('opened');
  });
  process.send!('ready');
} else {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with node --expose-gc --import tsx bench/http-floor.ts');
  const count = Number(process.argv[2] ?? 2000);
  const held: Array<http.ServerResponse | Socket> = [];
  let alone = false;
  /** Outside the request handler: a closure made in it would keep its request and response alive. */
  function hold(req: http.IncomingMessage, res: http.ServerResponse) {
    const socket = takeOver(req, res);
    if (!socket) throw new Error('takeOver refused a request it should take');
    socket.on('error', destroy);
    held.push(socket);
  }
  const server = http.createServer((req, res) => {
    if (req.url!.startsWith('/sse')) {
      res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'close' });
      res.flushHeaders();
      res.write('data:h\n\n');
    }
    // A parked poll: nothing written yet. Taken over once the request is read (as the server does,
    // after admitting it), the socket needs an 'error' listener of its own.
    if (!alone) return void held.push(res);
    setImmediate(hold, req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const heap = () => (gc(), gc(), process.memoryUsage().heapUsed);
  for (const [what, path, how] of [
    ['SSE stream (head and one event written)', '/sse?ack=0', 'response'],
    ['SSE stream (head and one event written)', '/sse?ack=0', 'socket'],
    ['parked long-poll (nothing written)', '/poll?sid=AAAAAAAAAAAAAAAAAAAAAA&ack=0', 'response'],
    ['parked long-poll (nothing written)', '/poll?sid=AAAAAAAAAAAAAAAAAAAAAA&ack=0', 'socket'],
  ]) {
    alone = how === 'socket';
    const child = fork(fileURLToPath(import.meta.url), ['--client', String(port), path, String(count)], {
      execArgv: ['--import', 'tsx'],
    });
    await new Promise((resolve) => child.once('message', resolve));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const before = heap();
    child.send('open');
    await new Promise((resolve) => child.once('message', resolve));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const perConnection = (heap() - before) / held.length / 1024;
    const holding = alone ? 'the socket alone (taken over)' : 'the response';
    console.log(
      `bare node:http, ${held.length} idle, holding ${holding}: ${what}: ${perConnection.toFixed(1)} KB heap`,
    );
    child.kill();
    await new Promise((resolve) => setTimeout(resolve, 500));
    held.length = 0;
  }
  server.close();
}
