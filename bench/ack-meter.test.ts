import { describe, expect, it } from 'vitest';
import { createAckMeter } from './ack-meter.js';

const textFrame = (text: string, mask?: number[]) => {
  const payload = Buffer.from(text);
  if (!mask) return Buffer.concat([Buffer.from([0x81, payload.length]), payload]);
  const masked = payload.map((b, i) => b ^ mask[i & 3]);
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, ...mask]), masked]);
};

function connection() {
  const meter = createAckMeter();
  const tap = meter.tap(1);
  return {
    up: (s: string | Buffer) => tap.upstream(Buffer.from(s)),
    down: (s: string | Buffer) => tap.downstream(Buffer.from(s)),
    totals: meter.totals,
  };
}

describe('ack meter', () => {
  it('WebSocket: standalone acks with their frame header (masked upstream), piggybacked acks, the ack in the query', () => {
    const c = connection();
    c.up('GET /rt/websocket?ack=0 HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    c.down('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n');
    c.down(textFrame('h {"sid":"x"}'));
    c.down(textFrame('t5,3 hello')); // ",3" piggybacked: 2 bytes
    c.down(textFrame('a7')); // 2 + 2-byte header
    c.up(textFrame('a12', [1, 2, 3, 4])); // 3 + 6-byte masked header
    c.up(textFrame('t1 no ack here', [9, 9, 9, 9]));
    expect(c.totals()).toEqual({ ackMessages: 2, ackOnlyRequests: 0, piggybackedBytes: 5 + 2, bytes: 5 + 2 + 4 + 9 });
  });

  it('an ack-only POST counts whole, request and answer; a data POST only its piggybacked ack and the answer body', () => {
    const c = connection();
    const ackPost =
      'POST /rt/sse?sid=s&token=t HTTP/1.1\r\nContent-Type: application/octet-stream\r\nContent-Length: 4\r\n\r\n2:a5';
    const answer = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\na9';
    c.up(ackPost);
    c.down(answer);
    expect(c.totals()).toEqual({
      ackMessages: 0,
      ackOnlyRequests: 1,
      piggybackedBytes: 0,
      bytes: ackPost.length + answer.length,
    });

    const dataPost =
      'POST /rt/sse?sid=s&token=t HTTP/1.1\r\nContent-Type: application/octet-stream\r\nContent-Length: 15\r\n\r\n9:t2,12 abc2:o1';
    c.up(dataPost);
    c.down('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n\r\na10');
    expect(c.totals()).toEqual({
      ackMessages: 1,
      ackOnlyRequests: 1,
      piggybackedBytes: 3,
      bytes: ackPost.length + answer.length + 3 + 3,
    });
  });

  it('SSE events: a standalone ack with its data: line and blank line, piggybacked acks across chunks', () => {
    const c = connection();
    c.up('GET /rt/sse?ack=0 HTTP/1.1\r\nAccept: text/event-stream\r\n\r\n');
    c.down('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n');
    c.down('data:h {"sid":"x"}\n\ndata:a3\n\nda');
    c.down('ta:t2,14 x\n\n');
    expect(c.totals()).toEqual({ ackMessages: 1, ackOnlyRequests: 0, piggybackedBytes: 5 + 3, bytes: 5 + 9 + 3 });
  });

  it('long-poll answers: ack frames with their length prefix; the poll carries its ack in the query', () => {
    const c = connection();
    c.up('GET /rt/long-polling?sid=s&token=t&ack=12 HTTP/1.1\r\n\r\n');
    c.down('HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: 12\r\n\r\n2:a36:t3 hey');
    expect(c.totals()).toEqual({ ackMessages: 1, ackOnlyRequests: 0, piggybackedBytes: 6, bytes: 6 + 4 });
  });

  it('bytes it cannot read (a malformed batch, foreign bodies) cost nothing and do not throw', () => {
    const c = connection();
    c.up('POST /rt/sse HTTP/1.1\r\nContent-Type: application/octet-stream\r\nContent-Length: 5\r\n\r\nzz:a1');
    c.down('HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}');
    c.up('\x00\x01 not http at all');
    expect(c.totals()).toEqual({ ackMessages: 0, ackOnlyRequests: 0, piggybackedBytes: 0, bytes: 0 });
  });
});
