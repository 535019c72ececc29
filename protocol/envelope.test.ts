import { describe, expect, it } from 'vitest';
import { decode, encode, type Envelope, utf8 } from './envelope.js';

const roundTrip = (env: Envelope, binary = true) => decode(encode(env, binary));

describe('envelope codec', () => {
  it('encodes data with the exact bytes docs/protocol.md shows', () => {
    expect(encode({ type: 'data', seq: 12, kind: 't', body: 'hi' })).toBe('t12 hi');
    expect(encode({ type: 'data', seq: 12, ack: 5, kind: 'j', body: '{"a":1}' })).toBe('j12,5 {"a":1}');
    expect(encode({ type: 'data', seq: 3, kind: 'b', body: new Uint8Array([1, 2]) })).toEqual(
      new Uint8Array([0x62, 0x33, 0x20, 1, 2]),
    );
    expect(encode({ type: 'data', seq: 3, kind: 'b', body: new Uint8Array([1, 2]) }, false)).toBe('B3 AQI=');
    expect(encode({ type: 'ack', ack: 7 })).toBe('a7');
    expect(encode({ type: 'ping', id: 1 })).toBe('p1');
    expect(encode({ type: 'pong' })).toBe('o');
    expect(encode({ type: 'close', code: 1000, reason: 'bye' })).toBe('c1000 bye');
    expect(encode({ type: 'upgrade' })).toBe('u');
  });

  it('round-trips every kind, on binary and text-only channels', () => {
    const samples: Envelope[] = [
      { type: 'data', seq: 1, kind: 't', body: 'multi\nline with spaces ' },
      { type: 'data', seq: 2, ack: 9, kind: 'j', body: '[1,2]' },
      { type: 'data', seq: 3, kind: 't', body: '' },
      { type: 'ack', ack: 0 },
      { type: 'ping' },
      { type: 'close', code: 4000, reason: '' },
    ];
    for (const env of samples) expect(roundTrip(env)).toEqual({ ack: undefined, ...env });
    const bytes = new Uint8Array([0, 32, 255, 98]);
    for (const binary of [true, false]) {
      const got = roundTrip({ type: 'data', seq: 4, ack: 2, kind: 'b', body: bytes }, binary);
      expect(got).toMatchObject({ type: 'data', seq: 4, ack: 2, kind: 'b' });
      expect([...(got as { body: Uint8Array }).body]).toEqual([...bytes]);
    }
  });

  it('decodes a text envelope sent in a binary frame', () => {
    expect(decode(utf8('t5 héllo'))).toEqual({ type: 'data', seq: 5, ack: undefined, kind: 't', body: 'héllo' });
  });

  it.each([
    ['', 'empty'],
    ['x1 hi', 'unknown kind'],
    ['t hi', 'missing seq'],
    ['t1', 'no body separator'],
    ['t-1 hi', 'negative seq'],
    ['t1,x hi', 'bad ack'],
    ['t1234567890123456 hi', 'seq over 15 digits'],
    ['a', 'ack without number'],
    ['p1 body', 'ping with body'],
    ['h {nope', 'hello not JSON'],
    ['u!', 'upgrade with junk'],
    ['B1 not*base64', 'bad base64'],
  ])('rejects %j (%s) with BAD_ENVELOPE', (frame) => {
    expect(() => decode(frame)).toThrow(expect.objectContaining({ code: 'BAD_ENVELOPE' }));
  });

  it('rejects a binary frame without a header end, and invalid UTF-8 text', () => {
    expect(() => decode(new Uint8Array([0x62, 0x31, 0x31]))).toThrow(expect.objectContaining({ code: 'BAD_ENVELOPE' }));
    expect(() => decode(new Uint8Array([0x74, 0x31, 0x20, 0xff]))).toThrow(
      expect.objectContaining({ code: 'BAD_ENVELOPE' }),
    );
  });
});
