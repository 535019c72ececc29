/**
 * Fallback trusts data, not `open` events: through a real TCP proxy that refuses upgrades, stalls
 * them, or buffers streaming responses, the client must end on a transport that carries messages.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createProxy, type NetworkProxy } from '../scenarios/network/proxy.js';
import type { TransportName } from '../protocol/index.js';
import { collect, openClient, startServer, type TestServer, waitFor } from '../test/helpers/server.js';
import { type Client, type ClientEvents, type ClientOptions, TransportError } from './index.js';

let server: TestServer;
let proxy: NetworkProxy | null = null;
let client: Client | null = null;

afterEach(async () => {
  client?.close();
  client = null;
  await proxy?.close();
  proxy = null;
  await server?.close();
});

/** Starts an echo server behind a proxy with the given middlebox; connects through it. */
async function connectThrough(middlebox: string | null, options: ClientOptions): Promise<Client> {
  server = await startServer();
  server.rt.on('connection', (conn) => conn.on('message', (m: unknown) => conn.send(m)));
  proxy = await createProxy({ target: { host: '127.0.0.1', port: server.port }, middlebox });
  return (client = await openClient(`http://127.0.0.1:${proxy.port}/rt`, { connectTimeoutMs: 1500, ...options }));
}

async function expectEcho(c: Client, n = 20) {
  const replies = collect((l) => c.on('message', l), n);
  for (let i = 0; i < n; i++) c.send({ i });
  expect(await replies).toEqual(Array.from({ length: n }, (_, i) => ({ i })));
}

const firstSwitch = (c: Client) =>
  waitFor<ClientEvents['transport']>((r) => c.once('transport', r), 10_000, 'transport');

describe('fallback', () => {
  it.each<[string, string | null, TransportName[], TransportName, RegExp]>([
    ['refused upgrade', 'block-websocket', ['websocket', 'sse', 'long-polling'], 'sse', /websocket closed/],
    [
      'upgrade accepted, then nothing forwarded',
      'stall-websocket',
      ['websocket', 'sse', 'long-polling'],
      'sse',
      /no hello and round trip within 1500 ms/,
    ],
    [
      'upgrade accepted, then nothing forwarded (no SSE offered)',
      'stall-websocket',
      ['websocket', 'long-polling'],
      'long-polling',
      /no hello and round trip/,
    ],
    [
      'streaming responses buffered',
      'buffer-streaming',
      ['sse', 'long-polling'],
      'long-polling',
      /no hello within 1500 ms/,
    ],
  ])(
    '%s (%s) → ends on the next working transport and says why',
    async (_name, middlebox, transports, expected, why) => {
      server = await startServer();
      server.rt.on('connection', (conn) => conn.on('message', (m: unknown) => conn.send(m)));
      proxy = await createProxy({ target: { host: '127.0.0.1', port: server.port }, middlebox });
      const { connect } = await import('./index.js');
      const c = (client = connect(`http://127.0.0.1:${proxy.port}/rt`, { transports, connectTimeoutMs: 1500 }));
      const change = await firstSwitch(c);
      expect(change).toMatchObject({ from: null, to: expected, reason: 'fallback' });
      expect(change.attempts.map((a) => a.transport)).toEqual(transports.slice(0, transports.indexOf(expected)));
      for (const { transport, error } of change.attempts)
        expect(error).toMatchObject({ name: 'TransportError', transport });
      expect(change.attempts[0].error).toBeInstanceOf(TransportError);
      expect(change.attempts[0].error.message).toMatch(why);
      expect(c.transport).toBe(expected);
      await expectEcho(c);
    },
  );

  it('a clean path stays on the first transport with no failed attempts', async () => {
    const c = await connectThrough(null, {});
    expect(c.transport).toBe('websocket');
    await expectEcho(c);
  });

  it('after a fallback, reconnects skip the transport that never worked', async () => {
    const c = await connectThrough('block-websocket', { reconnect: { minDelayMs: 20, maxDelayMs: 50 } });
    expect(c.transport).toBe('sse');
    const resumed = waitFor<ClientEvents['resumed']>((r) => c.once('resumed', r));
    await new Promise((r) => setTimeout(r, 50));
    proxy!.cutAll();
    const startedAt = Date.now();
    expect((await resumed).transport).toBe('sse');
    expect(Date.now() - startedAt).toBeLessThan(1500); // did not wait out a WebSocket attempt again
    await expectEcho(c);
  });
});

