import http from 'node:http';
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { parseMiddlebox } from './middleboxes.js';
import { createProxy, type NetworkProxy, type ProxyEvent } from './proxy.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const cleanup: Array<() => unknown> = [];
let serverPort = 0;
let wsConnections = 0;

beforeEach(async () => {
  wsConnections = 0;
  const server = http.createServer((req, res) => {
    if (req.url === '/plain') return res.end('ok');
    if (req.url === '/chunked') {
      res.write('part1;');
      setTimeout(() => res.write('part2;'), 100);
      setTimeout(() => res.end('part3'), 200);
      return;
    }
    if (req.url?.startsWith('/sse')) {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const size = Number(new URL(req.url, 'http://x').searchParams.get('size') ?? 1);
      const timer = setInterval(() => res.write(`data: ${'x'.repeat(size)}\n\n`), 20);
      res.on('close', () => clearInterval(timer));
      return;
    }
    res.statusCode = 404;
    res.end();
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => {
    wsConnections++;
    ws.send('welcome');
    ws.on('message', (m) => ws.send(m));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  serverPort = (server.address() as net.AddressInfo).port;
  cleanup.push(() => {
    server.closeAllConnections();
    wss.clients.forEach((c) => c.terminate());
    return new Promise((r) => server.close(r));
  });
});
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

async function proxyWith(middlebox: string, events: ProxyEvent[] = []): Promise<NetworkProxy> {
  const proxy = await createProxy({
    target: { host: '127.0.0.1', port: serverPort },
    middlebox,
    onEvent: (e) => events.push(e),
  });
  cleanup.push(() => proxy.close());
  return proxy;
}

/** GET through the proxy; resolves with the body and when its first byte arrived (ms after start). */
function get(
  port: number,
  path: string,
): Promise<{ status: number; body: string; firstByteMs: number; endMs: number }> {
  const start = performance.now();
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let body = '';
        let firstByteMs = -1;
        res.on('data', (b) => {
          if (firstByteMs < 0) firstByteMs = performance.now() - start;
          body += b;
        });
        res.on('end', () => resolve({ status: res.statusCode!, body, firstByteMs, endMs: performance.now() - start }));
      })
      .on('error', reject);
  });
}

/** Opens an SSE stream; resolves with the bytes of body received within `ms`. */
function sseBytesWithin(port: number, path: string, ms: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (b) => (bytes += b.length));
      setTimeout(() => (req.destroy(), resolve(bytes)), ms);
    });
    req.on('error', () => {});
    setTimeout(() => reject(new Error('no response head')), ms + 500);
  });
}

function openWs(port: number): WebSocket {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
  ws.on('error', () => {}); // refusals and cuts are what these tests provoke
  cleanup.push(() => ws.readyState !== WebSocket.CONNECTING && ws.terminate());
  return ws;
}

describe('block-websocket', () => {
  it('answers the upgrade with 403 itself while ordinary GETs pass', async () => {
    const events: ProxyEvent[] = [];
    const proxy = await proxyWith('block-websocket', events);
    const ws = openWs(proxy.port);
    const status = await new Promise<number>((resolve) => {
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode!));
      ws.on('open', () => resolve(101));
    });
    expect(status).toBe(403);
    expect(wsConnections).toBe(0);
    expect(events.some((e) => e.type === 'middlebox' && /block-websocket/.test(e.detail))).toBe(true);
    expect(await get(proxy.port, '/plain')).toMatchObject({ status: 200, body: 'ok' });
  });
});

describe('stall-websocket', () => {
  it('lets the 101 through, then forwards nothing: open fires, the welcome never arrives', async () => {
    const proxy = await proxyWith('stall-websocket');
    const ws = openWs(proxy.port);
    let messages = 0;
    ws.on('message', () => messages++);
    await new Promise((r) => ws.once('open', r));
    ws.send('echo me');
    await sleep(300);
    expect(wsConnections).toBe(1); // the server did accept it
    expect(messages).toBe(0);
    // Without the middlebox the same exchange delivers both messages.
    const direct = openWs(serverPort);
    await new Promise((r) => direct.once('message', r));
  });
});

