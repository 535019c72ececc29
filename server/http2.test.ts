/**
 * Refusals over HTTP/2 streams, with node:http2 as the client: the same status and JSON code as on
 * HTTP/1.1, no HTTP/1-only header, and a refusal ends only its stream — an upload refused as too big
 * is answered and reset while the connection goes on serving other streams.
 */
import http2 from 'node:http2';
import { afterEach, describe, expect, it } from 'vitest';
import { decode, decodeBatch } from '../protocol/index.js';
import { startServer, testCertificate, type TestServer } from '../test/helpers/server.js';

interface Answer {
  status: number;
  headers: http2.IncomingHttpHeaders;
  body: string;
  stream: http2.ClientHttp2Stream;
}

function request(
  session: http2.ClientHttp2Session,
  headers: http2.OutgoingHttpHeaders,
  body?: Buffer,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const stream = session.request(headers, { endStream: body === undefined });
    let text = '';
    let head: http2.IncomingHttpHeaders = {};
    stream.on('response', (h) => (head = h));
    stream.on('data', (chunk: Buffer) => (text += chunk.toString()));
    // The answer's end, not the stream's close: a refused upload's client stream keeps its unsent body
    // until it is destroyed, though the server reset the stream.
    stream.on('end', () => resolve({ status: Number(head[':status']), headers: head, body: text, stream }));
    stream.on('error', reject);
    if (body !== undefined) stream.end(body);
  });
}

describe('refusals over HTTP/2', () => {
  let server: TestServer;
  let session: http2.ClientHttp2Session | null = null;
  afterEach(async () => {
    session?.close();
    await server?.close();
  });

  it('answer with their status and code, and end only their stream', async () => {
    server = await startServer({ maxBatchBytes: 1024 }, { tls: true, http: '2', compression: false });
    const { cert } = await testCertificate();
    session = http2.connect(`https://127.0.0.1:${server.port}`, { ca: cert });
    const unknown = await request(session, { ':path': '/rt/carrier-pigeon' });
    expect([unknown.status, JSON.parse(unknown.body).code]).toEqual([404, 'UNKNOWN_TRANSPORT']);
    expect(unknown.headers.connection).toBeUndefined();

    const opened = await request(session, { ':path': '/rt/long-polling?open=1&ack=0' });
    const hello = decode(decodeBatch(Buffer.from(opened.body, 'latin1'), 1 << 20)[0]);
    if (hello.type !== 'hello') throw new Error(`expected a hello, got ${hello.type}`);
    const { sid, token } = hello.hello;
    const tooBig = await request(
      session,
      { ':method': 'POST', ':path': `/rt/long-polling?sid=${sid}`, 'x-session-token': token },
      Buffer.alloc(100_000),
    );
    expect([tooBig.status, JSON.parse(tooBig.body).code]).toEqual([413, 'BATCH_TOO_BIG']);
    expect(tooBig.headers.connection).toBeUndefined();
    // The server reset the stream (NO_ERROR) rather than wait for the body it will not read.
    await expect
      .poll(() => [tooBig.stream.closed, tooBig.stream.rstCode])
      .toEqual([true, http2.constants.NGHTTP2_NO_ERROR]);

    // The same connection goes on: the session's next poll is answered on it.
    const next = request(session, { ':path': `/rt/long-polling?sid=${sid}&ack=0`, 'x-session-token': token });
    server.rt.sessions.get(sid)?.send('still here');
    const answer = await next;
    expect(answer.status).toBe(200);
    expect(session.destroyed).toBe(false);
  });
});
