/**
 * Bad input gets a stable code and changes nothing: raw HTTP requests and raw WebSocket frames
 * against the real server, then proof that the server and its legitimate sessions carry on.
 */
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CloseCodes, encodeBatch, type Hello } from '../protocol/index.js';
import type { Connection } from './index.js';
import { openClient, startServer, type TestServer, waitFor } from '../test/helpers/server.js';

let server: TestServer;
let base: string;

beforeAll(async () => {
  server = await startServer({
    maxMessageBytes: 1024,
    maxBatchBytes: 4096,
    maxBufferedBytes: 8 * 1024,
    origins: ['http://allowed.test'],
  });
  base = server.url;
});
afterAll(() => server.close());

async function expectReject(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/json');
  expect(await response.json()).toEqual({ code, message: expect.any(String) });
}

/** Opens a raw long-polling session and returns its hello. */
async function rawSession(): Promise<Hello> {
  const body = new TextDecoder().decode(await (await fetch(`${base}/long-polling?open=1`)).arrayBuffer());
  return JSON.parse(body.slice(body.indexOf(' ') + 1)) as Hello;
}

const post = (query: string, body: Uint8Array | string, headers: Record<string, string> = {}) =>
  fetch(`${base}/long-polling?${query}`, {
    method: 'POST',
    body: typeof body === 'string' ? body : (body as Uint8Array<ArrayBuffer>),
    headers,
  });

/** Resolves with the HTTP status and JSON body of a refused WebSocket handshake. */
function refusedUpgrade(
  path: string,
  headers: Record<string, string> = {},
  url = base,
): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url.replace('http', 'ws')}${path}`, { headers });
    ws.on('open', () => reject(new Error('upgrade was accepted')));
    ws.on('error', () => {});
    ws.on('unexpected-response', (_req, res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
  });
}

/** Opens a raw WebSocket session; resolves with the socket and its hello. */
function rawWebSocket(query = ''): Promise<{ ws: WebSocket; hello: Hello; frames: string[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/websocket${query}`);
    const frames: string[] = [];
    ws.on('message', (data, binary) => {
      const text = binary ? '' : data.toString();
      if (text.startsWith('h ')) resolve({ ws, hello: JSON.parse(text.slice(2)), frames });
      else frames.push(text);
    });
    ws.on('error', reject);
  });
}

/** Opens a WebSocket the server closes at once; resolves with its close code and reason. */
function rawWebSocketRefused(path: string): { ws: Promise<{ code: number; reason: string }> } {
  const ws = new WebSocket(`${base.replace('http', 'ws')}${path}`);
  ws.on('error', () => {});
  return {
    ws: waitFor((r) => ws.once('close', (code, reason) => r({ code, reason: reason.toString() })), 5000, 'close'),
  };
}

const closeOf = (ws: WebSocket) => waitFor<number>((r) => ws.once('close', (code) => r(code)), 5000, 'close');

