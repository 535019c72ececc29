/** The compare workload's contract: what the hub accepts, and the messages it and the page exchange. */
import { describe, expect, it } from 'vitest';
import { parseWorkload, readWorkloadMessage, workloadBytes, workloadMessage } from './workload.js';

describe('parseWorkload', () => {
  it('accepts integers within the limits and says which field is wrong otherwise', () => {
    expect(parseWorkload({ tickHz: 10, chatHz: 2, size: 64, binary: true })).toEqual({
      tickHz: 10,
      chatHz: 2,
      size: 64,
      binary: true,
    });
    expect(parseWorkload({ tickHz: 51, chatHz: 2, size: 64 })).toBe('tickHz must be an integer from 0 to 50 (got 51)');
    expect(parseWorkload({ tickHz: 1, chatHz: 2.5, size: 64 })).toBe(
      'chatHz must be an integer from 0 to 20 (got 2.5)',
    );
    expect(parseWorkload({ tickHz: 1, chatHz: 1, size: '64' })).toBe(
      'size must be an integer from 16 to 65536 (got "64")',
    );
  });
});

describe('workload messages', () => {
  it('JSON ticks are padded to the payload size, and read back', () => {
    const tick = workloadMessage({ kind: 'tick', n: 7, t: 1_796_000_000_000 }, 256, false);
    expect(workloadBytes(tick)).toBe(256);
    expect(readWorkloadMessage(JSON.parse(JSON.stringify(tick)))).toEqual({ kind: 'tick', n: 7, t: 1_796_000_000_000 });
  });

  it('binary echoes carry kind, n and t in their first 13 bytes, as Uint8Array or ArrayBuffer', () => {
    const echo = workloadMessage({ kind: 'echo', n: 3, t: 1234.5 }, 64, true) as Uint8Array;
    expect(echo.byteLength).toBe(64);
    expect(readWorkloadMessage(echo)).toEqual({ kind: 'echo', n: 3, t: 1234.5 });
    expect(readWorkloadMessage(echo.slice().buffer)).toEqual({ kind: 'echo', n: 3, t: 1234.5 });
    expect(readWorkloadMessage(new Uint8Array(5))).toBeNull();
    expect(readWorkloadMessage({ type: 'tick', n: 1, at: 5 })).toBeNull(); // the demo's 10 Hz ticker, not a workload tick
  });
});
