/**
 * Authentication at the handshake, on every transport: the `authenticate` hook admits (its user is
 * `conn.user`), refuses (the client ends with the code, no retries), and a resume must present the
 * same identity — another one is refused and the session is untouched.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Client } from '../client/index.js';
import { CloseCodes, decodeBatch, decode, type Hello, TRANSPORTS, type TransportName } from '../protocol/index.js';
import { openClient, sleep, startServer, type TestServer, waitFor } from '../test/helpers/server.js';
import type { HandshakeRequest } from './index.js';

const USERS: Record<string, { id: string; name: string }> = {
  'alice-token': { id: 'alice', name: 'Alice' },
  'bob-token': { id: 'bob', name: 'Bob' },
};

let server: TestServer;
const seen: HandshakeRequest[] = [];
let openingRequests = 0;
beforeAll(async () => {
  server = await startServer({
    authenticate: async (request) => {
      seen.push(request);
      await sleep(1); // the hook is async: the request waits for it
      if (request.auth !== null) return USERS[request.auth] ?? null;
      return request.cookies.session === 'carol' ? { id: 'carol' } : null;
    },
  });
  server.rt.httpServer!.on('request', (req) => req.method === 'GET' && openingRequests++);
  server.rt.httpServer!.on('upgrade', () => openingRequests++);
});
afterAll(() => server.close());

/** Opens a session over long-polling as `auth`; returns its hello. */
async function rawOpen(auth: string): Promise<Hello> {
  const response = await fetch(`${server.url}/long-polling?open=1`, { headers: { Authorization: `Bearer ${auth}` } });
  const [hello] = decodeBatch(new Uint8Array(await response.arrayBuffer()), 1 << 20).map((f) => decode(f));
  return (hello as { hello: Hello }).hello;
}

/** A resume request of `hello`'s session over `transport` as `auth`: its HTTP status, or its close code and reason. */
function rawResume(
  transport: TransportName,
  hello: Hello,
  auth: string,
): Promise<{ status?: number; close?: string; opened?: boolean }> {
  const query = `sid=${hello.sid}&ack=0${transport === 'long-polling' ? '&open=1' : ''}`;
  const headers: Record<string, string> = { Authorization: `Bearer ${auth}`, 'X-Session-Token': hello.token };
  if (transport === 'websocket') {
    Object.assign(headers, {
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Version': '13',
      'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    });
  }
  return new Promise((resolve, reject) => {
    const req = http.get(`${server.url}/${transport}?${query}`, { headers });
    req.on('response', (res) => {
      res.destroy();
      resolve({ status: res.statusCode });
    });
    req.on('upgrade', (_res, socket, head: Buffer) => {
      // The first frame tells: a close frame (0x88: code, reason) or a text frame (0x81: the hello).
      const first = (bytes: Buffer) => {
        if (bytes.length < 2) return;
        socket.destroy();
        if (bytes[0] !== 0x88) return resolve({ opened: true });
        const reason = bytes.subarray(4, 2 + bytes[1]).toString();
        resolve({ close: `${bytes.readUInt16BE(2)} ${reason}` });
      };
      let bytes = head;
      socket.on('data', (chunk: Buffer) => first((bytes = Buffer.concat([bytes, chunk]))));
      socket.on('error', () => {});
      first(bytes);
    });
    req.on('error', reject);
  });
}

describe.each([...TRANSPORTS])('authenticate on %s', (transport) => {
  it('admits a known user: conn.user is what the hook returned, conn.request has the headers', async () => {
    const connected = server.nextConnection();
    const client = await openClient(server.url, { transports: [transport], auth: 'alice-token' });
    try {
      const conn = await connected;
      expect(conn.user).toEqual({ id: 'alice', name: 'Alice' });
      expect(conn.request.headers.authorization).toBe('Bearer alice-token');
      expect(conn.request.headers['x-session-token']).toBeUndefined();
      expect(seen.at(-1)).toMatchObject({ transport, auth: 'alice-token', remoteAddress: '127.0.0.1' });
    } finally {
      client.close();
    }
  });

  it('refuses an unknown user: the client ends with close 1008 UNAUTHORIZED and does not retry', async () => {
    const before = openingRequests;
    const client = connect(server.url, { transports: [transport], auth: 'mallory-token' });
    let reconnects = 0;
    client.on('reconnecting', () => reconnects++);
    const closed = await waitFor<{ code: number; reason: string }>((r) => client.once('close', r), 5000, 'close');
    expect(closed).toEqual({ code: CloseCodes.POLICY, reason: 'UNAUTHORIZED' });
    await sleep(500);
    expect(reconnects).toBe(0);
    expect(openingRequests - before).toBe(1);
  });

  it('a resume by another identity is refused (WRONG_USER) and the session is untouched; the same identity resumes', async () => {
    const hello = await rawOpen('alice-token');
    const conn = server.rt.sessions.get(hello.sid)!;
    const refused = await rawResume(transport, hello, 'bob-token');
    if (transport === 'websocket') expect(refused).toEqual({ close: '1008 WRONG_USER' });
    else expect(refused).toEqual({ status: 403 });
    expect(conn.closed).toBe(false);
    expect(conn.user).toEqual({ id: 'alice', name: 'Alice' });
    const resumed = await rawResume(transport, hello, 'alice-token');
    expect(resumed).toEqual(transport === 'websocket' ? { opened: true } : { status: 200 });
    conn.close();
  });
});

describe('authenticate, across reconnects', () => {
  it('calls an auth function before every connection walk, so a refreshed token is used', async () => {
    let calls = 0;
    const client: Client = await openClient(server.url, {
      transports: ['websocket'],
      auth: async () => (++calls, 'alice-token'),
      reconnect: { minDelayMs: 20, maxDelayMs: 50 },
    });
    try {
      const resumed = waitFor((r) => client.once('resumed', r), 5000, 'resumed');
      server.cutAll();
      await resumed;
      expect(calls).toBe(2);
    } finally {
      client.close();
    }
  });

  it('reads a same-origin cookie (the browser way without headers)', async () => {
    const connected = server.nextConnection();
    const client = await openClient(server.url, { transports: ['sse'], headers: { Cookie: 'session=carol' } });
    try {
      expect((await connected).user).toEqual({ id: 'carol' });
    } finally {
      client.close();
    }
  });

  it('rotates the resume token on every resume: the token of an earlier URL cannot take the session', async () => {
    const hello = await rawOpen('alice-token');
    const first = await fetch(`${server.url}/sse?sid=${hello.sid}&token=${hello.token}&ack=0`, {
      headers: { Authorization: 'Bearer alice-token' },
    });
    const reader = first.body!.getReader();
    const text = new TextDecoder().decode((await reader.read()).value);
    const rotated = JSON.parse(text.slice(text.indexOf(' ') + 1)) as Hello;
    expect(rotated.sid).toBe(hello.sid);
    expect(rotated.token).not.toBe(hello.token);
    // The client shows it holds the new token (a POST with it): the old one is dead from then on.
    const post = await fetch(`${server.url}/sse?sid=${hello.sid}`, {
      method: 'POST',
      headers: { 'X-Session-Token': rotated.token },
      body: '2:a0',
    });
    expect(post.status).toBe(200);
    const replay = await fetch(`${server.url}/sse?sid=${hello.sid}&token=${hello.token}&ack=0`, {
      headers: { Authorization: 'Bearer alice-token' },
    });
    expect(replay.status).toBe(403);
    expect(await replay.json()).toMatchObject({ code: 'BAD_TOKEN' });
    await reader.cancel();
    server.rt.sessions.get(hello.sid)?.close();
  });
});
