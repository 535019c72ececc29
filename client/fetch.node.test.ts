/**
 * The Node client's fetch on node:http, against a real server: what it sends, what it answers with,
 * kept-alive connections, aborts and failures the way fetch reports them.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeFetch } from './fetch.node.js';

let server: http.Server;
let base: string;
const connections = new Set<Socket>();
let lastRequest: { method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string } | null = null;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      lastRequest = { method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString() };
      if (req.url === '/stream') {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.write('data:one\n\n');
        setTimeout(() => res.end('data:two\n\n'), 20);
      } else if (req.url === '/hang') {
        res.writeHead(200, { 'Content-Type': 'text/plain' });
        res.write('partial');
      } else if (req.url === '/never') {
        // no answer at all
      } else if (req.url === '/refused') {
        res.writeHead(403, { 'Content-Type': 'application/json' }).end('{"code":"FORBIDDEN"}');
      } else {
        res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'X-Twice': ['a', 'b'] });
        res.end(Buffer.from([0, 1, 2, 255]));
      }
    });
  });
  server.on('connection', (socket) => {
    connections.add(socket);
    socket.on('close', () => connections.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('nodeFetch', () => {
  it('sends the method, our headers and the body with its length, and nothing the server has no use for', async () => {
    const body = new TextEncoder().encode('5:t1 hi');
    const response = await nodeFetch(`${base}/post?sid=x`, {
      method: 'POST',
      body,
      headers: { 'X-Session-Token': 'tok' },
    });
    expect(response.ok).toBe(true);
    expect(lastRequest).toMatchObject({ method: 'POST', url: '/post?sid=x', body: '5:t1 hi' });
    expect(Object.keys(lastRequest!.headers).sort()).toEqual([
      'connection',
      'content-length',
      'host',
      'x-session-token',
    ]);
    expect(lastRequest!.headers['content-length']).toBe(String(body.byteLength));
  });

  it('answers with status, headers and the body as bytes or text', async () => {
    const response = await nodeFetch(new URL(`${base}/bytes`));
    expect([response.status, response.ok]).toEqual([200, true]);
    expect(response.headers.get('Content-Type')).toBe('application/octet-stream');
    expect(response.headers.get('x-twice')).toBe('a, b');
    expect(response.headers.get('x-absent')).toBeNull();
    expect([...new Uint8Array(await response.arrayBuffer())]).toEqual([0, 1, 2, 255]);
    await expect(response.text()).rejects.toThrow(TypeError); // a body is read once

    const refused = await nodeFetch(`${base}/refused`);
    expect([refused.status, refused.ok]).toEqual([403, false]);
    expect(await refused.text()).toBe('{"code":"FORBIDDEN"}');
  });

  it('streams a body as a web stream (what eventsource reads)', async () => {
    const response = await nodeFetch(`${base}/stream`);
    const reader = response.body!.getReader();
    let text = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read())
      text += new TextDecoder().decode(chunk.value);
    expect(text).toBe('data:one\n\ndata:two\n\n');
  });

  it('keeps the connection alive between requests', async () => {
    await (await nodeFetch(`${base}/a`)).arrayBuffer();
    const before = new Set(connections);
    for (let i = 0; i < 5; i++) await (await nodeFetch(`${base}/b`)).arrayBuffer();
    expect([...connections].filter((c) => !before.has(c))).toEqual([]); // no new connection
  });

  it('an abort rejects with an AbortError: before sending, while waiting, while reading the body', async () => {
    const early = new AbortController();
    early.abort();
    await expect(nodeFetch(`${base}/a`, { signal: early.signal })).rejects.toMatchObject({ name: 'AbortError' });

    const waiting = new AbortController();
    const pending = nodeFetch(`${base}/never`, { signal: waiting.signal });
    setTimeout(() => waiting.abort(), 30);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });

    const reading = new AbortController();
    const partial = await nodeFetch(`${base}/hang`, { signal: reading.signal });
    const text = partial.text();
    setTimeout(() => reading.abort(), 30);
    await expect(text).rejects.toMatchObject({ name: 'AbortError' });

    const streaming = new AbortController();
    const stream = (await nodeFetch(`${base}/hang`, { signal: streaming.signal })).body!.getReader();
    await stream.read(); // 'partial'
    setTimeout(() => streaming.abort(), 30);
    await expect(stream.read()).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('a refused connection or a cut answer rejects with a TypeError, as fetch does', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    await expect(nodeFetch(`http://127.0.0.1:${port}/`)).rejects.toThrow(TypeError);

    const partial = await nodeFetch(`${base}/hang`);
    const text = partial.text();
    setTimeout(() => connections.forEach((c) => c.destroy()), 30);
    await expect(text).rejects.toThrow(TypeError);
  });
});
