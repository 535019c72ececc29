/**
 * Socket.IO on real bytes: a socket.io-client and server over polling (several packets in one
 * payload, separated by 0x1e) and over WebSocket (Engine.IO packet types, `42["m",…]`, a binary
 * attachment).
 */
import http from 'node:http';
import type net from 'node:net';
import { Server } from 'socket.io';
import { io } from 'socket.io-client';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAll, onClose, until } from '../meter/testkit.js';
import type { InspectRecord } from './record.js';
import { field, inspectedProxy, value } from './testkit.js';

afterEach(closeAll);

async function echoServer(): Promise<number> {
  const server = http.createServer();
  const sio = new Server(server);
  sio.on('connection', (socket) => socket.on('m', (data: unknown) => socket.emit('m', data)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onClose(() => sio.close());
  return (server.address() as net.AddressInfo).port;
}

describe('Socket.IO', () => {
  it('over polling: one POST carries several packets separated by 0x1e', async () => {
    const inspected = await inspectedProxy(await echoServer(), 'socketio');
    const client = io(`http://127.0.0.1:${inspected.proxy.port}`, { transports: ['polling'], forceNew: true });
    onClose(() => client.close());
    let echoes = 0;
    client.on('m', () => echoes++);
    await new Promise<void>((r) => client.once('connect', () => r()));
    for (let i = 0; i < 4; i++) client.emit('m', { i }); // same tick: one payload
    await until(() => echoes === 4);
    client.close();
    await inspected.proxy.close();
    await inspected.closed();
    // The first emit goes out at once; the three emitted while that POST is in flight go together.
    const packets = (r: InspectRecord) => Number(field(r.fields, 'payload')?.value ?? 0);
    const post = inspected.records.find((r) => /^POST/.test(r.summary) && packets(r) > 1)!;
    const n = packets(post);
    expect(post.spans.filter((s) => s.label === 'record separator 0x1e')).toHaveLength(n - 1);
    const packet = field(post.fields, 'packet 1')!;
    expect(field(packet.children!, 'type')!.text).toBe('4 message');
    expect(field(packet.children!, 'packetType')!.text).toBe('2 EVENT');
    expect(field(packet.children!, 'event')!.value).toBe('m');
    expect(field(packet.children!, 'arguments')!.value).toMatch(/^\{"i":\d\}$/);
    // n × (framing "4" + envelope `2["m",` and `]` + payload `{"i":N}`) + n − 1 separators
    expect(post.breakdown).toMatchObject({ framing: n + n - 1, envelope: n * 7, payload: n * 7 });
    inspected.expectAgreement();
  });

  it('over WebSocket: Engine.IO packets, 42["m",…] and a binary attachment', async () => {
    const inspected = await inspectedProxy(await echoServer(), 'socketio');
    const client = io(`http://127.0.0.1:${inspected.proxy.port}`, { transports: ['websocket'], forceNew: true });
    onClose(() => client.close());
    let echoes = 0;
    client.on('m', () => echoes++);
    await new Promise<void>((r) => client.once('connect', () => r()));
    client.emit('m', 'hello');
    client.emit('m', Buffer.from([9, 8, 7]));
    await until(() => echoes === 2);
    client.close();
    await inspected.closed();
    const frames = inspected.records.filter((r) => r.protocol === 'websocket');
    const open = frames.find((r) => r.direction === 'downstream')!;
    expect(field(open.fields, 'type')!.text).toBe('0 open');
    expect(open.breakdown).toMatchObject({ framing: 2, control: open.length - 2 }); // frame header, packet
    const hello = frames.find((r) => r.direction === 'upstream' && /hello/.test(r.summary))!;
    expect(hello.summary).toMatch(/42\["m",…\] "hello"/);
    expect(hello.breakdown).toMatchObject({ framing: 6 + 1, envelope: 7, payload: 7 });
    const attachment = frames.find((r) => r.direction === 'upstream' && value(r, 'opcode') === 2)!;
    expect(attachment.summary).toMatch(/binary attachment, 3 B/);
    expect(attachment.breakdown.payload).toBe(3);
    inspected.expectAgreement();
  });
});
