/**
 * The cross-check: the wire meter's totals per direction must EQUAL what tshark captures on the
 * proxy port (sum of tcp.len), for WebSocket, SSE, long-poll and POST traffic and for Socket.IO.
 * Skips (with the reason) where tshark cannot capture; it must run wherever it can.
 */
import http from 'node:http';
import type net from 'node:net';
import { Server } from 'socket.io';
import { io } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { encodeBatch } from '../../protocol/batch.js';
import { createProxy } from '../network/proxy.js';
import { type CapturedBytes, startCapture, tsharkUnavailableReason } from './capture.js';
import { createWireMeter, type WireMeter } from './meter.js';
import { closeAll, meteredProxy, onClose, startServer, until } from './testkit.js';

const unavailable = tsharkUnavailableReason();
if (unavailable) console.warn(`[capture.test] SKIPPED: tshark cross-check not run here: ${unavailable}`);

afterEach(closeAll);

function getBody(port: number, path: string, headers: http.OutgoingHttpHeaders = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
        let body = '';
        res
          .setEncoding('utf8')
          .on('data', (d: string) => (body += d))
          .on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

async function crossCheck(meter: WireMeter, capturedPromise: Promise<CapturedBytes>) {
  const captured = await capturedPromise;
  const { upstream, downstream } = meter.totals();
  console.info(
    `[capture.test] meter up ${upstream.total} B / tshark up ${captured.upstream} B; meter down ${downstream.total} B / tshark down ${captured.downstream} B (${captured.packets} packets, ${captured.retransmitted} B retransmitted)`,
  );
  expect(captured.packets).toBeGreaterThan(10);
  expect(upstream.total).toBe(captured.upstream);
  expect(downstream.total).toBe(captured.downstream);
}

describe.skipIf(unavailable !== null)('wire meter vs tshark capture', () => {
  it('WebSocket (small and 70 KB frames), SSE, chunked long-poll and POST: equal byte for byte', async () => {
    const server = await startServer(
      (req, res) => {
        if (req.url === '/sse') {
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          let n = 0;
          const timer = setInterval(
            () => (++n <= 20 ? res.write(`data: t${n} ${'s'.repeat(n * 10)}\n\n`) : (clearInterval(timer), res.end())),
            2,
          );
          return;
        }
        res.setHeader('content-type', 'application/octet-stream');
        req.on('data', () => {});
        req.on('end', () => {
          res.write(encodeBatch(['t1 first']));
          res.end(encodeBatch(['a1', 't2 ' + 'p'.repeat(5000)]));
        });
      },
      (ws) => ws.on('message', (m, isBinary) => ws.send(m, { binary: isBinary })),
    );
    const { proxy, meter } = await meteredProxy(server.port, 'envelope');
    const capture = await startCapture({ port: proxy.port });

    const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/ws`);
    onClose(() => ws.terminate());
    await new Promise((r) => ws.once('open', r));
    let echoes = 0;
    ws.on('message', () => echoes++);
    const sizes = [1, 100, 200, 70_000, 3, 65_535, 126];
    for (const size of sizes) ws.send('t1 ' + 'w'.repeat(size));
    ws.send(Buffer.alloc(1000, 7));
    await until(() => echoes === sizes.length + 1);
    ws.close();
    await new Promise((r) => ws.once('close', r));

    expect(await getBody(proxy.port, '/sse', { accept: 'text/event-stream' })).toContain('data: t20 ');
    for (let i = 0; i < 5; i++) expect(await getBody(proxy.port, '/poll')).toContain('t1 first');
    await new Promise<void>((resolve) => {
      const req = http.request(
        { host: '127.0.0.1', port: proxy.port, path: '/send', method: 'POST', agent: false },
        (res) => res.resume().on('end', resolve),
      );
      req.end(encodeBatch(['t1 ' + 'u'.repeat(20_000)]));
    });
    await until(() => meter.connections().every((c) => !c.open));
    await crossCheck(meter, capture.stop());
  });

  it('Socket.IO (polling, then upgrade to WebSocket): equal byte for byte', async () => {
    const server = http.createServer();
    const sio = new Server(server);
    sio.on('connection', (socket) => socket.on('msg', (data: string) => socket.emit('msg', data)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    onClose(() => sio.close());
    const { proxy, meter } = await meteredProxy((server.address() as net.AddressInfo).port, 'socketio');
    const capture = await startCapture({ port: proxy.port });

    const client = io(`http://127.0.0.1:${proxy.port}`, { forceNew: true });
    let echoes = 0;
    client.on('msg', () => echoes++);
    await new Promise<void>((r) => client.once('connect', () => r()));
    for (let i = 0; i < 20; i++) client.emit('msg', 'm'.repeat(i * 50));
    await until(() => echoes === 20);
    client.close();
    await until(() => meter.connections().every((c) => !c.open));
    await crossCheck(meter, capture.stop());
  });

  it('behind block-websocket: the refused upgrade (403 written by the proxy) and GETs, equal byte for byte', async () => {
    const server = await startServer((_req, res) => res.end('ok'));
    const meter = createWireMeter({ dialect: 'envelope' });
    const proxy = await createProxy({
      target: { host: '127.0.0.1', port: server.port },
      middlebox: 'block-websocket',
      tap: meter.tap,
    });
    onClose(() => proxy.close());
    const capture = await startCapture({ port: proxy.port });
    for (let i = 0; i < 3; i++) {
      const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/ws`);
      ws.on('error', () => {});
      expect(await new Promise((r) => ws.once('unexpected-response', (_req, res) => r(res.statusCode)))).toBe(403);
      ws.terminate();
      expect(await getBody(proxy.port, '/')).toBe('ok');
    }
    await until(() => meter.connections().length === 6 && meter.connections().every((c) => !c.open));
    const { downstream } = meter.totals();
    expect(downstream.handshake).toBeGreaterThan(3 * 60); // heads of the three 403 answers to upgrade requests
    await crossCheck(meter, capture.stop());
  });
});
