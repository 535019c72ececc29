import { describe, expect, it } from 'vitest';
import { CloseCodes, ErrorCodes, TERMINAL_CLOSE_CODES, TransportLabError } from './codes.js';

describe('codes', () => {
  it('close codes are the numbers docs/protocol.md documents (code everywhere else uses the names)', () => {
    expect(CloseCodes).toEqual({
      NORMAL: 1000,
      GOING_AWAY: 1001,
      PROTOCOL_ERROR: 1002,
      BAD_DATA: 1007,
      POLICY: 1008,
      TOO_BIG: 1009,
      INTERNAL_ERROR: 1011,
      TRY_LATER: 1013,
      REPLACED: 4000,
      HEARTBEAT_TIMEOUT: 4001,
    });
    expect([...TERMINAL_CLOSE_CODES]).toEqual([1000, 1008, 1009]);
  });

  it('every error code pairs an HTTP status with a close code; only INTERNAL_ERROR is a 5xx of ours', () => {
    for (const [code, { status, close }] of Object.entries(ErrorCodes)) {
      expect(Object.values(CloseCodes), code).toContain(close);
      expect(status >= 400 && status < 600, code).toBe(true);
    }
    expect(ErrorCodes.INTERNAL_ERROR).toMatchObject({ status: 500, close: 1011 });
  });

  it('from(): our errors pass through; anything else is INTERNAL_ERROR with the original as cause', () => {
    const ours = new TransportLabError('BAD_JSON');
    expect(TransportLabError.from(ours)).toBe(ours);
    const bug = new TypeError('undefined is not a function');
    const wrapped = TransportLabError.from(bug);
    expect(wrapped).toMatchObject({ code: 'INTERNAL_ERROR', status: 500, closeCode: 1011, cause: bug });
    expect(TransportLabError.from('a string').cause).toBe('a string');
  });
});
