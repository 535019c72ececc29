/**
 * The dissector on its own: results do not depend on how TCP split the bytes, SSE line-end variants
 * and multi-line data, and it never throws on garbage while still counting every byte.
 */
import { describe, expect, it } from 'vitest';
import { encodeBatch } from '../../protocol/batch.js';
import type { ByteBreakdown } from '../results.js';
import { ConnectionDissector, type Dialect } from './dissector.js';

/** A client WebSocket frame (masked) or server frame, built by hand per RFC 6455. */
function wsFrame(payload: string | Buffer, opts: { opcode?: number; fin?: boolean; mask?: boolean } = {}): Buffer {
  const data = Buffer.from(payload);
  const { opcode = 1, fin = true, mask = false } = opts;
  const len = data.length;
  const head = [((fin ? 0x80 : 0) | opcode) as number];
  const maskBit = mask ? 0x80 : 0;
  if (len < 126) head.push(maskBit | len);
  else if (len < 65536) head.push(maskBit | 126, len >> 8, len & 0xff);
  else throw new Error('test frames stay small');
  if (!mask) return Buffer.concat([Buffer.from(head), data]);
  const key = Buffer.from([0x12, 0x34, 0x56, 0x78]);
  return Buffer.concat([Buffer.from(head), key, Buffer.from(data.map((b, i) => b ^ key[i & 3]))]);
}

const UPGRADE_REQUEST = 'GET /rt/websocket HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';
const UPGRADE_RESPONSE = 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n';

/** A conversation: [direction, bytes] in the order they crossed the proxy. */
type Script = Array<['up' | 'down', Buffer]>;

const websocketScript: Script = [
  ['up', Buffer.from(UPGRADE_REQUEST)],
  ['down', Buffer.from(UPGRADE_RESPONSE)],
  ['down', wsFrame('h {"sid":"s"}')],
  [
    'down',
    Buffer.concat([wsFrame('t1 hel', { fin: false }), wsFrame('p7', { opcode: 9 }), wsFrame('lo', { opcode: 0 })]),
  ],
  ['up', wsFrame('t1,1 ' + 'y'.repeat(300), { mask: true })],
  ['up', wsFrame(Buffer.concat([Buffer.from('b2 '), Buffer.alloc(20, 0xff)]), { opcode: 2, mask: true })],
  ['up', wsFrame('a1', { mask: true })],
];