describe('HTTP rejections', () => {
  it('unknown transport → 404 UNKNOWN_TRANSPORT (request and upgrade)', async () => {
    await expectReject(await fetch(`${base}/carrier-pigeon`), 404, 'UNKNOWN_TRANSPORT');
    expect(await refusedUpgrade('/carrier-pigeon')).toEqual({
      status: 404,
      body: expect.objectContaining({ code: 'UNKNOWN_TRANSPORT' }),
    });
  });

  it('wrong method → 405 METHOD_NOT_ALLOWED', async () => {
    await expectReject(await fetch(`${base}/sse`, { method: 'PUT' }), 405, 'METHOD_NOT_ALLOWED');
    await expectReject(await fetch(`${base}/websocket`, { method: 'POST' }), 405, 'METHOD_NOT_ALLOWED');
    await expectReject(await fetch(`${base}/websocket`), 400, 'BAD_REQUEST'); // GET without Upgrade
  });

  it('a foreign Origin is refused on every transport; a listed one gets CORS', async () => {
    const evil = { Origin: 'http://evil.test' };
    await expectReject(await fetch(`${base}/sse`, { headers: evil }), 403, 'FORBIDDEN_ORIGIN');
    await expectReject(await fetch(`${base}/long-polling?open=1`, { headers: evil }), 403, 'FORBIDDEN_ORIGIN');
    await expectReject(await post('', 'a0', evil), 403, 'FORBIDDEN_ORIGIN');
    expect(await refusedUpgrade('/websocket', evil)).toEqual({
      status: 403,
      body: expect.objectContaining({ code: 'FORBIDDEN_ORIGIN' }),
    });
    const ok = await fetch(`${base}/long-polling?open=1`, { headers: { Origin: 'http://allowed.test' } });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('http://allowed.test');
    const preflight = await fetch(`${base}/long-polling`, {
      method: 'OPTIONS',
      headers: { Origin: 'http://allowed.test' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('malformed query → 400 BAD_REQUEST; unknown session → 404 UNKNOWN_SESSION', async () => {
    await expectReject(await fetch(`${base}/sse?sid=AAAAAAAAAAAAAAAAAAAAAA`), 400, 'BAD_REQUEST'); // sid without token
    await expectReject(await fetch(`${base}/long-polling?ack=-1`), 400, 'BAD_REQUEST');
    await expectReject(await fetch(`${base}/long-polling?sid=%3Cscript%3E&token=x`), 400, 'BAD_REQUEST');
    await expectReject(
      await post('sid=AAAAAAAAAAAAAAAAAAAAAA&token=BBBBBBBBBBBBBBBBBBBBBB', 'a0'),
      404,
      'UNKNOWN_SESSION',
    );
  });

  it('a wrong token for a live session is refused everywhere and changes nothing', async () => {
    const connected = server.nextConnection();
    const client = await openClient(base, { transports: ['websocket'] });
    const conn: Connection = await connected;
    const forged = `sid=${conn.id}&token=${'A'.repeat(22)}`;
    await expectReject(await fetch(`${base}/sse?${forged}`), 403, 'BAD_TOKEN');
    await expectReject(await fetch(`${base}/long-polling?${forged}&open=1`), 403, 'BAD_TOKEN');
    await expectReject(await post(forged, encodeBatch(['t1 forged'])), 403, 'BAD_TOKEN');
    // A WebSocket handshake is completed and closed with the code: browsers see close codes, not statuses.
    const { ws: refused } = await rawWebSocketRefused(`/websocket?${forged}`);
    expect(await refused).toEqual({ code: CloseCodes.POLICY, reason: 'BAD_TOKEN' });
    const echoed = waitFor((r) => conn.once('message', r));
    client.send('still here');
    expect(await echoed).toBe('still here');
    expect(conn.transport).toBe('websocket');
    client.close();
  });

  it('upstream batches: malformed → 400 and nothing applied; bad JSON → 400 BAD_JSON; too big → 413', async () => {
    const hello = await rawSession();
    const q = `sid=${hello.sid}&token=${hello.token}`;
    const conn = server.rt.sessions.get(hello.sid)!;
    const received: unknown[] = [];
    conn.on('message', (m) => received.push(m));
    await expectReject(await post(q, new TextEncoder().encode('6:t1 hi5:bogus')), 400, 'BAD_ENVELOPE');
    await expectReject(await post(q, encodeBatch(['t1 ok', 't3 skips ahead'])), 400, 'BAD_SEQUENCE');
    expect(received).toEqual(['ok']); // in-order prefix delivered once; the rest refused
    await expectReject(await post(q, encodeBatch(['j2 {nope'])), 400, 'BAD_JSON');
    await expectReject(await post(q, encodeBatch([`t2 ${'x'.repeat(1025)}`])), 413, 'MESSAGE_TOO_BIG');
    await expectReject(await post(q, encodeBatch(['t2 x'.padEnd(5000, 'x')])), 413, 'BATCH_TOO_BIG');
    const ack = await post(q, encodeBatch(['t1 dup', 't2 fine']));
    expect(await ack.text()).toBe('a2');
    expect(received).toEqual(['ok', 'fine']); // the duplicate of 1 was dropped
  });

  it('an over-limit body is refused from its Content-Length, before it is read', async () => {
    const hello = await rawSession();
    const { status, body } = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(`${base}/long-polling?sid=${hello.sid}&token=${hello.token}`, {
        method: 'POST',
        headers: { 'Content-Length': String(50 * 1024 * 1024) },
      });
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on('error', reject);
      req.write('1:a'); // far less than declared: the answer comes without waiting for the rest
    });
    expect(status).toBe(413);
    expect(JSON.parse(body).code).toBe('BATCH_TOO_BIG');
  });

  it('a second concurrent poll → 409 POLL_IN_PROGRESS', async () => {
    const hello = await rawSession();
    const q = `sid=${hello.sid}&token=${hello.token}`;
    const parked = fetch(`${base}/long-polling?${q}`);
    await new Promise((r) => setTimeout(r, 50));
    await expectReject(await fetch(`${base}/long-polling?${q}`), 409, 'POLL_IN_PROGRESS');
    server.rt.sessions.get(hello.sid)!.send('wake');
    expect((await parked).status).toBe(200);
  });

  it('a poll without open=1 for an unknown session → 404 UNKNOWN_SESSION, and opens none', async () => {
    const before = server.rt.sessions.size;
    await expectReject(
      await fetch(`${base}/long-polling?sid=AAAAAAAAAAAAAAAAAAAAAA&token=AAAAAAAAAAAAAAAAAAAAAA&ack=0`),
      404,
      'UNKNOWN_SESSION',
    );
    await expectReject(await fetch(`${base}/long-polling?ack=0`), 404, 'UNKNOWN_SESSION');
    expect(server.rt.sessions.size).toBe(before);
  });

  it('oversized request headers → 431 HEADERS_TOO_BIG with a JSON body', async () => {
    const response = await fetch(`${base}/sse`, { headers: { 'X-Big': 'x'.repeat(16 * 1024) } });
    await expectReject(response, 431, 'HEADERS_TOO_BIG');
  });
});

describe('WebSocket rejections', () => {
  it('a frame over maxMessageBytes closes with 1009', async () => {
    const { ws } = await rawWebSocket();
    const closed = closeOf(ws);
    ws.send(`t1 ${'x'.repeat(1025)}`); // within ws maxPayload, over our payload limit
    expect(await closed).toBe(CloseCodes.TOO_BIG);
    const { ws: ws2 } = await rawWebSocket();
    const closed2 = closeOf(ws2);
    ws2.send(`t1 ${'x'.repeat(4096)}`); // over maxPayload: ws stops reading it
    expect(await closed2).toBe(CloseCodes.TOO_BIG);
  });

  it('a malformed envelope or a skipped sequence closes with 1007', async () => {
    for (const frame of ['zz', 't5 skips', 'j1 {broken']) {
      const { ws } = await rawWebSocket();
      const closed = closeOf(ws);
      ws.send(frame);
      expect(await closed).toBe(CloseCodes.BAD_DATA);
    }
  });

  it('a handshake that ws refuses (bad Sec-WebSocket-Version) leaves no session behind', async () => {
    const before = server.rt.sessions.size;
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.get(`${base}/websocket?ack=0`, {
        headers: {
          Connection: 'Upgrade',
          Upgrade: 'websocket',
          'Sec-WebSocket-Version': '12',
          'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
        },
      });
      req.on('response', (res) => resolve(res.statusCode!));
      req.on('upgrade', () => reject(new Error('upgrade was accepted')));
      req.on('error', reject);
    });
    expect(status).toBe(400);
    expect(server.rt.sessions.size).toBe(before);
  });

  it("an exception in the app's message listener is the app's: reported as 'error', the connection stays up", async () => {
    const { ws, hello } = await rawWebSocket();
    const conn = server.rt.sessions.get(hello.sid)!;
    const thrown = new Error('bug in the app');
    conn.on('message', (m) => {
      if (m === 'boom') throw thrown;
    });
    const reported = waitFor<unknown>((r) => conn.once('error', r), 5000, 'error');
    ws.send('t1 boom');
    expect(await reported).toBe(thrown);
    const next = waitFor<unknown>((r) => conn.once('message', r), 5000, 'message');
    ws.send('t2 after');
    expect(await next).toBe('after');
    expect(ws.readyState).toBe(WebSocket.OPEN);
    ws.close();
  });

  it('a consumer that never acks is cut with 1013 at the buffer cap, and resumes with nothing lost', async () => {
    const { ws, hello } = await rawWebSocket();
    const conn = server.rt.sessions.get(hello.sid)!;
    const closed = closeOf(ws);
    let accepted = 0;
    while (conn.send('y'.repeat(1000))) accepted++;
    expect(accepted).toBe(8); // 8 × 1000 bytes fit under 8 KiB; the ninth is refused, not buffered
    expect(await closed).toBe(CloseCodes.TRY_LATER);
    expect(conn.bufferedAmount).toBe(8000);
    const resumed = await rawWebSocket(`?sid=${hello.sid}&token=${hello.token}&ack=0`);
    resumed.ws.send('p1'); // the verification ping: the backlog follows the first frame from the client
    await waitFor<void>((r) => {
      const check = () => (resumed.frames.length >= 9 ? r() : setTimeout(check, 20));
      check();
    });
    expect(resumed.hello.resumed).toBe(true);
    expect(resumed.frames.shift()).toBe('o1');
    expect(resumed.frames.map((f) => f.slice(0, f.indexOf(' ')))).toEqual([
      't1',
      't2',
      't3',
      't4',
      't5',
      't6',
      't7',
      't8',
    ]);
    resumed.ws.close();
  });
});

/** Sends raw bytes and resolves with everything the server answers before it closes. */
function raw(request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => (text += chunk));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
    socket.end(request);
  });
}
const jsonOf = (answer: string) => JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { code: string };

