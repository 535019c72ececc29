import http from 'node:http';
import type net from 'node:net';
import { performance } from 'node:perf_hooks';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { parseMiddlebox } from './middleboxes.js';
import { createProxy, type NetworkProxy, type ProxyEvent } from './proxy.js';
import { sleep, until } from '../testkit.js';

const cleanup: Array<() => unknown> = [];
let serverPort = 0;
let wsConnections = 0;
/** Ends the pending `/chunked` responses (the test decides when, so no timer races the proxy). */
let endChunked: Array<() => void> = [];

beforeEach(async () => {
  wsConnections = 0;
  endChunked = [];
  const server = http.createServer((req, res) => {
    if (req.url === '/plain') return res.end('ok');
    if (req.url === '/chunked') {
      res.write('part1;');
      res.write('part2;');
      endChunked.push(() => res.end('part3'));
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

/**
 * GET through the proxy: `firstByte` resolves with the time (performance.now) the first body byte
 * arrived, `done` with the response.
 */
function get(port: number, path: string) {
  let firstByte!: (at: number) => void;
  const first = new Promise<number>((r) => (firstByte = r));
  const done = new Promise<{ status: number; body: string; firstByteAt: Promise<number> }>((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
        let body = '';
        res.on('data', (b) => {
          if (body === '') firstByte(performance.now());
          body += b;
        });
        res.on('end', () => resolve({ status: res.statusCode!, body, firstByteAt: first }));
      })
      .on('error', reject);
  });
  return Object.assign(done, { firstByteAt: first });
}

/**
 * Opens an SSE stream and resolves with the size of the first burst of body bytes: everything that
 * arrives in the same turn of the event loop as the first byte.
 */
function firstSseBurst(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      let bytes = 0;
      res.on('data', (b) => {
        if (bytes === 0) setImmediate(() => (req.destroy(), resolve(bytes)));
        bytes += b.length;
      });
    });
    req.on('error', reject);
    cleanup.push(() => req.destroy());
  });
}

/** Opens an SSE stream; resolves with the bytes of body received within `ms`. */
function sseBytesWithin(port: number, path: string, ms: number): Promise<number> {
  return new Promise((resolve) => {
    let bytes = 0;
    const req = http.get({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.on('data', (b) => (bytes += b.length));
    });
    req.on('error', () => {});
    setTimeout(() => (req.destroy(), resolve(bytes)), ms);
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
    const events: ProxyEvent[] = [];
    const proxy = await proxyWith('stall-websocket', events);
    const ws = openWs(proxy.port);
    let messages = 0;
    ws.on('message', () => messages++);
    await new Promise((r) => ws.once('open', r));
    ws.send('echo me');
    // The proxy has had the server's welcome in hand (the stall event), and a whole exchange on
    // another connection has completed since: a forwarded welcome would have arrived by then.
    await until(() => events.some((e) => e.type === 'middlebox' && /stalled/.test(e.detail)));
    const direct = openWs(serverPort);
    await new Promise((r) => direct.once('message', r)); // without the middlebox: the welcome
    expect(wsConnections).toBe(2); // the server did accept the stalled one
    expect(messages).toBe(0);
  });
});

describe('buffer-streaming', () => {
  it('holds a chunked response until it completes; content-length responses pass', async () => {
    // Without the middlebox the body streams: its first bytes arrive while the response is still open.
    const direct = get(serverPort, '/chunked');
    await direct.firstByteAt;
    endChunked.pop()!();
    expect((await direct).body).toBe('part1;part2;part3');

    const proxy = await proxyWith('buffer-streaming');
    const streamed = get(proxy.port, '/chunked');
    await until(() => endChunked.length === 1); // the server wrote part1 and part2…
    await sleep(100); // …and they had time to reach the client, were they forwarded
    const endedAt = performance.now();
    endChunked.pop()!();
    expect((await streamed).body).toBe('part1;part2;part3');
    expect(await streamed.firstByteAt).toBeGreaterThanOrEqual(endedAt); // nothing before the end
    expect(await get(proxy.port, '/plain')).toMatchObject({ status: 200, body: 'ok' });
  });

  it('an SSE stream never arrives under 64 KB; with a 1 KB limit it arrives in bursts', async () => {
    // Direct, 9-byte events every 20 ms arrive one by one; the 64 KB proxy passes none in 300 ms
    // (~150 bytes written), and the 1 KB one releases them at least 1 KB of the wire at a time:
    // 110-byte events in 116-byte chunks, so at least 8 events' worth of body at once.
    expect(await firstSseBurst(serverPort, '/sse')).toBeLessThan(1024);
    const proxy = await proxyWith('buffer-streaming');
    expect(await sseBytesWithin(proxy.port, '/sse', 300)).toBe(0);
    const small = await proxyWith('buffer-streaming:1');
    expect(await firstSseBurst(small.port, '/sse?size=100')).toBeGreaterThanOrEqual(8 * 110);
  });
});

describe('idle-timeout', () => {
  it('cuts a connection idle for N s and keeps a busy one', async () => {
    const events: ProxyEvent[] = [];
    const proxy = await proxyWith('idle-timeout:0.5', events);
    const idle = openWs(proxy.port);
    const busy = openWs(proxy.port);
    await Promise.all([new Promise((r) => idle.once('open', r)), new Promise((r) => busy.once('open', r))]);
    const openedAt = performance.now();
    // The busy one echoes a ping every 20 ms: never 0.5 s without bytes, even on a loaded machine.
    let echoes = 0;
    busy.on('message', (m) => void (String(m) === 'ping' && echoes++));
    const pinger = setInterval(() => busy.send('ping'), 20);
    cleanup.push(() => clearInterval(pinger));
    await new Promise((r) => idle.once('close', r));
    // Not before its time (the 101 went through a moment before `openedAt`: 50 ms of margin).
    expect(performance.now() - openedAt).toBeGreaterThanOrEqual(450);
    // The busy one outlives a further full timeout of traffic.
    const seen = echoes;
    const since = performance.now();
    await until(() => echoes > seen && performance.now() - since > 600);
    expect(busy.readyState).toBe(WebSocket.OPEN);
    expect(events.filter((e) => e.type === 'cut')).toHaveLength(1);
    expect(events.find((e) => e.type === 'cut')!.detail).toMatch(/idle-timeout/);
  });
});

describe('flaky', () => {
  it('cuts every connection every N s, with an event per cut, and new connections still work', async () => {
    const events: ProxyEvent[] = [];
    // 1 s: time enough to open both connections before the first cut, even on a loaded machine.
    const proxy = await proxyWith('flaky:1', events);
    const a = openWs(proxy.port);
    const b = openWs(proxy.port);
    await Promise.all([new Promise((r) => a.once('open', r)), new Promise((r) => b.once('open', r))]);
    await Promise.all([new Promise((r) => a.once('close', r)), new Promise((r) => b.once('close', r))]);
    expect(events.filter((e) => e.type === 'cut').map((e) => e.detail)).toEqual([
      'flaky: link cut every 1 s',
      'flaky: link cut every 1 s',
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
