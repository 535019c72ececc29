/**
 * Soak: many clients (a third per transport) for a long time against one server process, to show
 * memory stays flat under steady load and nothing leaks. Not part of `npm test`.
 *
 *   npm run soak -- --clients 1000 --minutes 10 [--interval-ms 2000] [--grace-s 15]
 *
 * The server runs in a child process (test/fixtures/memory-server.ts, --expose-gc) and echoes; every
 * client sends a numbered message every interval (jittered) and checks its echoes, and the server
 * broadcasts one message a second to everyone. Printed: RSS and heap (after a full GC) at the start
 * (after a warm-up of a tenth of the run), the middle and the end; event-loop delay per sample; lost,
 * duplicated and reordered messages; then every client leaves — two thirds closing, one third cut
 * off without a goodbye (through a proxy that is closed) — and the sessions left after the grace
 * period are counted. Asserts nothing: read the figures.
 */
import { parseArgs } from 'node:util';
import { type Client, connect } from '../client/index.js';
import { TRANSPORTS } from '../protocol/index.js';
import { createProxy } from '../scenarios/network/proxy.js';
import { type ChildServer, mib, startChildServer } from '../test/helpers/child-server.js';

const { values } = parseArgs({
  options: {
    clients: { type: 'string', default: '1000' },
    minutes: { type: 'string', default: '10' },
    'interval-ms': { type: 'string', default: '2000' },
    'grace-s': { type: 'string', default: '15' },
  },
});
const CLIENTS = Number(values.clients);
const DURATION_MS = Number(values.minutes) * 60_000;
const INTERVAL_MS = Number(values['interval-ms']);
const GRACE_MS = Number(values['grace-s']) * 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const started = Date.now();
const clock = () => `${((Date.now() - started) / 1000).toFixed(0).padStart(5)} s`;

interface Tracked {
  client: Client;
  sent: number;
  next: number;
  lost: number;
  duplicated: number;
}

const server: ChildServer = await startChildServer({ sessionRateLimit: false, graceMs: GRACE_MS });
// The third of clients that will vanish without a goodbye connects through a proxy we can pull.
const proxy = await createProxy({ target: { host: '127.0.0.1', port: server.port } });
const tracked: Tracked[] = [];
console.log(`soak: ${CLIENTS} clients (a third per transport) for ${values.minutes} min; server pid in a child`);

for (let i = 0; i < CLIENTS; i++) {
  const transport = TRANSPORTS[i % TRANSPORTS.length];
  const vanishes = i % 3 === 2;
  const url = vanishes ? `http://127.0.0.1:${proxy.port}/rt` : server.url;
  const client = connect(url, { transports: [transport] });
  const t: Tracked = { client, sent: 0, next: 0, lost: 0, duplicated: 0 };
  client.on('message', (m) => {
    const n = (m as { n?: number }).n;
    if (typeof n !== 'number') return; // the broadcast tick
    if (n < t.next) t.duplicated++;
    else {
      t.lost += n - t.next;
      t.next = n + 1;
    }
  });
  tracked.push(t);
  if (i % 50 === 49) await sleep(200); // ramp up
}
await Promise.all(
  tracked.map((t) => (t.client.state === 'open' ? null : new Promise((r) => t.client.once('open', r)))),
);
console.log(`${clock()}  all ${CLIENTS} clients open`);

const senders = tracked.map((t) =>
  setTimeout(function tick() {
    if (t.client.state === 'open') t.client.send({ n: t.sent++ });
    senders[tracked.indexOf(t)] = setTimeout(tick, INTERVAL_MS * (0.5 + Math.random()));
  }, Math.random() * INTERVAL_MS),
);
const broadcaster = setInterval(() => void server.broadcast({ tick: Date.now() }), 1000);

const samples: Array<{ label: string; rss: number; heap: number }> = [];
async function sample(label: string): Promise<void> {
  const [memory, delay, sessions] = [await server.memory(), await server.delay(), await server.sessions()];
  samples.push({ label, rss: memory.rss, heap: memory.heapUsed });
  const lost = tracked.reduce((a, t) => a + t.lost, 0);
  const dup = tracked.reduce((a, t) => a + t.duplicated, 0);
  const sent = tracked.reduce((a, t) => a + t.sent, 0);
  console.log(
    `${clock()}  ${label.padEnd(8)} rss ${mib(memory.rss)} MiB  heap ${mib(memory.heapUsed)} MiB  ` +
      `external ${mib(memory.external)} MiB  sessions ${sessions}  event-loop delay p50 ${delay.p50} ms ` +
      `p99 ${delay.p99} ms max ${delay.max} ms  sent ${sent} lost ${lost} duplicated ${dup}`,
  );
}

const warmUp = DURATION_MS / 10;
await sleep(warmUp);
await sample('start');
const steady = DURATION_MS - warmUp;
for (let i = 1; i <= 8; i++) {
  await sleep(steady / 8);
  await sample(i === 4 ? 'middle' : i === 8 ? 'end' : `t${i}`);
}

clearInterval(broadcaster);
for (const timer of senders) clearTimeout(timer);
await sleep(INTERVAL_MS * 2); // last echoes
const lost = tracked.reduce((a, t) => a + t.lost + (t.sent - t.next), 0);
const dup = tracked.reduce((a, t) => a + t.duplicated, 0);
await proxy.close(); // a third vanish: their sessions must expire after the grace period
for (const t of tracked) t.client.close();
await sleep(GRACE_MS + 3000);
const left = await server.sessions();
const start = samples.find((s) => s.label === 'start')!;
const end = samples.find((s) => s.label === 'end')!;
const pct = (a: number, b: number) => `${(((b - a) / a) * 100).toFixed(1)} %`;
console.log(
  `\nsummary: RSS ${mib(start.rss)} → ${mib(end.rss)} MiB (${pct(start.rss, end.rss)} after warm-up), ` +
    `heap ${mib(start.heap)} → ${mib(end.heap)} MiB (${pct(start.heap, end.heap)}); ` +
    `lost or unanswered ${lost}, duplicated ${dup}; sessions left ${GRACE_MS / 1000} s after the clients left: ${left}`,
);
server.close();
process.exit(0);
