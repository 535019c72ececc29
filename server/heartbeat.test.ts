/**
 * Heartbeats: a peer that goes silent with its TCP connection still open (a dead NAT entry, a hung
 * process) is detected on both sides within heartbeatMs + heartbeatTimeoutMs (+ one tick).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Client } from '../client/index.js';
import { TRANSPORT_CAPABILITIES, TRANSPORTS, type TransportName } from '../protocol/index.js';
import type { Connection } from './index.js';
import { openClient, startServer, type TestServer, waitFor } from '../test/helpers/server.js';

const HEARTBEAT = { heartbeatMs: 200, heartbeatTimeoutMs: 200 };
const BOUND_MS = 400 + 600; // interval + timeout, plus the ticker and a loaded CI machine's slack
/**
 * For the tests that a live connection is NOT cut: a timeout long against a loaded machine's pauses
 * (a 200 ms one fires on a busy 2-core box), while each test still lasts twice interval + timeout, so
 * a connection that said nothing would be cut within it.
 */
const PATIENT = { heartbeatMs: 300, heartbeatTimeoutMs: 1500 };
const PATIENT_WAIT_MS = 2 * (PATIENT.heartbeatMs + PATIENT.heartbeatTimeoutMs);

let server: TestServer | null = null;
let client: Client | null = null;
afterEach(async () => {
  client?.close();
  await server?.close();
  server = client = null;
});

describe('server detects a silent client', () => {
  /** A raw client that opens a connection the way the transport's capabilities say, then says nothing. */
  const silentClient = async (base: string, transport: TransportName): Promise<() => void> => {
    const { upstream, downstream } = TRANSPORT_CAPABILITIES[transport];
    if (upstream === 'connection') {
      // Opens, takes the hello, then never answers a ping (ws answers protocol pings; ours are envelopes).
      const ws = new WebSocket(`${base.replace('http', 'ws')}/${transport}`);
      await new Promise((r) => ws.once('message', r));
      return () => ws.terminate();
    }
    if (downstream === 'poll') {
      // Takes the first answer and never polls again.
      await (await fetch(`${base}/${transport}?open=1`)).arrayBuffer();
      return () => {};
    }
    // Reads the stream but never POSTs a pong.
    const abort = new AbortController();
    const response = await fetch(`${base}/${transport}`, { signal: abort.signal });
    void response.body!.pipeTo(new WritableStream()).catch(() => {});
    return () => abort.abort();
  };

  it.each([...TRANSPORTS])('%s', async (transport) => {
    const s = (server = await startServer(HEARTBEAT));
    const connected = s.nextConnection();
    const stop = await silentClient(s.url, transport);
    const conn: Connection = await connected;
    const startedAt = Date.now();
    await waitFor((r) => conn.once('disconnect', r), 5000, 'disconnect');
    const tookMs = Date.now() - startedAt;
    expect(tookMs).toBeGreaterThanOrEqual(HEARTBEAT.heartbeatMs + HEARTBEAT.heartbeatTimeoutMs - 100); // not cut before it was due
    expect(tookMs).toBeLessThan(BOUND_MS);
    expect(conn.closed).toBe(false); // the session waits out its grace period for a resume
    stop();
  });
});

describe('client detects a hung server (SIGSTOP: sockets open, nothing sent) and resumes after it', () => {
  let child: ChildProcess;
  let url: string;
  beforeAll(async () => {
    child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(new URL('../test/fixtures/hung-server.ts', import.meta.url))],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    const port = await waitFor<string>(
      (r) => child.stdout!.once('data', (d: Buffer) => r(d.toString().trim())),
      20_000,
      'child port',
    );
    url = `http://127.0.0.1:${port}/rt`;
  }, 30_000);
  afterAll(() => void child.kill('SIGKILL'));

  it.each([...TRANSPORTS])('%s', async (transport) => {
    const c = (client = await openClient(url, {
      transports: [transport],
      connectTimeoutMs: 1000,
      reconnect: { minDelayMs: 50, maxDelayMs: 300 },
    }));
    const id = c.id;
    child.kill('SIGSTOP');
    const frozenAt = Date.now();
    let reconnecting: { reason: string };
    try {
      reconnecting = await waitFor<{ reason: string }>((r) => c.once('reconnecting', r), 5000, 'reconnecting');
    } finally {
      child.kill('SIGCONT');
    }
    expect(reconnecting.reason).toMatch(/heartbeat timeout/);
    expect(Date.now() - frozenAt).toBeLessThan(BOUND_MS);
    const resumed = await waitFor<{ id: string }>((r) => c.once('resumed', r), 10_000, 'resumed');
    expect(resumed.id).toBe(id);
    const echoed = waitFor((r) => c.once('message', r));
    c.send('after the freeze');
    expect(await echoed).toBe('after the freeze');
  });
});

it('upstream POSTs keep an SSE connection alive on the server past heartbeatMs + heartbeatTimeoutMs', async () => {
  const s = (server = await startServer(PATIENT));
  const connected = s.nextConnection();
  const c = (client = await openClient(s.url, { transports: ['sse'] }));
  const conn = await connected;
  let disconnects = 0;
  conn.on('disconnect', () => disconnects++);
  await new Promise((r) => setTimeout(r, PATIENT_WAIT_MS));
  expect(disconnects).toBe(0);
  expect(c.transport).toBe('sse');
});

it.each(['websocket', 'sse'] as TransportName[])(
  '%s: a client that only receives (its acks lazy) is pinged for a sign of life, not cut',
  async (transport) => {
    const s = (server = await startServer(PATIENT));
    const connected = s.nextConnection();
    // Acks a minute away: only the server's pings make this client say anything.
    const c = (client = await openClient(s.url, { transports: [transport], ackDelayMs: 60_000, ackEvery: 1e6 }));
    const conn = await connected;
    let disconnects = 0;
    conn.on('disconnect', () => disconnects++);
    let received = 0;
    c.on('message', () => received++);
    // A steady stream: the server is never quiet, the client never speaks unless asked.
    const until = Date.now() + PATIENT_WAIT_MS;
    let sent = 0;
    while (Date.now() < until) {
      conn.send(sent++);
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(disconnects).toBe(0);
    expect(received).toBeGreaterThan(0);
    expect(c.transport).toBe(transport);
  },
);
