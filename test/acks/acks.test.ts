/**
 * Lazy, bounded acknowledgements end to end (protocol/acks.ts, docs/protocol.md "Acks and
 * heartbeats"), with the real client and server: an ack rides on what goes anyway, and a sender that
 * needs room asks for it, so neither a full buffer nor a request per message is the price.
 */
import type { IncomingMessage } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { Client } from '../../client/index.js';
import { decode, decodeBatch, type Envelope, type TransportName } from '../../protocol/index.js';
import type { Connection } from '../../server/index.js';
import { collect, openClient, sleep, startServer, type TestServer, waitFor } from '../helpers/server.js';

let server: TestServer | null = null;
let client: Client | null = null;
afterEach(async () => {
  client?.close();
  await server?.close();
  server = client = null;
});

/** Every upstream POST the server gets, decoded. */
function recordPosts(s: TestServer): Envelope[][] {
  const posts: Envelope[][] = [];
  s.rt.httpServer!.on('request', (req: IncomingMessage) => {
    if (req.method !== 'POST') return;
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => posts.push(decodeBatch(Buffer.concat(chunks), 1 << 20).map((f) => decode(f))));
  });
  return posts;
}

const until = async (check: () => boolean, ms = 10_000) => {
  for (let waited = 0; !check() && waited < ms; waited += 20) await sleep(20);
  return check();
};

describe('an SSE client that only receives', () => {
  it('posts no ack of its own: its ack goes with the pong to the server’s ping, in one POST', async () => {
    const s = (server = await startServer({ heartbeatMs: 600, heartbeatTimeoutMs: 2000 }));
    const posts = recordPosts(s);
    const connected = s.nextConnection();
    const c = (client = await openClient(s.url, { transports: ['sse'] }));
    const conn = await connected;
    const received = collect((l) => c.on('message', l), 20);
    for (let i = 0; i < 20; i++) conn.send(`tick ${i}`);
    await received;
    expect(conn.bufferedAmount).toBeGreaterThan(0); // nothing acknowledged yet: the client had no reason to
    expect(await until(() => conn.bufferedAmount === 0)).toBe(true);
    await sleep(50); // the POST's body is read by now
    // One POST: the pong to the server's ping (the client had been quiet for heartbeatMs), carrying the ack.
    expect(posts).toEqual([[{ type: 'pong' }, { type: 'ack', ack: 20 }]]);
  });
});

describe.each(['websocket', 'sse'] as TransportName[])(
  '%s: a sender past half its buffer asks for the ack',
  (transport) => {
    const piece = 'x'.repeat(20 * 1024);

    it('the server holding 64 KiB at most sends 400 KiB to a client whose own acks wait a minute', async () => {
      const s = (server = await startServer({ maxBufferedBytes: 64 * 1024 }));
      const connected = s.nextConnection();
      const c = (client = await openClient(s.url, { transports: [transport], ackEvery: 1e6, ackDelayMs: 60_000 }));
      const conn: Connection = await connected;
      const errors: string[] = [];
      conn.on('error', (e) => errors.push((e as { code?: string }).code ?? e.message));
      let disconnects = 0;
      conn.on('disconnect', () => disconnects++);
      const received = collect((l) => c.on('message', l), 20, 20_000);
      for (let i = 0; i < 20; i++) {
        expect(conn.send(piece)).toBe(true);
        await sleep(30);
      }
      expect((await received).length).toBe(20);
      expect({ errors, disconnects }).toEqual({ errors: [], disconnects: 0 });
    });

    it.runIf(transport === 'websocket')(
      'a client holding 64 KiB at most sends 400 KiB to a server whose acks wait a minute',
      async () => {
        const s = (server = await startServer({ ackEvery: 1e6, ackDelayMs: 60_000 }));
        const connected = s.nextConnection();
        const c = (client = await openClient(s.url, { transports: [transport], maxBufferedBytes: 64 * 1024 }));
        const conn = await connected;
        const received = collect((l) => conn.on('message', l), 20, 20_000);
        for (let i = 0; i < 20; i++) {
          c.send(piece); // throws BUFFER_FULL if the server never acknowledged
          await sleep(30);
        }
        expect((await received).length).toBe(20);
        await waitFor<void>((r) => (c.bufferedAmount <= 64 * 1024 ? r() : undefined), 1000, 'room');
      },
    );
  },
);
