/**
 * Property-based fuzzing of every endpoint over raw TCP (fast-check, fixed seed; FUZZ_RUNS=n runs
 * longer): arbitrary methods, paths, queries (sometimes a live session's), headers, bodies and
 * malformed HTTP against the real server, and arbitrary frames on a real WebSocket. Every answer must
 * be documented: 101/200/204, or a documented status with `{code, message}` whose code has that
 * status; every WebSocket close code must be one docs/protocol.md lists. Meanwhile well-behaved
 * clients on every transport exchange numbered messages and must lose, duplicate or reorder none;
 * the server must log no INTERNAL_ERROR (its own bug) and must not crash.
 */
import fc from 'fast-check';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '../../client/index.js';
import { decode, decodeBatch, encodeBatch, ErrorCodes, type Hello, TRANSPORTS } from '../../protocol/index.js';
import { collect, openClient, startServer, type TestServer } from '../helpers/server.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const options = { seed: 20261130, numRuns: RUNS };
/** Close codes docs/protocol.md lists (1002 and 1006 come from `ws` and the network, not from us). */
const DOCUMENTED_CLOSE = new Set([1000, 1001, 1002, 1007, 1008, 1009, 1013, 4000, 4001]);
const DOCUMENTED_STATUS = new Set(Object.values(ErrorCodes).map((c) => c.status as number));

let server: TestServer;
const internalErrors: unknown[] = [];
let live: Hello;
const clients: Client[] = [];
const echoes: Array<Promise<number[]>> = [];

beforeAll(async () => {
  server = await startServer({
    origins: ['http://allowed.test'],
    pollTimeoutMs: 300,
    maxMessageBytes: 4096,
    maxBatchBytes: 8192,
    authenticate: ({ auth }) => (auth === 'deny' ? null : { id: auth ?? 'anonymous' }),
    logger: { error: (message, fields) => internalErrors.push({ message, fields }) },
  });
  server.rt.on('connection', (conn) => conn.on('message', (m) => conn.send(m)));
  const body = new Uint8Array(await (await fetch(`${server.url}/long-polling?open=1`)).arrayBuffer());
  live = (decode(decodeBatch(body, 1 << 20)[0]) as { hello: Hello }).hello;
  // Well-behaved clients, one per transport, echoing numbered messages through the whole run.
  for (const transport of TRANSPORTS) {
    const client = await openClient(server.url, { transports: [transport] });
    clients.push(client);
    echoes.push(collect<number>((l) => client.on('message', l as (m: unknown) => void), 200, 120_000));
  }
});
afterAll(async () => {
  for (const client of clients) client.close();
  await server.close();
});

/** Sends raw bytes, half-closes, and collects what comes back until the server closes or goes quiet. */
function exchange(request: Buffer, quietMs = 400): Promise<Buffer> {
  return new Promise((resolve) => {
    const socket = net.connect(server.port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let timer = setTimeout(() => socket.destroy(), quietMs);
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      clearTimeout(timer);
      timer = setTimeout(() => socket.destroy(), quietMs);
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks));
    });
    socket.end(request);
  });
}

/**
 * Checks every answer on a connection (a request may pipeline others behind it): each a documented
 * status, with a documented `{code, message}` for every refusal.
 */
function expectDocumented(answer: Buffer, request: string): void {
  const what = JSON.stringify(request.slice(0, 200));
  expect(answer.toString('latin1'), `no HTTP answer to ${what}`).toMatch(/^HTTP\/1\.1 \d{3} /);
  for (let at = 0; at < answer.length;) {
    const headEnd = answer.indexOf('\r\n\r\n', at);
    const head = answer.subarray(at, headEnd).toString('latin1');
    const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(head)?.[1]);
    const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? NaN);
    if (status === 101 || status === 200 || status === 204) return; // a stream, a poll, a preflight: ours
    expect(DOCUMENTED_STATUS, `status ${status} for ${what}`).toContain(status);
    expect(length, `refusal without Content-Length for ${what}`).toBeGreaterThan(0);
    if (at === 0 && request.startsWith('HEAD ')) return; // the same head as a GET, without the body
    const body = JSON.parse(answer.subarray(headEnd + 4, headEnd + 4 + length).toString('utf8'));
    expect(body).toEqual({ code: expect.any(String), message: expect.any(String) });
    expect(ErrorCodes[body.code as keyof typeof ErrorCodes]?.status, `${body.code} documented as ${status}`).toBe(
      status,
    );
    at = headEnd + 4 + length;
  }
}

