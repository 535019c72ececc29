/**
 * The `logger` option on both sides: each decision is logged, a refusal with its reason and code.
 * The WebSocket refusal here is real: the message server is mounted into an Express app whose HTTP
 * server was never given to it, so upgrades reach the app as plain GETs and are answered 400.
 */
import express from 'express';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import type { LogLevel } from '../protocol/index.js';
import { createMessageServer, type MessageServer } from '../server/index.js';
import { waitFor } from '../test/helpers/server.js';
import { type Client, connect } from './index.js';

type Entry = { level: LogLevel; message: string; fields?: Record<string, unknown> };

/** A logger that keeps what it is told. */
function recorder(): { entries: Entry[]; logger: Record<LogLevel, (m: string, f?: Record<string, unknown>) => void> } {
  const entries: Entry[] = [];
  const at = (level: LogLevel) => (message: string, fields?: Record<string, unknown>) =>
    entries.push({ level, message, fields });
  return { entries, logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') } };
}

let rt: MessageServer | null = null;
let httpServer: http.Server | null = null;
let client: Client | null = null;
afterEach(async () => {
  client?.close();
  await rt?.close();
  httpServer?.close();
  httpServer = rt = client = null;
});

it('a refused transport is logged with its reason on the client, and with its code on the server', async () => {
  const serverLog = recorder();
  const clientLog = recorder();
  const app = express();
  rt = createMessageServer({ app, logger: serverLog.logger }); // no `server`: upgrades are not handled
  httpServer = http.createServer(app);
  await new Promise<void>((r) => httpServer!.listen(0, '127.0.0.1', r));
  const { port } = httpServer.address() as AddressInfo;

  const c = (client = connect(`http://127.0.0.1:${port}/rt`, {
    transports: ['websocket', 'sse'],
    logger: clientLog.logger,
  }));
  const change = await waitFor<{ to: string }>((r) => c.once('transport', r), 10_000, 'transport');
  expect(change.to).toBe('sse');

  const messages = (entries: Entry[], level: LogLevel) =>
    entries.filter((e) => e.level === level).map((e) => e.message);
  expect(messages(clientLog.entries, 'debug')).toEqual(
    expect.arrayContaining(['transport-lab:client trying websocket', 'transport-lab:client sse verified']),
  );
  expect(clientLog.entries).toContainEqual({
    level: 'warn',
    message: expect.stringMatching(/^transport-lab:client websocket refused: websocket closed \(1006\)$/),
    fields: { transport: 'websocket', closeCode: 1006 },
  });
  expect(messages(clientLog.entries, 'info')).toContain('transport-lab:client transport (none) → sse (fallback)');
  expect(serverLog.entries).toContainEqual({
    level: 'warn',
    message: 'transport-lab:server refused GET /rt/websocket: 400 BAD_REQUEST',
    fields: expect.objectContaining({ status: 400, code: 'BAD_REQUEST' }),
  });
  expect(messages(serverLog.entries, 'info')).toContain(`transport-lab:server session ${c.id} opened on sse`);

  const ended = waitFor((r) => rt!.sessions.get(c.id!)!.once('close', r), 5000, 'session close');
  c.close();
  await ended;
  expect(messages(serverLog.entries, 'info')).toContain(
    `transport-lab:server session ${c.id} closed (1000 client closed)`,
  );
});

it('a logger that throws breaks nothing', async () => {
  const fail = () => {
    throw new Error('logger failure');
  };
  const throwing = { debug: fail, info: fail, warn: fail, error: fail };
  rt = createMessageServer({ logger: throwing });
  const { port } = await rt.listen(0, '127.0.0.1');
  rt.on('connection', (conn) => conn.on('message', (m) => conn.send(m)));
  const c = (client = connect(`http://127.0.0.1:${port}/rt`, { logger: throwing }));
  const echoed = waitFor((r) => c.once('message', r), 10_000, 'echo');
  c.send('still works');
  expect(await echoed).toBe('still works');
});
