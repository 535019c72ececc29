/**
 * The conformance suite every transport passes, end to end: the real client against the real
 * server over real sockets on 127.0.0.1 (crossws style: one suite, capability options). Checks that
 * depend on a capability run where the transport has it: e.g. the upgrade onto a transport only
 * where it can be a probe. transports.test.ts runs it for every registered transport.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Client } from '../../client/index.js';
import {
  CloseCodes,
  TRANSPORT_CAPABILITIES,
  TRANSPORTS,
  type TransportCapabilities,
  type TransportName,
} from '../../protocol/index.js';
import type { Connection } from '../../server/index.js';
import {
  collect,
  type Deployment,
  describeDeployment,
  openClient,
  PLAIN,
  sleep,
  startServer as startTestServer,
  type TestServer,
  waitFor,
} from '../helpers/server.js';

/** Checks a received series is exactly 0..n-1: nothing lost, duplicated or reordered. */
function expectExactlyOnceInOrder(received: number[], n: number): void {
  const duplicates = received.length - new Set(received).size;
  const missing = n - new Set(received).size;
  const reordered = received.filter((v, i) => i > 0 && v < received[i - 1]).length;
  expect({ duplicates, missing, reordered, length: received.length }).toEqual({
    duplicates: 0,
    missing: 0,
    reordered: 0,
    length: n,
  });
  expect(received).toEqual(Array.from({ length: n }, (_, i) => i));
}

/**
 * @param deployment how the server is deployed (TLS, HTTP/2, compression): every check runs the same
 *   on each; the first also checks the session really arrived over that HTTP version.
 */
