/**
 * A WebSocket resume with a large backlog over a slow link (issue 11): through the real emulation
 * proxy capped at 200 KB/s, 1.5 MB waits for a client that lost its connection. The server answers
 * the client's verification ping before it sends the backlog, so the client verifies within its
 * connectTimeoutMs and resumes on WebSocket — before, the pong queued behind 7.5 s of backlog, the
 * verification timed out, and a WebSocket-only client reconnected forever.
 */
import { afterEach, expect, it } from 'vitest';
import { createProxy, type NetworkProxy } from '../scenarios/network/proxy.js';
import { collect, openClient, startServer, type TestServer, waitFor } from '../test/helpers/server.js';
import type { Client } from './index.js';

let server: TestServer | null = null;
let proxy: NetworkProxy | null = null;
let client: Client | null = null;
afterEach(async () => {
  client?.close();
  await proxy?.close();
  await server?.close();
});

it('a 1.5 MB backlog over a 200 KB/s link resumes on WebSocket, verified in time, nothing lost', async () => {
  const s = (server = await startServer());
  const p = (proxy = await createProxy({
    target: { host: '127.0.0.1', port: s.port },
    network: { name: '200 KB/s', rttMs: 20, jitterMs: 0, downKbps: 1600, upKbps: 1600 },
  }));
  const connected = s.nextConnection();
  const c = (client = await openClient(`http://127.0.0.1:${p.port}/rt`, {
    transports: ['websocket'],
    connectTimeoutMs: 3000,
    reconnect: { minDelayMs: 100, maxDelayMs: 500 },
  }));
  const conn = await connected;
  const reconnects: string[] = [];
  c.on('reconnecting', ({ reason }) => reconnects.push(reason));
  const n = 24; // 24 × 64 KiB = 1.5 MiB
  const received = collect<string>((l) => c.on('message', l as (m: unknown) => void), n, 40_000);
  const resumed = waitFor((r) => c.once('resumed', r), 10_000, 'resumed');
  const disconnected = waitFor<void>((r) => conn.once('disconnect', () => r()), 5000, 'disconnect');
  expect(p.cutAll()).toBeGreaterThan(0);
  await disconnected;
  for (let i = 0; i < n; i++) expect(conn.send(`${i}:`.padEnd(64 * 1024, '.'))).toBe(true);
  await resumed;
  const messages = await received;
  expect(messages.map((m) => Number(m.slice(0, m.indexOf(':'))))).toEqual(Array.from({ length: n }, (_, i) => i));
  expect(reconnects).toHaveLength(1); // the cut; the resume itself verified the first time
  expect(c.transport).toBe('websocket');
}, 60_000);