describe('every refusal named, also before our code runs', () => {
  it('an HTTP parse error is a 400 BAD_REQUEST with a JSON body', async () => {
    const answer = await raw('GET /rt/sse HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    expect(jsonOf(answer).code).toBe('BAD_REQUEST');
  });

  it.each([
    ['no Sec-WebSocket-Key', 'Sec-WebSocket-Version: 13\r\n', 400, 'BAD_REQUEST'],
    [
      'a bad Sec-WebSocket-Version',
      'Sec-WebSocket-Version: 12\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n',
      400,
      'BAD_REQUEST',
    ],
  ])('an upgrade with %s is refused with our JSON, not ws’s text', async (_what, headers, status, code) => {
    const answer = await raw(
      `GET /rt/websocket HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n${headers}\r\n`,
    );
    expect(answer).toMatch(new RegExp(`^HTTP/1\\.1 ${status} `));
    expect(answer).toContain('Content-Type: application/json');
    expect(jsonOf(answer).code).toBe(code);
  });

  it('a path nothing serves is a 404 NOT_FOUND with a JSON body (request and upgrade)', async () => {
    const answer = await raw('GET /elsewhere HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(answer).toMatch(/^HTTP\/1\.1 404 /);
    expect(jsonOf(answer).code).toBe('NOT_FOUND');
    const upgrade = await raw(
      'GET /elsewhere HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    expect(jsonOf(upgrade).code).toBe('NOT_FOUND');
  });
});

it('a request target that is not a URL is not ours (404), and crashes nothing', async () => {
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = net.connect(server.port, '127.0.0.1');
    let text = '';
    socket.on('data', (chunk) => (text += chunk));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
    socket.end('GET http://[ HTTP/1.1\r\nHost: x\r\n\r\n');
  });
  expect(answer).toMatch(/^HTTP\/1\.1 404 /);
});

it('the server is still healthy after all of the above', async () => {
  const client = await openClient(base, { transports: ['long-polling'] });
  expect(client.state).toBe('open');
  client.close();
});

describe('our own bugs', () => {
  it('an exception inside the server is 500 INTERNAL_ERROR, logged with its cause, never blamed on the client', async () => {
    const bug = new Error('origin policy crashed');
    const logged: Array<{ message: string; fields?: Record<string, unknown> }> = [];
    const faulty = await startServer({
      origins: () => {
        throw bug;
      },
      logger: { error: (message, fields) => logged.push({ message, fields }) },
    });
    try {
      const headers = { Origin: 'http://app.test' };
      await expectReject(await fetch(`${faulty.url}/long-polling?open=1`, { headers }), 500, 'INTERNAL_ERROR');
      expect(await refusedUpgrade(`/websocket`, headers, faulty.url)).toEqual({
        status: 500,
        body: { code: 'INTERNAL_ERROR', message: expect.any(String) },
      });
      expect(logged).toHaveLength(2);
      for (const entry of logged)
        expect(entry.fields).toMatchObject({ status: 500, code: 'INTERNAL_ERROR', cause: bug });
      expect((await fetch(`${faulty.url}/long-polling?open=1`)).status).toBe(200); // still serving
    } finally {
      await faulty.close();
    }
  });
});

describe('default origin policy (same-origin)', () => {
  it('accepts the page’s own origin and requests without Origin; refuses any other', async () => {
    const own = await startServer();
    try {
      const self = { Origin: `http://127.0.0.1:${own.port}` };
      expect((await fetch(`${own.url}/long-polling?open=1`, { headers: self })).status).toBe(200);
      expect((await fetch(`${own.url}/long-polling?open=1`)).status).toBe(200);
      const other = await fetch(`${own.url}/long-polling?open=1`, {
        headers: { Origin: `http://localhost:${own.port}` },
      });
      await expectReject(other, 403, 'FORBIDDEN_ORIGIN');
      const sameHostOtherPort = await fetch(`${own.url}/sse`, {
        headers: { Origin: `http://127.0.0.1:${own.port + 1}` },
      });
      await expectReject(sameHostOtherPort, 403, 'FORBIDDEN_ORIGIN');
    } finally {
      await own.close();
    }
  });
});