export function conformance(
  transport: TransportName,
  capabilities: TransportCapabilities = TRANSPORT_CAPABILITIES[transport],
  deployment: Deployment = PLAIN,
): void {
  const startServer = (options = {}) => startTestServer(options, deployment);
  /** HTTP/2 carries every transport but WebSocket, which rides the HTTP/1.1 upgrade on the same port. */
  const overHttp2 = deployment.http === '2' && transport !== 'websocket';
  /** Where the upgrade strategy starts: a polled transport other than this one. */
  const upgradeBase = TRANSPORTS.find((t) => t !== transport && TRANSPORT_CAPABILITIES[t].downstream === 'poll');

  const label = deployment === PLAIN ? '' : ` (${describeDeployment(deployment)})`;
  describe(`conformance: ${transport}${label}`, () => {
    let server: TestServer;
    const clients: Client[] = [];
    const open = async (options = {}) => {
      const client = await openClient(server.url, {
        transports: [transport],
        connectTimeoutMs: 3000,
        ...server.client,
        ...options,
      });
      clients.push(client);
      return client;
    };

    afterEach(async () => {
      for (const client of clients.splice(0)) client.close();
      await server?.close();
    });

    it('opens a session on the requested transport', async () => {
      server = await startServer();
      const connected = server.nextConnection();
      const client = await open();
      const conn = await connected;
      expect(client.transport).toBe(transport);
      expect(conn.transport).toBe(transport);
      expect(client.id).toBe(conn.id);
      expect(conn.id).toMatch(/^[A-Za-z0-9_-]{22}$/); // 128 bits, base64url
      expect(conn.request).toMatchObject({
        url: expect.stringMatching(`^/rt/${transport}`),
        remoteAddress: '127.0.0.1',
      });
      // HTTP/2 has no Host header: its :authority pseudo-header names the origin (and proves the version).
      const host = overHttp2 ? conn.request.headers[':authority'] : conn.request.headers.host;
      expect(host).toBe(`127.0.0.1:${server.port}`);
      expect(conn.request.headers[':authority'] === undefined).toBe(!overHttp2);
    });

    it('delivers nothing before open, even what the server sends on connection', async () => {
      server = await startServer();
      server.rt.on('connection', (conn) => {
        for (let i = 0; i < 5; i++) conn.send(i);
      });
      const { connect } = await import('../../client/index.js');
      const client = connect(server.url, { transports: [transport], ...server.client });
      clients.push(client);
      const events: string[] = [];
      client.on('open', () => events.push('open'));
      client.on('message', (m) => events.push(`message ${String(m)}`));
      await waitFor<void>((r) => client.on('message', (m) => m === 4 && r()));
      expect(events).toEqual(['open', 'message 0', 'message 1', 'message 2', 'message 3', 'message 4']);
    });

    it('echoes text, binary and JSON with their types intact', async () => {
      server = await startServer();
      server.rt.on('connection', (conn) => conn.on('message', (data: unknown) => conn.send(data)));
      const client = await open();
      const replies = collect((l) => client.on('message', l), 4);
      client.send('héllo\nwörld\r\n');
      client.send(new Uint8Array([0, 1, 2, 253, 254, 255]));
      client.send({ nested: { list: [1, 'two', null] } });
      client.send('');
      const [text, bytes, json, empty] = await replies;
      expect(text).toBe('héllo\nwörld\r\n');
      expect(bytes).toBeInstanceOf(Uint8Array);
      expect([...(bytes as Uint8Array)]).toEqual([0, 1, 2, 253, 254, 255]);
      expect(json).toEqual({ nested: { list: [1, 'two', null] } });
      expect(empty).toBe('');
    });

    it('keeps 1,000 messages in order in both directions', async () => {
      server = await startServer();
      const connected = server.nextConnection();
      const client = await open();
      const conn = await connected;
      const atServer = collect<number>((l) => conn.on('message', l as (m: unknown) => void), 1000);
      const atClient = collect<number>((l) => client.on('message', l as (m: unknown) => void), 1000);
      for (let i = 0; i < 1000; i++) {
        client.send(i);
        conn.send(i);
      }
      expectExactlyOnceInOrder(await atServer, 1000);
      expectExactlyOnceInOrder(await atClient, 1000);
    });

    it(`carries every byte value at every base64 padding length (${capabilities.binary} bytes)`, async () => {
      server = await startServer();
      server.rt.on('connection', (conn) => conn.on('message', (data: unknown) => conn.send(data)));
      const client = await open();
      const every = Uint8Array.from({ length: 256 }, (_, i) => i);
      const sent = [every, every.subarray(0, 1), every.subarray(0, 2), every.subarray(0, 3), new Uint8Array(0)];
      const replies = collect((l) => client.on('message', l), sent.length);
      for (const bytes of sent) client.send(bytes);
      expect((await replies).map((r) => [...(r as Uint8Array)])).toEqual(sent.map((b) => [...b]));
    });

    it.runIf(capabilities.probe && upgradeBase)(
      `an upgrade from ${upgradeBase} moves the session onto it, losing nothing in flight`,
      async () => {
        server = await startServer();
        const connected = server.nextConnection();
        const { connect } = await import('../../client/index.js');
        const client = connect(server.url, {
          strategy: 'upgrade',
          transports: [transport, upgradeBase!],
          ...server.client,
        });
        clients.push(client);
        const conn = await connected;
        const upgraded = waitFor((r) => conn.on('transport', (c) => c.reason === 'upgrade' && r(c)), 10_000, 'upgrade');
        const n = 300;
        const atServer = collect<number>((l) => conn.on('message', l as (m: unknown) => void), n);
        const atClient = collect<number>((l) => client.on('message', l as (m: unknown) => void), n);
        for (let i = 0; i < n; i++) {
          client.send(i);
          conn.send(i);
          if (i % 25 === 0) await sleep(2);
        }
        expect(await upgraded).toEqual({ from: upgradeBase, to: transport, reason: 'upgrade' });
        expectExactlyOnceInOrder(await atServer, n);
        expectExactlyOnceInOrder(await atClient, n);
        expect([client.transport, conn.transport]).toEqual([transport, transport]);
      },
    );

    it('broadcasts to a room and to everyone', async () => {
      server = await startServer();
      const conns: Connection[] = [];
      server.rt.on('connection', (conn) => conns.push(conn));
      const [a, b, c] = [await open(), await open(), await open()];
      await waitFor<void>((r) => (conns.length === 3 ? r() : setTimeout(() => conns.length === 3 && r(), 50)));
      for (const conn of conns) if (conn.id !== c.id) conn.join('room');
      const firstAtC = waitFor<unknown>((r) => c.once('message', r));
      const inRoom = [a, b].map((x) => waitFor<unknown>((r) => x.once('message', r)));
      expect(server.rt.broadcast({ to: 'room' }, { room: 'room' })).toBe(2);
      expect(await Promise.all(inRoom)).toEqual([{ to: 'room' }, { to: 'room' }]);
      expect(server.rt.broadcast('everyone')).toBe(3);
      expect(await firstAtC).toBe('everyone'); // c never saw the room message
    });

    it('refuses a message over maxMessageBytes on both sides', async () => {
      server = await startServer({ maxMessageBytes: 1024 });
      const connected = server.nextConnection();
      const client = await open();
      const conn = await connected;
      expect(() => client.send('x'.repeat(1025))).toThrow(expect.objectContaining({ code: 'MESSAGE_TOO_BIG' }));
      expect(() => conn.send('x'.repeat(1025))).toThrow(expect.objectContaining({ code: 'MESSAGE_TOO_BIG' }));
      const echoed = waitFor<unknown>((r) => conn.once('message', r));
      client.send('x'.repeat(1024)); // exactly the limit passes
      expect(await echoed).toHaveLength(1024);
    });

    it('resumes after the TCP connection is destroyed mid-stream: 0 lost, 0 duplicated, 0 reordered', async () => {
      server = await startServer();
      const connected = server.nextConnection();
      const client = await open({ reconnect: { minDelayMs: 50, maxDelayMs: 200 } });
      const conn = await connected;
      const n = 600;
      const atServer = collect<number>((l) => conn.on('message', l as (m: unknown) => void), n, 30_000);
      const atClient = collect<number>((l) => client.on('message', l as (m: unknown) => void), n, 30_000);
      const resumed = waitFor((r) => client.once('resumed', r), 15_000, 'resumed');
      for (let i = 0; i < n; i++) {
        client.send(i);
        conn.send(i);
        if (i === n / 3) expect(server.cutAll()).toBeGreaterThan(0);
        if (i % 20 === 0) await sleep(5);
      }
      await resumed;
      expectExactlyOnceInOrder(await atServer, n);
      expectExactlyOnceInOrder(await atClient, n);
      expect(client.id).toBe(conn.id);
      expect(conn.bufferedAmount).toBeLessThan(n * 4); // acks released the server's buffer
    });

    it('the server closing a session ends the client: close event, no reconnect', async () => {
      server = await startServer();
      const connected = server.nextConnection();
      const client = await open();
      const conn = await connected;
      let reconnects = 0;
      client.on('reconnecting', () => reconnects++);
      const closed = waitFor<{ code: number; reason: string }>((r) => client.once('close', r), 5000, 'client close');
      await sleep(50); // a long-poll parked, so the close rides on its answer
      conn.close(CloseCodes.NORMAL, 'bye now');
      expect(await closed).toEqual({ code: CloseCodes.NORMAL, reason: expect.stringContaining('bye now') });
      await sleep(300);
      expect(reconnects).toBe(0);
      expect(client.state).toBe('closed');
    });

    it('the client closing ends the server session at once, not after the grace period', async () => {
      server = await startServer();
      const connected = server.nextConnection();
      const client = await open();
      const conn = await connected;
      const ended = waitFor<{ code: number }>((r) => conn.once('close', r), 5000, 'session close');
      client.close();
      expect((await ended).code).toBe(CloseCodes.NORMAL);
      expect(server.rt.sessions.has(conn.id)).toBe(false);
    });

    it('tells the client with session-lost when the grace period has passed', async () => {
      server = await startServer({ graceMs: 200 });
      const client = await open({ reconnect: { minDelayMs: 800, maxDelayMs: 800, jitter: 0 } });
      const firstId = client.id;
      const lost = waitFor<{ previousId: string; unconfirmed: unknown[] }>(
        (r) => client.once('session-lost', r),
        10_000,
        'session-lost',
      );
      const reopened = waitFor((r) => client.once('open', r), 10_000, 'open of the new session');
      await sleep(100); // let a long-poll park, so the cut interrupts something on every transport
      server.cutAll();
      await waitFor<void>((r) => client.once('reconnecting', () => r()));
      client.send('sent while away');
      const event = await lost;
      await reopened;
      expect(event.previousId).toBe(firstId);
      expect(event.unconfirmed).toEqual(['sent while away']);
      expect(client.id).not.toBe(firstId);
      expect(client.transport).toBe(transport);
      // The new session's opening request named the old one: its url keeps the sid, never the token.
      const { url } = server.rt.sessions.get(client.id!)!.request;
      expect(url).toContain(`sid=${firstId}`);
      expect(url).not.toContain('token');
    });
  });
}
