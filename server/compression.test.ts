/**
 * Compression on the wire, seen by raw HTTP and WebSocket clients (the conformance suite checks the
 * message API over it): SSE streams and long-poll answers carry the negotiated Content-Encoding and
 * decode to the same bytes; an SSE event arrives decoded while its stream is still open (flushed per
 * event); WebSocket negotiates permessage-deflate; nothing is encoded without the option or without
 * Accept-Encoding.
 */
import http from 'node:http';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { decode, decodeBatch } from '../protocol/index.js';
import { startServer, type TestServer, waitFor } from '../test/helpers/server.js';
import { acceptedEncodings } from './compression.js';

const COMPRESSIBLE = JSON.stringify({ quotes: Array.from({ length: 100 }, (_, i) => ({ symbol: 'ACME', px: i })) });

function get(url: string, headers: Record<string, string>): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => http.get(url, { headers }, resolve).on('error', reject));
}

/** The decoded body stream of a response, by its Content-Encoding. */
function decoded(res: http.IncomingMessage): NodeJS.ReadableStream {
  const encoding = res.headers['content-encoding'];
  if (encoding === 'gzip') return res.pipe(zlib.createGunzip());
  if (encoding === 'br') return res.pipe(zlib.createBrotliDecompress());
  return res;
}

async function readAll(res: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of decoded(res)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('compression', () => {
  let server: TestServer;
  afterEach(() => server?.close());

  it('parses Accept-Encoding with q-values', () => {
    expect([...acceptedEncodings('gzip, deflate, br;q=0, zstd;q=0.5')]).toEqual(['gzip', 'deflate', 'zstd']);
    expect([...acceptedEncodings(undefined)]).toEqual([]);
  });

  for (const encoding of ['gzip', 'br'] as const) {
    it(`SSE: a ${encoding} stream whose events arrive as they are sent`, async () => {
      server = await startServer({ compression: true });
      const connected = server.nextConnection();
      const res = await get(`${server.url}/sse`, { Accept: 'text/event-stream', 'Accept-Encoding': encoding });
      expect(res.headers['content-encoding']).toBe(encoding);
      let text = '';
      const stream = decoded(res);
      stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
      const conn = await connected;
      await waitFor<void>((r) => stream.on('data', () => text.includes('data:h') && r()), 5000, 'hello');
      conn.send(COMPRESSIBLE);
      await waitFor<void>((r) => stream.on('data', () => text.includes(COMPRESSIBLE) && r()), 5000, 'the event');
      expect(res.complete).toBe(false); // still streaming: the event was flushed, not held for the end
      res.destroy();
    });
  }

  it('long-polling: an answer past the threshold is encoded, a small one is not', async () => {
    server = await startServer({ compression: { encodings: ['br', 'gzip'], threshold: 1024 } });
    const connected = server.nextConnection();
    const first = await get(`${server.url}/long-polling?open=1&ack=0`, { 'Accept-Encoding': 'gzip, br' });
    const hello = decode(decodeBatch(await readAll(first), 1 << 20)[0]);
    if (hello.type !== 'hello') throw new Error(`expected a hello, got ${hello.type}`);
    const conn = await connected;
    const poll = get(`${server.url}/long-polling?sid=${hello.hello.sid}&ack=0`, {
      'Accept-Encoding': 'gzip, br',
      'X-Session-Token': hello.hello.token,
    });
    await new Promise((r) => setTimeout(r, 50));
    conn.send(COMPRESSIBLE);
    const answer = await poll;
    expect([first.headers['content-encoding'], answer.headers['content-encoding']]).toEqual([undefined, 'br']);
    const wireBytes = Number(answer.headers['content-length']);
    const [frame] = decodeBatch(await readAll(answer), 1 << 20);
    const envelope = decode(frame);
    expect(envelope.type === 'data' && envelope.body).toBe(COMPRESSIBLE);
    expect(wireBytes).toBeLessThan(COMPRESSIBLE.length / 3);
  });

  it('WebSocket: permessage-deflate is negotiated with compression on, not without', async () => {
    const extensions = async (options: { compression?: boolean }) => {
      server = await startServer(options);
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/websocket`);
      await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
      const negotiated = ws.extensions;
      ws.close();
      await server.close();
      return negotiated;
    };
    expect(await extensions({ compression: true })).toContain('permessage-deflate');
    expect(await extensions({})).toBe('');
  });

  it('encodes nothing with compression off, or for a client that accepts no encoding', async () => {
    server = await startServer({ compression: true });
    const plain = await get(`${server.url}/sse`, { Accept: 'text/event-stream' });
    expect(plain.headers['content-encoding']).toBeUndefined();
    plain.destroy();
    await server.close();
    server = await startServer();
    const off = await get(`${server.url}/sse`, { Accept: 'text/event-stream', 'Accept-Encoding': 'gzip, br' });
    expect(off.headers['content-encoding']).toBeUndefined();
    off.destroy();
  });
});