const token = fc.stringMatching(/^[A-Za-z0-9_-]{0,30}$/);
const junk = fc.string({ unit: 'binary-ascii', maxLength: 30 }).map((s) => encodeURIComponent(s));
const method = fc.oneof(
  fc.constantFrom('GET', 'POST', 'OPTIONS', 'PUT', 'DELETE', 'HEAD', 'PATCH'),
  fc.stringMatching(/^[A-Z]{1,8}$/),
  fc.string({ maxLength: 8 }),
);
const path = fc.oneof(
  fc.constantFrom(...TRANSPORTS.map((t) => `/rt/${t}`)),
  fc.constantFrom('/rt/', '/rt', '/', '/rt/websocket/', '/rt/../rt/sse', '/other', '*', 'http://[', '//rt/sse'),
  junk.map((s) => `/rt/${s}`),
);
const param = fc.oneof(
  fc.constant(() => `sid=${live.sid}&token=${live.token}`),
  fc.constant(() => `sid=${live.sid}&token=${'A'.repeat(22)}`),
  fc.tuple(fc.constantFrom('sid', 'token', 'ack', 'open', 'probe', 'auth', 'x'), fc.oneof(token, junk)).map(
    ([k, v]) =>
      () =>
        `${k}=${v}`,
  ),
  fc.constantFrom(
    () => 'open=1',
    () => 'ack=0',
    () => 'ack=99999999999999999',
    () => 'probe=1',
    () => 'auth=deny',
  ),
);
const header = fc.oneof(
  fc.constantFrom(
    'Origin: http://allowed.test',
    'Origin: http://evil.test',
    'Origin: null',
    'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
    'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 12\r\nSec-WebSocket-Key: x',
    'Upgrade: websocket\r\nConnection: Upgrade',
    'Transfer-Encoding: chunked',
    'Authorization: Bearer deny',
    'Authorization: Basic eDp5',
    'Sec-WebSocket-Extensions: permessage-deflate; ;;',
    'Content-Type: application/octet-stream',
  ),
  fc
    .tuple(fc.stringMatching(/^[A-Za-z-]{1,12}$/), fc.string({ unit: 'binary-ascii', maxLength: 20 }))
    .map(([k, v]) => `${k}: ${v.replace(/[\r\n]/g, '')}`),
  token.map((t) => `X-Session-Token: ${t}`),
  fc.string({ unit: 'binary', maxLength: 30 }), // not even a header
);
const body = fc.oneof(
  fc.constant(Buffer.alloc(0)),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b)),
  fc
    .array(
      fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.constantFrom('t1 hi', 'j1 {"a"', 'a0', 'p', 'u', 'c1000 bye', 'j1 [[[[[[]]]]]]'),
      ),
      { maxLength: 6 },
    )
    .map((frames) => Buffer.from(encodeBatch(frames))),
);
const request = fc
  .record({
    method,
    path,
    params: fc.array(param, { maxLength: 4 }),
    headers: fc.array(header, { maxLength: 4 }),
    body,
    contentLength: fc.oneof(fc.constant('exact'), fc.constant('none'), fc.integer({ min: 0, max: 100_000 })),
    version: fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTCPCP/1.0'),
  })
  .map((r) => {
    const query = r.params.map((p) => p()).join('&');
    const length = r.contentLength === 'exact' ? r.body.length : r.contentLength;
    const head =
      `${r.method} ${r.path}${query ? `?${query}` : ''} ${r.version}\r\nHost: 127.0.0.1:${server.port}\r\n` +
      r.headers.map((h) => `${h}\r\n`).join('') +
      (length === 'none' ? '' : `Content-Length: ${length}\r\n`) +
      '\r\n';
    return Buffer.concat([Buffer.from(head, 'latin1'), r.body]);
  });

describe('every endpoint under arbitrary requests', () => {
  it('answers every request with a documented status and code', async () => {
    await fc.assert(
      fc.asyncProperty(request, async (raw) => {
        expectDocumented(await exchange(raw), raw.toString('latin1'));
      }),
      options,
    );
  }, 300_000);

  it('closes a WebSocket on arbitrary frames only with documented close codes', async () => {
    const upgrade = Buffer.from(
      `GET /rt/websocket HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n`,
    );
    const maskedFrame = (opcode: number, payload: Uint8Array) => {
      const header =
        payload.length < 126
          ? Buffer.from([0x80 | opcode, 0x80 | payload.length])
          : Buffer.from([0x80 | opcode, 0x80 | 126, payload.length >> 8, payload.length & 0xff]);
      return Buffer.concat([header, Buffer.alloc(4), payload]); // mask 0: the payload as is
    };
    const frame = fc.oneof(
      fc
        .tuple(
          fc.constantFrom(1, 2),
          fc.oneof(
            fc.string().map((s) => Buffer.from(s)),
            fc.uint8Array({ maxLength: 300 }),
          ),
        )
        .map(([opcode, payload]) => maskedFrame(opcode, payload)),
      fc
        .constantFrom('p1', 'o', 'a0', 'u', 't1 x', 't2 y', 'j1 {', 'c1000 x', 'h {}')
        .map((t) => maskedFrame(1, Buffer.from(t))),
      fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)), // not a frame at all
    );
    await fc.assert(
      fc.asyncProperty(fc.array(frame, { minLength: 1, maxLength: 6 }), async (frames) => {
        const answer = await exchange(Buffer.concat([upgrade, ...frames]));
        expect(answer.toString('latin1')).toMatch(/^HTTP\/1\.1 101 /);
        // Server frames are unmasked: find a close frame (0x88) after the handshake and read its code.
        const frames0 = answer.subarray(answer.indexOf('\r\n\r\n') + 4);
        for (let at = 0; at + 2 <= frames0.length;) {
          let length = frames0[at + 1] & 0x7f;
          let offset = at + 2;
          if (length === 126) [length, offset] = [frames0.readUInt16BE(at + 2), at + 4];
          else if (length === 127) [length, offset] = [Number(frames0.readBigUInt64BE(at + 2)), at + 10];
          if ((frames0[at] & 0x0f) === 8 && length >= 2)
            expect(DOCUMENTED_CLOSE).toContain(frames0.readUInt16BE(offset));
          at = offset + length;
        }
      }),
      { ...options, numRuns: Math.max(50, Math.round(RUNS / 2)) },
    );
  }, 300_000);

  it('meanwhile: no internal error, and the well-behaved clients lost nothing', async () => {
    for (let i = 0; i < 200; i++) for (const client of clients) client.send(i);
    for (const echoed of echoes) expect(await echoed).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(internalErrors).toEqual([]);
  }, 120_000);
});
