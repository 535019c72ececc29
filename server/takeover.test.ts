/**
 * Connections taken off Node's HTTP server (server/takeover.ts): an SSE stream and an idle parked
 * poll are held by their sockets alone, and a long-poll connection goes back to the server for its
 * next request. Spoken over raw TCP, byte for byte, so what each answer looks like can be compared.
 */
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decode, decodeBatch, type Hello } from '../protocol/index.js';
import { sleep, startServer, testCertificate, type TestServer, waitFor } from '../test/helpers/server.js';
import { canTakeOver } from './takeover.js';

type ServerSocket = net.Socket & { parser?: unknown };

interface Answer {
  head: string;
  body: Buffer;
}

/** A raw HTTP/1.1 client connection: requests written as given, answers read by Content-Length. */
class RawConnection {
  readonly socket: net.Socket;
  private buffered = Buffer.alloc(0);
  private waiting: (() => void) | null = null;
  closed = false;

  /** `socket`: a connection made elsewhere (TLS, half-open); by default a plain one to `port`. */
  constructor(port: number, socket?: net.Socket) {
    this.socket = socket ?? net.connect(port, '127.0.0.1');
    this.socket.on('data', (chunk) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.waiting?.();
    });
    this.socket.on('close', () => ((this.closed = true), this.waiting?.()));
    this.socket.on('error', () => {});
  }

  get(path: string): void {
    this.socket.write(request(path));
  }

  /** The next whole answer (head and Content-Length body). */
  async answer(timeoutMs = 10_000): Promise<Answer> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const end = this.buffered.indexOf('\r\n\r\n');
      if (end >= 0) {
        const head = this.buffered.subarray(0, end).toString('latin1');
        const length = Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (this.buffered.length >= end + 4 + length) {
          const body = this.buffered.subarray(end + 4, end + 4 + length);
          this.buffered = this.buffered.subarray(end + 4 + length);
          return { head, body };
        }
      }
      if (this.closed) throw new Error(`connection closed; got ${JSON.stringify(this.buffered.toString('latin1'))}`);
      if (Date.now() > until) throw new Error('no answer in time');
      await new Promise<void>((resolve) => {
        this.waiting = resolve;
        setTimeout(resolve, 50);
      });
      this.waiting = null;
    }
  }
}

