/**
 * The SSE decoder on real bytes: our server's event stream to our client (envelopes, bytes as
 * base64), and an event stream with everything SSE allows — chunked encoding, CRLF line ends, a
 * comment, id/retry/event lines, an event's data over two lines, an event split across chunks.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../client/index.js';
import { startServer as startOurServer } from '../../test/helpers/server.js';
import { closeAll, onClose, startServer, until } from '../meter/testkit.js';
import { field, fieldBytes, inspectedProxy, value } from './testkit.js';

afterEach(closeAll);

describe('SSE events', () => {
  it('our stream: the hello, a text and a binary message (base64), each event annotated', async () => {
    const server = await startOurServer();
    onClose(() => server.close());
    server.rt.on('connection', (conn) => {
      conn.send('hi there');
      conn.send(new Uint8Array([1, 2, 3, 4]));
    });
    const inspected = await inspectedProxy(server.port, 'envelope');
    const client = connect(`http://127.0.0.1:${inspected.proxy.port}/rt`, { transports: ['sse'] });
    let got = 0;
    client.on('message', () => got++);
    await until(() => got === 2);
    client.close();
    await until(() => server.rt.sessions.size === 0);
    await inspected.proxy.close();
    await inspected.closed();

    const events = inspected.records.filter((r) => r.protocol === 'sse');
    expect(events.map((e) => e.summary)).toEqual(['event 1: hello', 'event 2: t1 hi there', 'event 3: B2 AQIDBA==']);
    const text = events[1];
    expect(Buffer.from(text.bytes, 'base64').toString()).toBe('data:t1 hi there\n\n');
    expect([value(text, 'kind'), value(text, 'seq')]).toEqual(['t', 1]);
    expect(fieldBytes(text, 'payload').toString()).toBe('hi there');
    expect(text.breakdown).toMatchObject({ framing: 7, envelope: 3, payload: 8 });
    expect(field(text.fields, 'lines')!.children!.map((l) => l.name)).toEqual(['data', 'end of event']);
    // Four bytes as eight base64 characters: 4 payload, 4 framing (the base64 cost).
    const binary = events[2];
    expect(value(binary, 'kind')).toBe('B');
    expect(field(binary.fields, 'payload')!.text).toMatch(/^4 B as 8 base64 characters/);
    expect(binary.breakdown).toMatchObject({ envelope: 3, payload: 4, framing: 7 + 4 });
    const head = inspected.records.find((r) => r.direction === 'downstream' && r.protocol === 'http')!;
    expect(head.summary).toBe('HTTP/1.1 200 OK — event stream');
    expect(head.breakdown.handshake).toBe(head.length);
    inspected.expectAgreement();
  });

  it('chunked, CRLF, comment, id/retry/event lines, two data lines, an event across chunks', async () => {
    const pieces = [
      ': keep-alive\r\n\r\n',
      'id: 7\r\nretry: 3000\r\nevent: tick\r\ndata: t1 line one\r\ndata: line two\r\n\r\n',
      'data:j2 {"a":',
      '1}\n\n',
    ];
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' }); // chunked: no length, keep-alive
      let i = 0;
      const next = () => (i < pieces.length ? res.write(pieces[i++], () => setTimeout(next, 5)) : res.end());
      next();
    });
    const inspected = await inspectedProxy(server.port, 'envelope');
    const body = await new Promise<string>((resolve, reject) => {
      http
        .get(
          { port: inspected.proxy.port, host: '127.0.0.1', headers: { accept: 'text/event-stream' }, agent: false },
          (res) => {
            let text = '';
            res.setEncoding('utf8').on('data', (d: string) => (text += d));
            res.on('end', () => resolve(text));
          },
        )
        .on('error', reject);
    });
    expect(body).toBe(pieces.join(''));
    await inspected.closed();
    const events = inspected.records.filter((r) => r.protocol === 'sse');
    const lines = (i: number) => field(events[i].fields, 'lines')!.children!.map((l) => l.name);

    expect(lines(0)).toEqual(['comment', 'end of event']);
    expect(events[0].breakdown.control).toBe(': keep-alive\r\n'.length);
    expect(lines(1)).toEqual(['id', 'retry', 'event', 'data', 'data', 'end of event']);
    expect(field(events[1].fields, 'id')!.value).toBe(' 7');
    // The data value is the two lines joined by "\n": the first byte of the CRLF between them.
    expect(field(events[1].fields, 'data')!.value).toBe('t1 line one\nline two'.length);
    expect(value(events[1], 'payload')).toBe('line one\nline two');
    expect(events[1].breakdown.payload).toBe('line one\nline two'.length);
    // The event written in two chunks is one record; the chunk-size lines are framing inside it.
    expect(events[2].summary).toBe('event 3: j2 {"a":1}');
    expect(Buffer.from(events[2].bytes, 'base64').toString()).toMatch(
      /^(\r\n)?[0-9a-f]+\r\ndata:j2 \{"a":\r\n[0-9a-f]+\r\n1\}\n\n$/,
    );
    inspected.expectAgreement();
  });
});
