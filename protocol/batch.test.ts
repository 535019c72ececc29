import { describe, expect, it } from 'vitest';
import { decodeBatch, encodeBatch } from './batch.js';
import { utf8 } from './envelope.js';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('batch codec', () => {
  it('length-prefixes each frame in bytes, mixing text and binary', () => {
    const batch = encodeBatch(['t1 hé', new Uint8Array([0x62, 0x32, 0x20, 0, 58]), 'a3']);
    expect(text(batch.subarray(0, 8))).toBe('6:t1 hé');
    expect(decodeBatch(batch, 100).map((f) => [...f])).toEqual([
      [...utf8('t1 hé')],
      [0x62, 0x32, 0x20, 0, 58],
      [...utf8('a3')],
    ]);
  });

  it('an empty body is an empty batch', () => {
    expect(encodeBatch([]).byteLength).toBe(0);
    expect(decodeBatch(new Uint8Array(0), 10)).toEqual([]);
  });

  it('refuses a declared length over the limit before reading the frame', () => {
    expect(() => decodeBatch(utf8('999999:x'), 1000)).toThrow(expect.objectContaining({ code: 'MESSAGE_TOO_BIG' }));
  });

  it.each(['5:t1', ':t1 x', 'x:t1', '12345678901:', '3'])('rejects malformed %j', (body) => {
    expect(() => decodeBatch(utf8(body), 1 << 30)).toThrow(expect.objectContaining({ code: 'BAD_ENVELOPE' }));
  });
});