const request = (path: string) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: */*\r\n\r\n`;
const bodies = (answer: Answer) =>
  decodeBatch(new Uint8Array(answer.body), 1 << 20).map((frame) => decode(frame) as { type: string; body?: unknown });
const withoutDate = (head: string) => head.replace(/\r\nDate: [^\r]+/, '');

const heldAlone = (socket: ServerSocket) =>
  waitFor<void>(
    (resolve) => {
      const check = setInterval(() => socket.parser === null && (clearInterval(check), resolve()), 20);
    },
    5000,
    'the connection to be taken off the HTTP server',
  );

async function openPollingOn(server: TestServer, connection: RawConnection) {
  const announced = server.nextConnection();
  connection.get('/rt/long-polling?open=1');
  const [hello] = bodies(await connection.answer()) as unknown as [{ hello: Hello }];
  const conn = await announced;
  const { sid, token } = hello.hello;
  return { conn, poll: (ack: number) => `/rt/long-polling?sid=${sid}&token=${token}&ack=${ack}` };
}

describe.runIf(canTakeOver)('connections held by their sockets alone', () => {
  let server: TestServer;
  const serverSockets: ServerSocket[] = [];
  const basePath = '/rt';
  beforeAll(async () => {
    // The session ticks every 250 ms (pollTimeoutMs / 4): a poll is found idle 1–1.25 s after it parked.
    server = await startServer({ pollTimeoutMs: 20_000, heartbeatMs: 1000, heartbeatTimeoutMs: 20_000 });
    server.rt.httpServer!.on('connection', (socket: ServerSocket) => serverSockets.push(socket));
  });
  afterAll(() => server.close());

  /** The server's side of the newest connection. */
  const newestServerSocket = async () => {
    await sleep(20);
    return serverSockets.at(-1)!;
  };
  const openPolling = (connection: RawConnection) => openPollingOn(server, connection);

  it('an SSE stream: its events still flow, and the client leaving is seen', async () => {
    const client = new RawConnection(server.port);
    const announced = server.nextConnection();
    client.get(`${basePath}/sse`);
    const conn = await announced;
    const socket = await newestServerSocket();
    await heldAlone(socket);
    let text = '';
    client.socket.on('data', (chunk) => (text += chunk.toString()));
    conn.send('after the takeover');
    await waitFor<void>((resolve) => {
      const check = setInterval(() => text.includes('after the takeover') && (clearInterval(check), resolve()), 20);
    });
    const disconnected = waitFor((resolve) => conn.once('disconnect', resolve), 5000, 'disconnect');
    client.socket.destroy();
    await disconnected;
  });

  it('an idle poll answers with the head a fresh poll gets, and the connection serves the next poll', async () => {
    const client = new RawConnection(server.port);
    const { conn, poll } = await openPolling(client);
    const socket = await newestServerSocket();

    client.get(poll(0)); // answered while fresh
    await sleep(100);
    conn.send('fresh');
    const fresh = await client.answer();
    expect(socket.parser).not.toBe(null);

    client.get(poll(1)); // answered once idle
    await heldAlone(socket);
    conn.send('idle!');
    const idle = await client.answer();
    expect(bodies(idle).map((e) => e.body)).toEqual(['idle!']);
    expect(withoutDate(idle.head)).toBe(withoutDate(fresh.head));
    expect(idle.head).toMatch(/\r\nDate: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT/);

    client.get(poll(2)); // the same connection, back on the HTTP server
    await sleep(100);
    conn.send('next');
    expect(bodies(await client.answer()).map((e) => e.body)).toEqual(['next']);
    expect(socket.parser).not.toBe(null);
    expect(client.closed).toBe(false);
  });

  it('a request pipelined behind an idle poll is answered after it, in order', async () => {
    const client = new RawConnection(server.port);
    const { conn, poll } = await openPolling(client);
    const socket = await newestServerSocket();
    client.get(poll(0));
    await heldAlone(socket);
    client.get(poll(1)); // pipelined: read only once the parked poll is answered
    await sleep(100);
    conn.send('one');
    expect(bodies(await client.answer()).map((e) => e.body)).toEqual(['one']);
    await sleep(100);
    conn.send('two');
    expect(bodies(await client.answer()).map((e) => e.body)).toEqual(['two']);
  });

  it('a client leaving an idle poll is seen, and one sending more than 64 KB behind it is cut', async () => {
    const leaving = new RawConnection(server.port);
    const first = await openPolling(leaving);
    leaving.get(first.poll(0));
    await heldAlone(await newestServerSocket());
    const disconnected = waitFor((resolve) => first.conn.once('disconnect', resolve), 5000, 'disconnect');
    leaving.socket.destroy();
    await disconnected;

    const flooding = new RawConnection(server.port);
    const second = await openPolling(flooding);
    flooding.get(second.poll(0));
    await heldAlone(await newestServerSocket());
    const cut = waitFor((resolve) => second.conn.once('disconnect', resolve), 5000, 'disconnect');
    flooding.socket.write(Buffer.alloc(70 * 1024, 'x'));
    await cut;
    await waitFor<void>((resolve) => (flooding.closed ? resolve() : flooding.socket.once('close', () => resolve())));

    // The server goes on serving.
    const another = new RawConnection(server.port);
    const third = await openPolling(another);
    another.get(third.poll(0));
    await sleep(100);
    third.conn.send('still here');
    expect(bodies(await another.answer()).map((e) => e.body)).toEqual(['still here']);
  });

  it('a connection handed back and left idle is closed after the keep-alive timeout', async () => {
    const httpServer = server.rt.httpServer as HttpServer;
    const keepAlive = httpServer.keepAliveTimeout;
    httpServer.keepAliveTimeout = 200;
    try {
      const client = new RawConnection(server.port);
      const { conn, poll } = await openPolling(client);
      client.get(poll(0));
      await heldAlone(await newestServerSocket());
      conn.send('last');
      await client.answer();
      // Node adds a second to the advertised keep-alive timeout; closed well before the 20 s poll timeout.
      await waitFor<void>((resolve) => client.socket.once('close', () => resolve()), 10_000, 'close');
    } finally {
      httpServer.keepAliveTimeout = keepAlive;
    }
  });
  it('a request read behind the poll (pipelined in the same write) keeps the connection with Node', async () => {
    const client = new RawConnection(server.port);
    const { conn, poll } = await openPolling(client);
    const socket = await newestServerSocket();
    client.socket.write(request(poll(0)) + request(`${basePath}/no-such-thing`));
    await sleep(1600); // past the idle threshold and a tick
    expect(socket.parser).not.toBe(null);
    conn.send('one');
    expect(bodies(await client.answer()).map((e) => e.body)).toEqual(['one']);
    expect((await client.answer()).head).toMatch(/^HTTP\/1.1 404 /);
  });

  it('a response someone else watches (a logger waiting for its finish) stays with Node', async () => {
    const watched: string[] = [];
    const watch = (req: IncomingMessage, res: ServerResponse) =>
      res.on('finish', () => watched.push(`${req.url?.split('?')[0]} ${res.statusCode}`));
    server.rt.httpServer!.prependListener('request', watch);
    try {
      const client = new RawConnection(server.port);
      const { conn, poll } = await openPolling(client);
      const socket = await newestServerSocket();
      client.get(poll(0));
      await sleep(1600);
      expect(socket.parser).not.toBe(null);
      conn.send('watched');
      expect(bodies(await client.answer()).map((e) => e.body)).toEqual(['watched']);
      expect(watched).toEqual([`${basePath}/long-polling 200`, `${basePath}/long-polling 200`]);
    } finally {
      server.rt.httpServer!.off('request', watch);
    }
  });

  it('a stream the server ends is closed once flushed, even when its client keeps its half open', async () => {
    const halfOpen = net.connect({ port: server.port, host: '127.0.0.1', allowHalfOpen: true });
    const client = new RawConnection(server.port, halfOpen);
    const announced = server.nextConnection();
    client.get(`${basePath}/sse`);
    const conn = await announced;
    const socket = await newestServerSocket();
    await heldAlone(socket);
    conn.close();
    await waitFor<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())), 5000);
  });
});