describe('buffer-streaming', () => {
  it('holds a chunked response until it completes; content-length responses pass', async () => {
    const proxy = await proxyWith('buffer-streaming');
    const streamed = await get(proxy.port, '/chunked');
    expect(streamed.body).toBe('part1;part2;part3');
    expect(streamed.firstByteMs).toBeGreaterThanOrEqual(195); // the server wrote part1 at 0 ms, ended at 200 ms
    const unbuffered = await get(serverPort, '/chunked');
    expect(unbuffered.firstByteMs).toBeLessThan(150);
    expect(await get(proxy.port, '/plain')).toMatchObject({ status: 200, body: 'ok' });
  });

  it('an SSE stream never arrives under 64 KB; with a 1 KB limit it arrives in bursts', async () => {
    expect(await sseBytesWithin(serverPort, '/sse', 300)).toBeGreaterThan(0);
    const proxy = await proxyWith('buffer-streaming');
    expect(await sseBytesWithin(proxy.port, '/sse', 300)).toBe(0);
    const small = await proxyWith('buffer-streaming:1');
    // 110-byte events every 20 ms: the first 1 KB is released after about 10 events.
    expect(await sseBytesWithin(small.port, '/sse?size=100', 600)).toBeGreaterThanOrEqual(1024);
  });
});

describe('idle-timeout', () => {
  it('cuts a connection idle for N s and keeps a busy one', async () => {
    const events: ProxyEvent[] = [];
    const proxy = await proxyWith('idle-timeout:0.3', events);
    const idle = openWs(proxy.port);
    const busy = openWs(proxy.port);
    await Promise.all([new Promise((r) => idle.once('open', r)), new Promise((r) => busy.once('open', r))]);
    const openedAt = performance.now();
    const pinger = setInterval(() => busy.send('ping'), 100);
    cleanup.push(() => clearInterval(pinger));
    await new Promise((r) => idle.once('close', r));
    const idleFor = performance.now() - openedAt;
    expect(idleFor).toBeGreaterThanOrEqual(250);
    expect(idleFor).toBeLessThan(600);
    await sleep(400);
    expect(busy.readyState).toBe(WebSocket.OPEN);
    expect(events.filter((e) => e.type === 'cut')).toHaveLength(1);
    expect(events.find((e) => e.type === 'cut')!.detail).toMatch(/idle-timeout/);
  });
});

describe('flaky', () => {
  it('cuts every connection every N s, with an event per cut, and new connections still work', async () => {
    const events: ProxyEvent[] = [];
    const proxy = await proxyWith('flaky:0.25', events);
    const a = openWs(proxy.port);
    const b = openWs(proxy.port);
    await Promise.all([new Promise((r) => a.once('open', r)), new Promise((r) => b.once('open', r))]);
    await Promise.all([new Promise((r) => a.once('close', r)), new Promise((r) => b.once('close', r))]);
    expect(events.filter((e) => e.type === 'cut').map((e) => e.detail)).toEqual([
      'flaky: link cut every 0.25 s',
      'flaky: link cut every 0.25 s',
    ]);
    const c = openWs(proxy.port);
    await new Promise((r) => c.once('message', r));
    await new Promise((r) => c.once('close', r));
    expect(events.filter((e) => e.type === 'cut')).toHaveLength(3);
  });
});

describe('parseMiddlebox', () => {
  it('parses names with optional parameters and refuses bad specs clearly', () => {
    expect(parseMiddlebox('idle-timeout:30').spec).toBe('idle-timeout:30');
    expect(parseMiddlebox('buffer-streaming').spec).toBe('buffer-streaming:64');
    expect(parseMiddlebox('flaky').spec).toBe('flaky:10');
    expect(() => parseMiddlebox('nat')).toThrow(
      /Unknown middlebox "nat"; valid middleboxes: block-websocket, stall-websocket, buffer-streaming, idle-timeout, flaky/,
    );
    expect(() => parseMiddlebox('block-websocket:3')).toThrow(/takes no parameter/);
    expect(() => parseMiddlebox('flaky:soon')).toThrow(/takes one positive number of seconds/);
    expect(() => parseMiddlebox('idle-timeout:-1')).toThrow(/positive number/);
  });
});