describe('upgrade strategy', () => {
  it('starts on long-polling, moves up to WebSocket, and loses nothing in flight', async () => {
    server = await startServer();
    const connected = server.nextConnection();
    const { connect } = await import('./index.js');
    const c = (client = connect(server.url, { strategy: 'upgrade' }));
    const first = await firstSwitch(c);
    expect(first).toMatchObject({ from: null, to: 'long-polling' });
    const conn = await connected;
    const n = 400;
    const atServer = collect<number>((l) => conn.on('message', l as (m: unknown) => void), n);
    const atClient = collect<number>((l) => c.on('message', l as (m: unknown) => void), n);
    const upgraded = firstSwitch(c);
    const serverSide = waitFor((r) => conn.once('transport', r));
    for (let i = 0; i < n; i++) {
      c.send(i);
      conn.send(i);
      if (i % 25 === 0) await new Promise((r) => setTimeout(r, 2));
    }
    expect(await upgraded).toMatchObject({ from: 'long-polling', to: 'websocket', reason: 'upgrade' });
    expect(await serverSide).toEqual({ from: 'long-polling', to: 'websocket', reason: 'upgrade' });
    expect(await atServer).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(await atClient).toEqual(Array.from({ length: n }, (_, i) => i));
    expect(conn.transport).toBe('websocket');
  });

  it('behind a WebSocket-blocking proxy, upgrades to SSE instead', async () => {
    server = await startServer();
    server.rt.on('connection', (conn) => conn.on('message', (m: unknown) => conn.send(m)));
    proxy = await createProxy({ target: { host: '127.0.0.1', port: server.port }, middlebox: 'block-websocket' });
    const { connect } = await import('./index.js');
    const c = (client = connect(`http://127.0.0.1:${proxy.port}/rt`, { strategy: 'upgrade', connectTimeoutMs: 1500 }));
    expect(await firstSwitch(c)).toMatchObject({ to: 'long-polling' });
    const second = await firstSwitch(c);
    expect(second).toMatchObject({ from: 'long-polling', to: 'sse', reason: 'upgrade' });
    expect(second.attempts).toEqual([
      {
        transport: 'websocket',
        error: expect.objectContaining({ message: expect.stringMatching(/websocket closed/) }),
      },
    ]);
    await expectEcho(c);
  });
});

describe('when every transport fails', () => {
  it('the reconnect carries one AggregateError with each attempt’s own TransportError', async () => {
    // An HTTP server that answers every request 503 and drops every upgrade.
    const refusing = http.createServer((_req, res) => res.writeHead(503).end());
    refusing.on('upgrade', (_req, socket) => socket.destroy());
    await new Promise<void>((r) => refusing.listen(0, '127.0.0.1', r));
    const { port } = refusing.address() as AddressInfo;
    const { connect } = await import('./index.js');
    const c = (client = connect(`http://127.0.0.1:${port}/rt`, { reconnect: { minDelayMs: 5_000 } }));
    const { error, reason } = await waitFor<ClientEvents['reconnecting']>((r) => c.once('reconnecting', r));
    refusing.close();
    expect(error).toBeInstanceOf(AggregateError);
    const errors = (error as AggregateError).errors as TransportError[];
    expect(errors.map((e) => e.transport)).toEqual(['websocket', 'sse', 'long-polling']);
    for (const e of errors) expect(e).toBeInstanceOf(TransportError);
    expect(reason).toBe(error.message);
    for (const e of errors) expect(reason).toContain(`${e.transport}: ${e.message}`);
  });
});