describe.runIf(canTakeOver)('over HTTPS', () => {
  let server: TestServer;
  const serverSockets: ServerSocket[] = [];
  beforeAll(async () => {
    server = await startServer(
      { pollTimeoutMs: 20_000, heartbeatMs: 1000, heartbeatTimeoutMs: 20_000 },
      { tls: true, http: '1.1', compression: false },
    );
    server.rt.httpServer!.on('secureConnection', (socket: ServerSocket) => serverSockets.push(socket));
  });
  afterAll(() => server.close());

  const dial = async () => {
    const { cert } = await testCertificate();
    const socket = tls.connect({ port: server.port, host: '127.0.0.1', ca: cert, servername: 'localhost' });
    await new Promise((resolve) => socket.once('secureConnect', resolve));
    await sleep(20);
    return { client: new RawConnection(server.port, socket), serverSocket: serverSockets.at(-1)! };
  };

  it('an SSE stream and an idle poll are held by their TLS sockets alone', async () => {
    const sse = await dial();
    const announced = server.nextConnection();
    sse.client.get('/rt/sse');
    const streaming = await announced;
    await heldAlone(sse.serverSocket);
    let text = '';
    sse.client.socket.on('data', (chunk) => (text += chunk.toString()));
    streaming.send('over tls');
    await waitFor<void>((resolve) => {
      const check = setInterval(() => text.includes('over tls') && (clearInterval(check), resolve()), 20);
    });

    const polling = await dial();
    const { conn, poll } = await openPollingOn(server, polling.client);
    polling.client.get(poll(0));
    await heldAlone(polling.serverSocket);
    conn.send('idle over tls');
    expect(bodies(await polling.client.answer()).map((e) => e.body)).toEqual(['idle over tls']);
    polling.client.get(poll(1));
    await sleep(100);
    conn.send('next');
    expect(bodies(await polling.client.answer()).map((e) => e.body)).toEqual(['next']);
  });
});
