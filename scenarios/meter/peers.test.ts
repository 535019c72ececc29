/**
 * The peers, metered like our transports: Socket.IO over WebSocket and over polling, and raw ws.
 * Payload must come out exactly as the application's bytes, the rest split by the documented rules.
 */
import http from 'node:http';
import type net from 'node:net';
import { Server } from 'socket.io';
import { io } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { closeAll, meteredProxy, onClose, startServer, until } from './testkit.js';

afterEach(closeAll);

const MESSAGES = 3;
const ARG = 'x'.repeat(100); // JSON-encoded: 102 bytes of payload per message

async function socketIoEcho(): Promise<number> {
  const server = http.createServer();
  const sio = new Server(server);
  sio.on('connection', (socket) => socket.on('msg', (data: string) => socket.emit('msg', data)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onClose(() => sio.close());
  return (server.address() as net.AddressInfo).port;
}

describe.each([['websocket'], ['polling']] as const)('Socket.IO over %s', (transport) => {
  it('counts the event arguments as payload and the `2["msg",` … `]` wrapper as envelope', async () => {
    const { proxy, meter } = await meteredProxy(await socketIoEcho(), 'socketio');
    const client = io(`http://127.0.0.1:${proxy.port}`, { transports: [transport], forceNew: true });
    onClose(() => client.close());
    let echoes = 0;
    client.on('msg', () => echoes++);
    await new Promise<void>((r) => client.once('connect', () => r()));
    for (let i = 0; i < MESSAGES; i++) client.emit('msg', ARG);
    await until(() => echoes === MESSAGES);
    await until(() => meter.totals().downstream.payload === MESSAGES * 102);
    const { upstream, downstream } = meter.totals();
    for (const b of [upstream, downstream]) {
      expect(b.payload).toBe(MESSAGES * 102);
      expect(b.envelope).toBe(MESSAGES * 9); // 2["msg", (8) + ] (1)
      expect(b.control).toBeGreaterThan(0); // engine.io open packet, socket.io CONNECT
      expect(b.handshake + b.httpHeaders + b.framing + b.envelope + b.control + b.payload).toBe(b.total);
    }
    if (transport === 'websocket') expect(downstream.httpHeaders).toBe(0);
    else expect(downstream.handshake).toBe(0);
  });
});

describe('raw ws', () => {
  it('frame headers are framing, everything inside the frame is payload', async () => {
    let got = 0;
    const server = await startServer(undefined, (ws) =>
      ws.on('message', (m: Buffer) => ((got += m.length), ws.send(m))),
    );
    const { proxy, meter } = await meteredProxy(server.port, 'raw');
    const ws = new WebSocket(`ws://127.0.0.1:${proxy.port}/`);
    onClose(() => ws.terminate());
    await new Promise((r) => ws.once('open', r));
    ws.send('t1 not an envelope here');
    ws.send(Buffer.alloc(300, 1));
    await until(() => got === 323 && meter.totals().downstream.payload === 323);
    const { upstream, downstream } = meter.totals();
    expect(downstream).toMatchObject({ framing: 2 + 4, envelope: 0, control: 0, payload: 323 });
    expect(upstream).toMatchObject({ framing: 6 + 8, envelope: 0, control: 0, payload: 323 });
  });
});
