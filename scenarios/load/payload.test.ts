import { describe, expect, it } from 'vitest';
import { makePayload, payloadBytes, readStamp, withEchoTime, withSentTime, type PayloadKind } from './payload.js';

const stamp = { stream: 3, seq: 42, sentAt: 1_795_000_000_123.456, echoAt: 0 };

describe.each<PayloadKind>(['text', 'json', 'binary'])('%s payloads', (kind) => {
  it.each([96, 100, 4096, 65_536])('are exactly %i bytes and carry their stamp', (bytes) => {
    const data = makePayload(kind, bytes, stamp);
    expect(payloadBytes(data)).toBe(bytes);
    expect(readStamp(data)).toEqual(stamp);
  });

  it('keep their size when the server stamps the echo time', () => {
    const data = makePayload(kind, 200, stamp);
    const echoed = withEchoTime(data, stamp.sentAt + 1.5);
    expect(payloadBytes(echoed)).toBe(200);
    expect(readStamp(echoed)).toEqual({ ...stamp, echoAt: stamp.sentAt + 1.5 });
  });

  it('keep their size when a browser client re-stamps the send time', () => {
    const data = makePayload(kind, 200, stamp);
    const restamped = withSentTime(data, stamp.sentAt + 0.75);
    expect(payloadBytes(restamped)).toBe(200);
    expect(readStamp(restamped)).toEqual({ ...stamp, sentAt: stamp.sentAt + 0.75 });
    expect(readStamp(data)).toEqual(stamp); // the original is not touched
  });
});

it('reads JSON payloads that arrive as text (raw ws)', () => {
  const text = JSON.stringify(makePayload('json', 128, stamp));
  expect(readStamp(text)).toEqual(stamp);
  expect(payloadBytes(withEchoTime(text, 5))).toBe(128);
});

it('refuses sizes below the stamp and ignores control messages', () => {
  expect(() => makePayload('text', 95, stamp)).toThrow(RangeError);
  expect(readStamp('#welcome')).toBeNull();
  expect(readStamp(new Uint8Array(8))).toBeNull();
  expect(withSentTime('#join 3', 5)).toBe('#join 3');
});
