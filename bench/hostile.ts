/**
 * Re-measures issue 11's table: what hostile or careless clients cost a server running with its
 * defaults (in a child process, --expose-gc, memory after full GCs), on loopback. Asserts nothing:
 * it prints one line per row. The same file runs against an older checkout to compare.
 *
 *   npx tsx bench/hostile.ts [--rows acked,flood,resume,loop,deep,storm,slow,rebinding]
 */
import http from 'node:http';
import net from 'node:net';
import { parseArgs } from 'node:util';
import { connect } from '../client/index.js';
import { decode, decodeBatch, type Hello } from '../protocol/index.js';
import { createProxy } from '../scenarios/network/proxy.js';
import { type ChildServer, held, mib, startChildServer } from '../test/helpers/child-server.js';

const { values } = parseArgs({
  options: { rows: { type: 'string', default: 'acked,flood,resume,loop,deep,storm,slow,rebinding' } },
});
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rows = new Set(values.rows.split(','));
const sockets: net.Socket[] = [];

function neverReading(port: number, request: string | Buffer): net.Socket {
  const socket = net.connect(port, '127.0.0.1');
  socket.pause();
  socket.setMaxListeners(0); // the flood waits for 'drain' with a timeout, leaving listeners behind
  socket.on('error', () => {});
  socket.write(request);
  sockets.push(socket);
  return socket;
}
const get = (path: string, extra = '') => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${extra}\r\n`;
const upgrade = (path: string, extra = '') =>
  get(
    path,
    'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n' +
      extra,
  );
function maskedFrame(text: string | Buffer): Buffer {
  const payload = Buffer.from(text);
  const length =
    payload.length < 126
      ? Buffer.from([0x81, 0x80 | payload.length])
      : payload.length < 65536
        ? Buffer.from([0x81, 0x80 | 126, payload.length >> 8, payload.length & 0xff])
        : Buffer.concat([
            Buffer.from([0x81, 0x80 | 127]),
            Buffer.from(new BigUint64Array([BigInt(payload.length)]).buffer).reverse(),
          ]);
  return Buffer.concat([length, Buffer.alloc(4), payload]); // mask 0
}
async function openSession(url: string): Promise<Hello> {
  const body = new Uint8Array(await (await fetch(`${url}/long-polling?open=1`)).arrayBuffer());
  return (decode(decodeBatch(body, 1 << 30)[0]) as { hello: Hello }).hello;
}
const memoryLine = async (s: ChildServer) => {
  const m = await s.memory();
  return `heap+external ${mib(held(m))} MiB, RSS ${mib(m.rss)} MiB`;
};
async function withServer(run: (s: ChildServer) => Promise<void>): Promise<void> {
  const s = await startChildServer();
  try {
    await run(s);
  } finally {
    for (const socket of sockets.splice(0)) socket.destroy();
    s.close();
  }
}

if (rows.has('acked'))
  await withServer(async (s) => {
    const client = connect(s.url, { transports: ['websocket'] });
    await new Promise((r) => client.once('open', r));
    let received = 0;
    client.on('message', () => received++);
    const before = await memoryLine(s);
    for (let batch = 1; batch <= 20; batch++) {
      await s.send(client.id!, 50, 64 * 1024);
      while (received < 50 * batch) await sleep(10);
      await sleep(250);
    }
    await sleep(500);
    console.log(`acked: 1,000 acknowledged 64 KiB messages on one session: ${before} → ${await memoryLine(s)}`);
    client.close();
  });

if (rows.has('flood'))
  await withServer(async (s) => {
    const before = await memoryLine(s);
    const socket = neverReading(s.port, upgrade('/rt/websocket'));
    let cut = false;
    socket.on('close', () => (cut = true));
    const pings = Buffer.concat(Array.from({ length: 10_000 }, () => maskedFrame('p')));
    const until = Date.now() + 20_000;
    while (Date.now() < until && !cut)
      if (!socket.write(pings)) await Promise.race([new Promise((r) => socket.once('drain', r)), sleep(100)]);
    const after = await memoryLine(s);
    await sleep(25_000);
    console.log(`flood: p for 20 s, never read: ${before} → ${after}; 25 s later ${await memoryLine(s)}; cut: ${cut}`);
  });

if (rows.has('resume'))
  for (const [transport, count] of [
    ['sse', 20],
    ['long-polling', 40],
    ['websocket', 20],
  ] as const)
    await withServer(async (s) => {
      const hello = await openSession(s.url);
      const queued = await s.send(hello.sid, 128, 64 * 1024); // up to maxBufferedBytes (8 MiB)
      const before = await memoryLine(s);
      const resume = `/rt/${transport}?sid=${hello.sid}&token=${hello.token}&ack=0`;
      for (let i = 0; i < count; i++) {
        if (transport === 'websocket')
          neverReading(s.port, Buffer.concat([Buffer.from(upgrade(resume)), maskedFrame('p1')]));
        else neverReading(s.port, get(transport === 'sse' ? resume : `${resume}&open=1`));
        await sleep(100);
      }
      const after = await memoryLine(s);
      await sleep(30_000);
      console.log(
        `resume: ${count} ${transport} resumes (ack=0) of a session holding ${queued} × 64 KiB, never read: ` +
          `${before} → ${after}; 30 s later ${await memoryLine(s)}`,
      );
    });

if (rows.has('loop'))
  await withServer(async (s) => {
    const before = await memoryLine(s);
    const statuses = new Map<number, number>();
    const startedAt = Date.now();
    while (Date.now() - startedAt < 7800) {
      const response = await fetch(`${s.url}/long-polling?open=1`);
      await response.arrayBuffer();
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
    }
    console.log(
      `loop: one client opening sessions for 7.8 s: answers ${JSON.stringify(Object.fromEntries(statuses))}, ` +
        `${await s.sessions()} sessions held; ${before} → ${await memoryLine(s)}`,
    );
  });

if (rows.has('deep'))
  await withServer(async (s) => {
    const probe = connect(s.url, { transports: ['websocket'] });
    await new Promise((r) => probe.once('open', r));
    const rtts = async (ms: number, attack?: () => Promise<void>) => {
      const times: number[] = [];
      let running = true;
      const attacking = attack
        ? (async () => {
            while (running) await attack();
          })()
        : null;
      await s.delay();
      const until = Date.now() + ms;
      while (Date.now() < until) {
        const t = performance.now();
        const echoed = new Promise((r) => probe.once('message', r));
        probe.send('rtt');
        await echoed;
        times.push(performance.now() - t);
        await sleep(5);
      }
      running = false;
      await attacking;
      times.sort((a, b) => a - b);
      return { p99: times[Math.floor(times.length * 0.99)].toFixed(1), loop: await s.delay() };
    };
    const deep = Buffer.from(`j1 ${'['.repeat(500_000)}${']'.repeat(500_000)}`);
    const attack = async () => {
      const socket = net.connect(s.port, '127.0.0.1');
      socket.on('error', () => {});
      socket.on('data', () => {});
      socket.write(upgrade('/rt/websocket'));
      await sleep(20);
      socket.write(maskedFrame('p1'));
      await sleep(20);
      socket.write(maskedFrame(deep));
      await new Promise((r) => setTimeout(r, 300));
      socket.destroy();
    };
    const quiet = await rtts(5000);
    const attacked = await rtts(5000, attack);
    console.log(
      `deep: 1 MB messages of 500k-deep JSON: another client's round trip p99 ${quiet.p99} ms → ${attacked.p99} ms; ` +
        `server event-loop delay p99 ${quiet.loop.p99} → ${attacked.loop.p99} ms (max ${attacked.loop.max} ms)`,
    );
    probe.close();
  });

