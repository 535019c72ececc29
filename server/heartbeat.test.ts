/**
 * Heartbeats: a peer that goes silent with its TCP connection still open (a dead NAT entry, a hung
 * process) is detected on both sides within heartbeatMs + heartbeatTimeoutMs (+ one tick).
 */
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Client } from '../client/index.js';
import type { TransportName } from '../protocol/index.js';
import type { Middlebox } from '../scenarios/network/middleboxes.js';
import { createProxy, type NetworkProxy } from '../scenarios/network/proxy.js';
import type { Connection } from './index.js';
import { openClient, startServer, type TestServer, waitFor } from './testing.js';

const HEARTBEAT = { heartbeatMs: 200, heartbeatTimeoutMs: 200 };
const BOUND_MS = 400 + 600; // interval + timeout, plus the ticker and a loaded CI machine's slack

let server: TestServer;
let proxy: NetworkProxy | null = null;
let client: Client | null = null;
afterEach(async () => {
  client?.close();
  await proxy?.close();
  proxy = client = null;
  await server.close();
});

/** A middlebox that passes bytes until `silence()` is called, then drops them while keeping TCP open. */
function blackHole(): Middlebox & { silence(): void } {
  let silent = false;
  return {
    spec: 'black-hole',
    silence: () => void (silent = true),
    open: (ports) => ({
      fromClient: (b) => void (silent || ports.toServer(b)),
      fromServer: (b) => void (silent || ports.toClient(b)),
      close: () => {},
    }),
  };
}

describe('server detects a silent client', () => {
  const silentClients: Record<TransportName, (base: string) => Promise<() => void>> = {
    // Opens, takes the hello, then never answers a ping (ws answers protocol pings; ours are envelopes).
    websocket: async (base) => {
      const ws = new WebSocket(`${base.replace('http', 'ws')}/websocket`);
      await new Promise((r) => ws.once('message', r));
      return () => ws.terminate();
    },
    // Reads the stream but never POSTs a pong.
    sse: async (base) => {
      const abort = new AbortController();
      const response = await fetch(`${base}/sse`, { signal: abort.signal });
      void response.body!.pipeTo(new WritableStream()).catch(() => {});
      return () => abort.abort();
    },
    // Takes the first answer and never polls again.
    'long-polling': async (base) => {
      await (await fetch(`${base}/long-polling?open=1`)).arrayBuffer();
      return () => {};
    },
  };

  it.each(Object.keys(silentClients) as TransportName[])('%s', async (transport) => {
    server = await startServer(HEARTBEAT);
    const connected = server.nextConnection();
    const stop = await silentClients[transport](server.url);
    const conn: Connection = await connected;
    const startedAt = Date.now();
    await waitFor((r) => conn.once('disconnect', r), 5000, 'disconnect');
    const tookMs = Date.now() - startedAt;
    expect(tookMs).toBeGreaterThanOrEqual(HEARTBEAT.heartbeatMs + HEARTBEAT.heartbeatTimeoutMs - 100); // not cut before it was due
    expect(tookMs).toBeLessThan(BOUND_MS);
    expect(conn.isClosed).toBe(false); // the session waits out its grace period for a resume
    stop();
  });
});

describe('client detects a silent server', () => {
  it.each<TransportName>(['websocket', 'sse', 'long-polling'])('%s', async (transport) => {
    server = await startServer({ ...HEARTBEAT, pollTimeoutMs: 150 });
    const hole = blackHole();
    proxy = await createProxy({ target: { host: '127.0.0.1', port: server.port }, middlebox: hole });
    const c = (client = await openClient(`http://127.0.0.1:${proxy.port}/rt`, { transports: [transport], reconnect: { minDelayMs: 5000 } }));
    const id = c.id;
    hole.silence();
    const startedAt = Date.now();
    const reconnecting = await waitFor<{ reason: string }>((r) => c.once('reconnecting', r), 5000, 'reconnecting');
    const tookMs = Date.now() - startedAt;
    expect(reconnecting.reason).toMatch(/heartbeat timeout/);
    expect(tookMs).toBeLessThan(BOUND_MS);
    expect(c.id).toBe(id);
  });
});
