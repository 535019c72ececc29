/**
 * Long-polling on real bytes: our client and server — each poll and POST head with its header
 * lines' byte counts, the batch framing `<length>:<frame>` of answers and POSTs, each frame's
 * envelope — and a chunked batch answer whose frames straddle chunk boundaries.
 */
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { connect } from '../../client/index.js';
import { encodeBatch } from '../../protocol/batch.js';
import { startServer as startOurServer } from '../../test/helpers/server.js';
import { closeAll, onClose, startServer, until } from '../meter/testkit.js';
import { field, fieldBytes, inspectedProxy, value } from './testkit.js';

afterEach(closeAll);

describe('long-polling', () => {
  it('polls, answers and POSTs: heads with byte counts, batch frames with their envelopes', async () => {
    const server = await startOurServer();
    onClose(() => server.close());
    server.rt.on('connection', (conn) => conn.on('message', (m: unknown) => conn.send(m)));
    const inspected = await inspectedProxy(server.port, 'envelope');
    const client = connect(`http://127.0.0.1:${inspected.proxy.port}/rt`, { transports: ['long-polling'] });
    let echoes = 0;
    client.on('message', () => echoes++);
    await new Promise((r) => client.once('open', r));
    client.send('one');
    client.send({ two: 2 });
    await until(() => echoes === 2);
    client.close();
    await until(() => server.rt.sessions.size === 0);
    await inspected.proxy.close();
    await inspected.closed();
    const http1 = inspected.records.filter((r) => r.protocol === 'http');

    // Every head: its lines' byte counts add up to the head, and it is all httpHeaders.
    for (const r of http1) {
      const head = field(r.fields, r.direction === 'upstream' ? 'request head' : 'response head')!;
      expect(head.children!.reduce((n, l) => n + (l.at![1] - l.at![0]), 0)).toBe(head.value);
      expect(r.breakdown.httpHeaders).toBe(head.value);
    }
    const polls = http1.filter((r) => /^GET \/rt\/long-polling/.test(r.summary));
    expect(polls.length).toBeGreaterThanOrEqual(2);
    // The first answer carries the hello in a batch: "<length>:" then `h {…}`.
    const hello = http1.find((r) => r.direction === 'downstream' && /hello/.test(r.summary))!;
    const frame = field(hello.fields, 'frame 1')!;
    expect(fieldBytes(hello, 'length').toString()).toBe(`${frame.value}:`);
    expect(value(hello, 'kind')).toBe('h');
    expect(value(hello, 'transport')).toBe('long-polling');

    // A POST carrying data: batch framing, envelope header, payload.
    const post = http1.find((r) => r.direction === 'upstream' && /^POST/.test(r.summary) && /t1 one/.test(r.summary))!;
    expect(fieldBytes(post, 'payload').toString()).toBe('one');
    expect(post.breakdown).toMatchObject({ framing: 2, envelope: 3, payload: 3 });
    // The echo comes back in a poll answer, with the server's seq.
    const answer = http1.find((r) => r.direction === 'downstream' && /one/.test(r.summary))!;
    expect(answer.summary).toMatch(/^HTTP\/1\.1 200 OK — \d frames?: t1(,\d+)? one/);
    inspected.expectAgreement();
  });

  it('a chunked batch answer: frames across chunk boundaries, chunk lines as framing', async () => {
    const batch = Buffer.from(encodeBatch(['t1 first', 'a1', `t2 ${'p'.repeat(50)}`]));
    const server = await startServer((_req, res) => {
      res.setHeader('content-type', 'application/octet-stream'); // no length: chunked
      res.write(batch.subarray(0, 5));
      setTimeout(() => res.end(batch.subarray(5)), 5);
    });
    const inspected = await inspectedProxy(server.port, 'envelope');
    await new Promise<void>((resolve) =>
      http.get({ host: '127.0.0.1', port: inspected.proxy.port, path: '/', agent: false }, (res) =>
        res.resume().on('end', resolve),
      ),
    );
    await inspected.closed();
    const answer = inspected.records.find((r) => r.direction === 'downstream')!;
    expect(answer.summary).toMatch(/^HTTP\/1\.1 200 OK — 3 frames: t1 first, ack 1, t2 p+…$/);
    expect(value(answer, 'batch')).toBe(3);
    expect(answer.spans.some((s) => s.label === 'chunked encoding')).toBe(true);
    expect(answer.breakdown.payload).toBe('first'.length + 50);
    inspected.expectAgreement();
  });
});
