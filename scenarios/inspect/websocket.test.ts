/**
 * The WebSocket decoder on real bytes: a `ws` client and server talking through the proxy —
 * handshake (the Accept derivation checked), masked client frames, server frames, the three
 * payload length forms, a fragmented message, ping/pong and a close with code and reason.
 */
import type http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { closeAll, onClose, startServer, until } from '../meter/testkit.js';
import type { InspectRecord } from './record.js';
import { field, fieldBytes, inspectedProxy, value } from './testkit.js';
import { acceptFor } from './websocket.js';

afterEach(closeAll);

describe('acceptFor', () => {
  it('derives the RFC 6455 example (§1.3): dGhlIHNhbXBsZSBub25jZQ== → s3pPLMBiTxaQ9kYGzzhZRbK+xOo=', () => {
    const steps = acceptFor('dGhlIHNhbXBsZSBub25jZQ==');
    expect(steps.concatenated).toBe('dGhlIHNhbXBsZSBub25jZQ==258EAFA5-E914-47DA-95CA-C5AB0DC85B11');
    expect(steps.sha1).toBe('b37a4f2cc0624f1690f64606cf385945b2bec4ea');
    expect(steps.accept).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });
});

describe('WebSocket frames from a real ws client and server', () => {
  it('decodes the handshake, every frame field, and agrees with the wire meter', async () => {
    let upgradeRequest: http.IncomingMessage | null = null;
    const server = await startServer(undefined, (ws, req) => {
      upgradeRequest = req;
      ws.on('message', (data, isBinary) => ws.send(data as Buffer, { binary: isBinary }));
    });
    const inspected = await inspectedProxy(server.port, 'raw');
    const ws = new WebSocket(`ws://127.0.0.1:${inspected.proxy.port}/`, { perMessageDeflate: false });
    onClose(() => ws.terminate());
    await new Promise((r) => ws.once('open', r));
    let echoes = 0;
    ws.on('message', () => echoes++);
    ws.send('a'); // 7-bit length
    ws.send('x'.repeat(200)); // 16-bit
    ws.send('y'.repeat(70_000)); // 64-bit
    ws.send(Buffer.from([0, 1, 2, 0xff]));
    ws.send('part1', { fin: false }); // a fragmented message: text frame, then a continuation
    ws.send('part2', { fin: true });
    ws.ping('hb');
    await until(() => echoes === 5);
    ws.close(4000, 'bye');
    await new Promise((r) => ws.once('close', r));
    await inspected.closed();
    const { records } = inspected;
    const up = records.filter((r) => r.direction === 'upstream');
    const down = records.filter((r) => r.direction === 'downstream');
    const frames = (side: InspectRecord[]) => side.filter((r) => r.protocol === 'websocket');

    // The handshake: the key the server read, and the Accept the client verified, derived step by step.
    const key = upgradeRequest!.headers['sec-websocket-key'];
    expect(value(up[0], 'Sec-WebSocket-Key')).toBe(key);
    expect(fieldBytes(up[0], 'Sec-WebSocket-Key').toString()).toBe(`Sec-WebSocket-Key: ${key}\r\n`);
    expect(value(down[0], 'Sec-WebSocket-Accept')).toBe(acceptFor(key!).accept);
    expect(value(down[0], 'matches')).toBe(true);
    expect(up[0].breakdown.handshake).toBe(up[0].length);
    const headerLines = field(up[0].fields, 'request head')!.children!;
    expect(headerLines.reduce((n, l) => n + (l.at![1] - l.at![0]), 0)).toBe(up[0].length);

    // A masked client frame: its key, masked bytes = unmasked XOR key, and the payload as sent.
    const first = up[1];
    expect(first.protocol).toBe('websocket');
    expect(value(first, 'opcode')).toBe(1);
    expect(value(first, 'fin')).toBe(true);
    expect([value(first, 'rsv1'), value(first, 'rsv2'), value(first, 'rsv3')]).toEqual([false, false, false]);
    expect(value(first, 'mask')).toBe(true);
    const maskingKey = Buffer.from(value(first, 'maskingKey') as string, 'hex');
    expect(fieldBytes(first, 'maskingKey')).toEqual(maskingKey);
    expect(value(first, 'unmasked')).toBe('a');
    expect(fieldBytes(first, 'payloadData')[0]).toBe('a'.charCodeAt(0) ^ maskingKey[0]);
    expect(first.breakdown).toMatchObject({ framing: 6, payload: 1 });

    const byLength = (side: InspectRecord[], n: number) => frames(side).find((r) => value(r, 'payloadLength') === n)!;
    expect(field(byLength(up, 200).fields, 'payloadLength')!.text).toContain('16-bit');
    expect(field(byLength(up, 70_000).fields, 'payloadLength')!.text).toContain('64-bit');
    expect(byLength(up, 70_000).breakdown).toMatchObject({ framing: 14, payload: 70_000 });

    // Server frames are not masked.
    const echo = byLength(down, 200);
    expect([value(echo, 'mask'), value(echo, 'maskingKey')]).toEqual([false, null]);
    expect(value(byLength(down, 4), 'opcode')).toBe(2);

    // Fragmented: a text frame with FIN 0, then a continuation with FIN 1 carrying the message.
    const fragments = frames(up).filter((r) => value(r, 'fin') === false || value(r, 'opcode') === 0);
    expect(fragments.map((r) => [value(r, 'opcode'), value(r, 'fin')])).toEqual([
      [1, false],
      [0, true],
    ]);
    expect(field(fragments[1].fields, 'message')!.value).toBe(10);

    // Ping and the pong that answers it: control, header and payload.
    const ping = frames(up).find((r) => value(r, 'opcode') === 9)!;
    const pong = frames(down).find((r) => value(r, 'opcode') === 10)!;
    expect([ping.breakdown.control, pong.breakdown.control]).toEqual([ping.length, pong.length]);
    expect(value(pong, 'bytes')).toBe('hb');

    // The close frames, each way, with code and reason.
    const closes = records.filter((r) => r.protocol === 'websocket' && value(r, 'opcode') === 8);
    expect(closes.map((r) => [r.direction, value(r, 'statusCode'), value(r, 'reason')])).toEqual([
      ['upstream', 4000, 'bye'],
      ['downstream', 4000, 'bye'],
    ]);
    inspected.expectAgreement();
  });
});
