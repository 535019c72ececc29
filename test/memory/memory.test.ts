/**
 * Memory bounded by configuration, not by client behaviour (issue 11). Each test runs the server in a
 * child process started with --expose-gc and measures what it holds (heap + external buffers) after
 * full GCs, before and after a hostile or careless client did its worst; the growth must stay under a
 * stated ceiling. Clients here are raw sockets that never read, so nothing drains by accident.
 *
 * Ceilings (defaults unless a test says otherwise; what the code before issue 11 did, in brackets):
 *  - 1,000 acknowledged 64 KiB messages: < 8 MiB retained          [+62 MiB: acked entries kept]
 *  - `p` flood on a WebSocket that is never read, 4 s: < 16 MiB     [hundreds of MiB, unbounded]
 *  - 20 resumes (ack=0) of a session holding 6 MiB, never read,
 *    per transport: < 24 MiB                                       [20 × 6 MiB per transport]
 *  - one address opening sessions in a loop for 3 s: < 8 MiB, and
 *    no more sessions than the rate limit allows                   [~20,000 sessions]
 */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../client/index.js';
import { type Hello, TRANSPORTS, type TransportName } from '../../protocol/index.js';
import { type ChildServer, held, mib, startChildServer } from '../helpers/child-server.js';
import { sleep, waitFor } from '../helpers/server.js';

const MiB = 1024 * 1024;
let server: ChildServer | null = null;
const sockets: net.Socket[] = [];
afterEach(() => {
  for (const socket of sockets.splice(0)) socket.destroy();
  server?.close();
  server = null;
});

/** A TCP connection that sends `request` and then never reads a byte. */
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
const upgrade = (path: string) =>
  get(
    path,
    'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n' +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n',
  );

/** A masked client→server text frame (RFC 6455 §5.3). */
function maskedFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  const mask = Buffer.from([1, 2, 3, 4]);
  const masked = payload.map((b, i) => b ^ mask[i % 4]);
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length]), mask, masked]);
}

/** Opens a session over long-polling; returns its hello (sid, token). */
async function openSession(url: string): Promise<Hello> {
  const body = Buffer.from(await (await fetch(`${url}/long-polling?open=1`)).arrayBuffer()).toString();
  return JSON.parse(body.slice(body.indexOf(' ') + 1)) as Hello;
}

async function growth(s: ChildServer, act: () => Promise<void>): Promise<{ before: number; after: number }> {
  const before = held(await s.memory());
  await act();
  const after = held(await s.memory());
  console.log(`  held: ${mib(before)} → ${mib(after)} MiB (+${mib(after - before)})`);
  return { before, after };
}

describe('memory under hostile clients (server heap + external after GC)', () => {
  it('releases acknowledged messages at once: 1,000 × 64 KiB acked leave < 8 MiB behind', async () => {
    const s = (server = await startChildServer());
    const client = connect(s.url, { transports: ['websocket'], ackDelayMs: 20 });
    try {
      await waitFor((r) => client.once('open', r), 10_000, 'open');
      const { before, after } = await growth(s, async () => {
        let received = 0;
        client.on('message', () => received++);
        // In batches of 50 (3.2 MiB): more at once would pass maxBufferedBytes before the acks return.
        for (let batch = 1; batch <= 20; batch++) {
          expect(await s.send(client.id!, 50, 64 * 1024)).toBe(50);
          await waitFor<void>(
            (r) => {
              const check = () => (received >= 50 * batch ? r() : setTimeout(check, 10));
              check();
            },
            30_000,
            `batch ${batch}`,
          );
          await sleep(60); // the client's ack for the rest of the batch (ackDelayMs) reaches the server
        }
        await sleep(500); // the client's acks (every 64 messages, or 200 ms) reach the server
      });
      expect(after - before).toBeLessThan(8 * MiB);
    } finally {
      client.close();
    }
  });

  it('a WebSocket client that floods `p` for 4 s and never reads holds < 16 MiB', async () => {
    const s = (server = await startChildServer());
    // Pings with the longest id: each pong is 17 bytes + framing, so they outgrow the kernel's buffers.
    const pings = Buffer.concat(Array.from({ length: 10_000 }, (_, i) => maskedFrame(`p${100_000_000_000_000 + i}`)));
    let sent = 0;
    const { before, after } = await growth(s, async () => {
      const socket = neverReading(s.port, upgrade('/rt/websocket'));
      const until = Date.now() + 4000;
      while (Date.now() < until && !socket.destroyed) {
        sent += 10_000;
        // The server stops reading while its pongs pile up: then this socket's writes back up too.
        if (!socket.write(pings)) await Promise.race([new Promise((r) => socket.once('drain', r)), sleep(100)]);
      }
    });
    console.log(`  ${sent} pings written`);
    expect(after - before).toBeLessThan(16 * MiB);
  });

  it.each([...TRANSPORTS])(
    '20 resumes (ack=0) over %s of a session holding 6 MiB, never read, stay < 24 MiB',
    async (transport: TransportName) => {
      const s = (server = await startChildServer({ writeTimeoutMs: 60_000, heartbeatMs: 60_000 }));
      const hello = await openSession(s.url);
      expect(await s.send(hello.sid, 96, 64 * 1024)).toBe(96); // 6 MiB waiting for the client
      const resume = `/rt/${transport}?sid=${hello.sid}&token=${hello.token}&ack=0`;
      const { before, after } = await growth(s, async () => {
        for (let i = 0; i < 20; i++) {
          if (transport === 'websocket')
            neverReading(s.port, Buffer.concat([Buffer.from(upgrade(resume)), maskedFrame('p1')]));
          else neverReading(s.port, get(transport === 'long-polling' ? `${resume}&open=1` : resume));
          await sleep(100);
        }
        await sleep(500);
      });
      expect(await s.sessions()).toBe(1);
      expect(after - before).toBeLessThan(24 * MiB);
    },
  );

  it('one address opening sessions in a loop is held by the rate limit: < 8 MiB, sessions within the limit', async () => {
    const s = (server = await startChildServer({ sessionRateLimit: { burst: 50, perSecond: 10 } }));
    const answers = new Map<number, number>();
    let codes = new Set<string>();
    const startedAt = Date.now();
    const { before, after } = await growth(s, async () => {
      while (Date.now() - startedAt < 3000) {
        const response = await fetch(`${s.url}/long-polling?open=1`);
        answers.set(response.status, (answers.get(response.status) ?? 0) + 1);
        if (response.status !== 200) codes = codes.add(((await response.json()) as { code: string }).code);
        else await response.arrayBuffer();
      }
    });
    const seconds = (Date.now() - startedAt) / 1000;
    const sessions = await s.sessions();
    console.log(`  ${JSON.stringify(Object.fromEntries(answers))} in ${seconds.toFixed(1)} s; ${sessions} sessions`);
    expect(sessions).toBeLessThanOrEqual(50 + Math.ceil(10 * seconds) + 1);
    expect(answers.get(429)).toBeGreaterThan(0);
    expect([...codes]).toEqual(['RATE_LIMITED']);
    expect(after - before).toBeLessThan(8 * MiB);
  });
});