const sseAndPollScript: Script = [
  ['up', Buffer.from('GET /rt/sse HTTP/1.1\r\nAccept: text/event-stream\r\n\r\n')],
  ['down', Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n')],
  ['down', Buffer.from('1b\r\ndata: t1 a\r\ndata: b\r\n\r\n: x\n\r\n0\r\n\r\n')], // the stream ends (last chunk)
  ['up', Buffer.from('POST /rt/send HTTP/1.1\r\nContent-Type: application/octet-stream\r\nContent-Length: 14\r\n\r\n')],
  ['up', Buffer.from(encodeBatch(['t2 xy', 'a9']))],
  ['down', Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\na2')],
];

function run(
  script: Script,
  dialect: Dialect,
  split: (b: Buffer) => Buffer[],
): { up: ByteBreakdown; down: ByteBreakdown } {
  const d = new ConnectionDissector(dialect);
  for (const [dir, bytes] of script)
    for (const piece of split(bytes)) {
      if (dir === 'up') d.upstream(piece);
      else d.downstream(piece);
    }
  d.finish();
  return { up: d.breakdown('upstream'), down: d.breakdown('downstream') };
}

const whole = (b: Buffer) => [b];
const byteByByte = (b: Buffer) => [...b].map((x) => Buffer.from([x]));

function seeded(seed: number) {
  return () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

const sum = (b: ByteBreakdown) => b.handshake + b.httpHeaders + b.framing + b.envelope + b.control + b.payload;
const bytesOf = (script: Script, dir: 'up' | 'down') =>
  script.filter(([d]) => d === dir).reduce((n, [, b]) => n + b.length, 0);

describe('ConnectionDissector', () => {
  it('classifies a WebSocket conversation: fragments reassembled, ping frame and hello/ack envelopes are control', () => {
    const { up, down } = run(websocketScript, 'envelope', whole);
    expect(down).toEqual({
      total: bytesOf(websocketScript, 'down'),
      tls: 0,
      handshake: UPGRADE_RESPONSE.length,
      httpHeaders: 0,
      framing: 2 + 2 + 2,
      envelope: 3,
      control: 13 + 4,
      payload: 5,
    });
    expect(up).toEqual({
      total: bytesOf(websocketScript, 'up'),
      tls: 0,
      handshake: UPGRADE_REQUEST.length,
      httpHeaders: 0,
      framing: 8 + 6 + 6,
      envelope: 5 + 3,
      control: 2,
      payload: 320,
    });
  });

  it('classifies SSE with CRLF, multi-line data and a comment, a POSTed batch and its text/plain ack', () => {
    const { up, down } = run(sseAndPollScript, 'envelope', whole);
    // chunk line + CRLF (4 + 2) + last chunk (5); "data: t1 a\r\ndata: b\r\n\r\n": the value "t1 a\nb" takes one byte of the first CRLF.
    expect(down).toMatchObject({ framing: 4 + 2 + 6 + 1 + 6 + 2 + 2 + 5, envelope: 3, control: 4 + 2, payload: 3 }); // + the POST's "a2" answer
    expect(down.httpHeaders).toBe(sseAndPollScript[5][1].length - 2);
    expect(up).toMatchObject({
      handshake: sseAndPollScript[0][1].length,
      framing: 2 + 2,
      envelope: 3,
      control: 2,
      payload: 2,
    });
    expect(sum(down)).toBe(bytesOf(sseAndPollScript, 'down'));
  });

  it('gives the same breakdown however TCP splits the bytes', () => {
    for (const [script, dialect] of [
      [websocketScript, 'envelope'],
      [sseAndPollScript, 'envelope'],
      [websocketScript, 'socketio'],
    ] as const) {
      const expected = run(script, dialect, whole);
      expect(run(script, dialect, byteByByte)).toEqual(expected);
      const random = seeded(7);
      const randomSplit = (b: Buffer) => {
        const pieces: Buffer[] = [];
        for (let at = 0; at < b.length;) {
          const n = 1 + Math.floor(random() * 17);
          pieces.push(b.subarray(at, at + n));
          at += n;
        }
        return pieces;
      };
      expect(run(script, dialect, randomSplit)).toEqual(expected);
    }
  });

  it('never throws on garbage and still counts every byte', () => {
    const random = seeded(42);
    const all = [...websocketScript, ...sseAndPollScript];
    for (let round = 0; round < 300; round++) {
      const script: Script = all.map(([dir, bytes]) => {
        const mutated = Buffer.from(bytes);
        for (let k = 0; k < 3; k++)
          if (random() < 0.5) mutated[Math.floor(random() * mutated.length)] = Math.floor(random() * 256);
        return [dir, random() < 0.1 ? mutated.subarray(0, Math.floor(random() * mutated.length)) : mutated];
      });
      for (const dialect of ['envelope', 'socketio', 'raw'] as const) {
        const { up, down } = run(script, dialect, whole);
        expect(up.total).toBe(bytesOf(script, 'up'));
        expect(down.total).toBe(bytesOf(script, 'down'));
        expect(sum(up)).toBe(up.total);
        expect(sum(down)).toBe(down.total);
      }
    }
  });

  it('counts non-HTTP bytes as framing', () => {
    const d = new ConnectionDissector('envelope');
    const bytes = Buffer.from('\x16\x03\x01 TLS hello, not HTTP\r\n\r\n');
    d.upstream(bytes);
    d.finish();
    expect(d.breakdown('upstream')).toMatchObject({ total: bytes.length, framing: bytes.length });
  });
});
