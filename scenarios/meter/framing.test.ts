/**
 * Framing arithmetic from real bytes: real ws / node:http endpoints exchange envelopes made by
 * protocol/envelope.ts and protocol/batch.ts through the metered proxy; the breakdown must come out
 * to the byte.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { encodeBatch } from '../../protocol/batch.js';
import { encode } from '../../protocol/envelope.js';
import type { ByteBreakdown } from '../results.js';
import { closeAll, meteredProxy, onClose, startServer, until } from './testkit.js';

afterEach(closeAll);

const text = (seq: number, body: string, ack?: number) => encode({ type: 'data', kind: 't', seq, ack, body }) as string;

function sumOfParts(b: ByteBreakdown): number {
  return b.handshake + b.httpHeaders + b.framing + b.envelope + b.control + b.payload;
}

/** Breakdown minus the handshake (whose size depends on headers we do not control); no TLS in the clear. */
function afterHandshake(b: ByteBreakdown) {
  expect(sumOfParts(b)).toBe(b.total);
  expect(b.tls).toBe(0);
  const { handshake: _handshake, total: _total, tls: _tls, ...rest } = b;
  return rest;
}

async function wsExchange(bodyBytes: number) {
  const received: string[] = [];
  const server = await startServer(undefined, (ws) => {
    ws.on('message', (m) => received.push(m.toString()));
    ws.send(text(1, 'x'.repeat(bodyBytes)));
  });
  const { proxy, meter } = await meteredProxy(server.port, 'envelope');
  const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/rt/websocket`);
  onClose(() => ws.terminate());
  await new Promise((r) => ws.once('message', r));
  ws.send(text(1, 'y'.repeat(bodyBytes)));
  await until(() => received.length === 1);
  await until(() => meter.totals().upstream.payload === bodyBytes);
  const [connection] = meter.connections();
  expect(connection.downstream.total).toBe(proxy.connections()[0].downstreamBytes);
  expect(connection.upstream.total).toBe(proxy.connections()[0].upstreamBytes);
  return { connection, meter, ws };
}

describe('WebSocket framing', () => {
  it('100-byte message: 2 bytes of framing + "t1 " down; the 4-byte mask on top up', async () => {
    const { connection } = await wsExchange(100);
    expect(connection.downstream.handshake).toBeGreaterThan(100); // the 101 response head
    expect(connection.upstream.handshake).toBeGreaterThan(100); // the upgrade request head
    expect(afterHandshake(connection.downstream)).toEqual({
      httpHeaders: 0,
      framing: 2,
      envelope: 3,
      control: 0,
      payload: 100,
    });
    expect(afterHandshake(connection.upstream)).toEqual({
      httpHeaders: 0,
      framing: 6,
      envelope: 3,
      control: 0,
      payload: 100,
    });
  });

  it('a 200-byte frame uses the 16-bit length form (4 / 8 bytes), 70 000 bytes the 64-bit form (10 / 14)', async () => {
    const medium = await wsExchange(197); // "t1 " + 197 = 200-byte frame
    expect(medium.connection.downstream.framing).toBe(4);
    expect(medium.connection.upstream.framing).toBe(8);
    const large = await wsExchange(70_000);
    expect(afterHandshake(large.connection.downstream)).toEqual({
      httpHeaders: 0,
      framing: 10,
      envelope: 3,
      control: 0,
      payload: 70_000,
    });
    expect(large.connection.upstream.framing).toBe(14);
  });

  it('ping, pong and close frames are control, header included', async () => {
    const { meter, ws } = await wsExchange(10);
    const before = meter.connections()[0];
    ws.ping('abcd'); // 2 + 4 mask + 4 up; ws answers with a pong: 2 + 4 down
    await until(() => meter.connections()[0].downstream.control === 6);
    ws.close(1000); // close frame: 2 + 4 mask + 2 code up; the echo 2 + 2 down
    await new Promise((r) => ws.once('close', r));
    await until(() => meter.connections()[0].open === false);
    const after = meter.connections()[0];
    expect(after.upstream.control - before.upstream.control).toBe(10 + 8);
    expect(after.downstream.control - before.downstream.control).toBe(6 + 4);
    expect(after.upstream.payload).toBe(before.upstream.payload);
  });
});

describe('HTTP transports', () => {
  async function httpServer() {
    return startServer((req, res) => {
      if (req.url === '/rt/sse') {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write(`data: ${text(1, 'hi')}\n\n`);
        // Base64 over SSE: 10 bytes → 16 characters ("==" padding): 10 payload, 6 framing.
        setTimeout(
          () =>
            res.write(
              `: hb\n\ndata: ${encode({ type: 'data', kind: 'b', seq: 2, body: new Uint8Array(10) }, false)}\n\n`,
            ),
          20,
        );
        return;
      }
      if (req.url === '/rt/poll') {
        res.setHeader('content-type', 'application/octet-stream');
        res.write(encodeBatch([text(1, 'hello')])); // chunk 1
        return void setTimeout(() => res.end(encodeBatch([encode({ type: 'ack', ack: 3 })])), 10); // chunk 2 + last chunk
      }
      req.resume();
      req.on('end', () => res.end());
    });
  }

  it('SSE: "data: " and blank lines are framing, as are chunk lines; "t1 " envelope; comments control', async () => {
    const { proxy, meter } = await meteredProxy((await httpServer()).port, 'envelope');
    const events: string[] = [];
    const req = http.get(
      { host: '127.0.0.1', port: proxy.port, path: '/rt/sse', headers: { accept: 'text/event-stream' }, agent: false },
      (res) => {
        res.setEncoding('utf8').on('data', (d: string) => events.push(d));
      },
    );
    onClose(() => req.destroy());
    await until(() => events.join('').includes('B2 '));
    const [c] = await until(() => meter.connections()[0].downstream.payload === 12).then(() => meter.connections());
    expect(c.upstream.handshake).toBe(c.upstream.total); // the request head of a stream is all there is
    // event 1 "data: t1 hi\n\n" (13 B) in one chunk "d\r\n…\r\n": framing 6 + 2 + 5, envelope 3, payload 2.
    // event 2 ": hb\n\n" control 5 + blank line 1; "data: B2 <16 chars>\n\n" (27 B) chunk "26\r\n"…"\r\n" (6 B):
    // framing 6 + 2 + 6 + 1 + 6 (base64 excess), envelope 3, payload 10.
    expect(afterHandshake(c.downstream)).toEqual({
      httpHeaders: 0,
      framing: 13 + 21,
      envelope: 6,
      control: 5,
      payload: 12,
    });
  });

  it('long-poll: a chunked batch response is head + chunk lines + length prefixes + envelopes', async () => {
    const { proxy, meter } = await meteredProxy((await httpServer()).port, 'envelope');
    const body = await new Promise<Buffer>((resolve) => {
      http.get({ host: '127.0.0.1', port: proxy.port, path: '/rt/poll', agent: false }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d) => parts.push(d)).on('end', () => resolve(Buffer.concat(parts)));
      });
    });
    expect(body.toString()).toBe('8:t1 hello2:a3');
    await until(() => meter.connections()[0]?.open === false);
    const [c] = meter.connections();
    expect(c.upstream).toMatchObject({ handshake: 0, framing: 0, payload: 0 });
    expect(c.upstream.httpHeaders).toBe(c.upstream.total);
    // "a\r\n" + "8:t1 hello" + "\r\n", "4\r\n" + "2:a3" + "\r\n", "0\r\n\r\n": 15 chunk bytes + 2 + 2 prefixes.
    const { httpHeaders, ...rest } = afterHandshake(c.downstream);
    expect(httpHeaders).toBeGreaterThan(50);
    expect(rest).toEqual({ framing: 19, envelope: 3, control: 2, payload: 5 });
    expect(c.downstream.handshake).toBe(0);
  });

  it('upstream POST with a content-length batch: head = httpHeaders, "8:" framing, "t2,1 " envelope', async () => {
    const { proxy, meter } = await meteredProxy((await httpServer()).port, 'envelope');
    const batch = encodeBatch([text(2, 'up!', 1)]);
    await new Promise<void>((resolve) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: proxy.port,
          path: '/rt/send',
          method: 'POST',
          agent: false,
          headers: { 'content-type': 'application/octet-stream', 'content-length': batch.length },
        },
        (res) => res.resume().on('end', resolve),
      );
      req.end(batch);
    });
    await until(() => meter.connections()[0]?.open === false);
    const { httpHeaders, ...rest } = afterHandshake(meter.connections()[0].upstream);
    expect(httpHeaders).toBeGreaterThan(50);
    expect(rest).toEqual({ framing: 2, envelope: 5, control: 0, payload: 3 });
  });
});