if (rows.has('storm'))
  await withServer(async (s) => {
    let requests = 0;
    const origin = (init?: RequestInit) =>
      init?.method === 'POST'
        ? { ...(init.headers as Record<string, string>), Origin: 'http://app.example' }
        : init?.headers;
    const client = connect(s.url, {
      transports: ['sse'],
      platform: { fetch: (input, init) => (requests++, globalThis.fetch(input, { ...init, headers: origin(init) })) },
    });
    let reconnects = 0;
    const events: string[] = [];
    client.on('reconnecting', () => reconnects++);
    client.on('error', (e) => events.push(`error ${(e as { code?: string }).code ?? e.message}`));
    client.on('close', ({ code, reason }) => events.push(`close ${code} ${reason}`));
    await new Promise((r) => client.once('open', r));
    client.send('refused upload');
    await sleep(10_000);
    console.log(
      `storm: POST refused 403 while SSE opens: ${reconnects} reconnects, ${requests} fetches in 10 s; ${events.join(', ') || 'no close or error event'}`,
    );
    client.close();
  });

if (rows.has('slow'))
  await withServer(async (s) => {
    const proxy = await createProxy({
      target: { host: '127.0.0.1', port: s.port },
      network: { name: '200 KB/s', rttMs: 20, jitterMs: 0, downKbps: 1600, upKbps: 1600 },
    });
    const client = connect(`http://127.0.0.1:${proxy.port}/rt`, { transports: ['websocket'] });
    await new Promise((r) => client.once('open', r));
    let received = 0;
    let reconnects = 0;
    client.on('message', () => received++);
    client.on('reconnecting', () => reconnects++);
    proxy.cutAll();
    await s.send(client.id!, 24, 64 * 1024);
    const startedAt = Date.now();
    const resumed = await Promise.race([
      new Promise((r) => client.once('resumed', () => r(true))),
      sleep(45_000).then(() => false),
    ]);
    while (received < 24 && Date.now() - startedAt < 45_000) await sleep(50);
    console.log(
      `slow: WebSocket resume, 1.5 MB backlog over 200 KB/s: resumed ${resumed}, ${received}/24 messages in ` +
        `${((Date.now() - startedAt) / 1000).toFixed(1)} s, ${reconnects} reconnects`,
    );
    client.close();
    await proxy.close();
  });

if (rows.has('rebinding'))
  await withServer(async (s) => {
    const status = (path: string, headers: Record<string, string>) =>
      new Promise<number>((resolve) => {
        const req = http.get(`http://127.0.0.1:${s.port}${path}`, { headers });
        req.on('upgrade', (_res, socket) => (socket.destroy(), resolve(101)));
        req.on('response', (res) => (res.destroy(), resolve(res.statusCode!)));
        req.on('error', () => resolve(0));
      });
    const rebound = { Host: `evil.example:${s.port}`, Origin: `http://evil.example:${s.port}` };
    const ws = await status('/rt/websocket', {
      ...rebound,
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    });
    console.log(`rebinding: Host evil.example + matching Origin: WS ${ws}, SSE ${await status('/rt/sse', rebound)}`);
  });

process.exit(0);
