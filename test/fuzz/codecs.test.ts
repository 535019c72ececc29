/**
 * Property-based tests of the codecs both sides share (fast-check, fixed seed; FUZZ_RUNS=n runs
 * longer): anything decodes to an envelope or fails with a documented code, never another exception;
 * what is encoded decodes back to itself; the JSON depth scan agrees with the real nesting.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  assertJsonDepth,
  decode,
  decodeBatch,
  encode,
  encodeBatch,
  type Envelope,
  fromPayload,
  TransportLabError,
} from '../../protocol/index.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 2000);
const options = { seed: 20261130, numRuns: RUNS };

/** Calls fn; returns 'ok', or the code of the TransportLabError it threw (anything else is rethrown). */
function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (error) {
    if (error instanceof TransportLabError) return error.code;
    throw error;
  }
}

/** Numbers on the wire have at most 15 digits (docs/protocol.md). */
const seq = fc.integer({ min: 0, max: 999_999_999_999_999 });
const text = fc.string({ unit: 'grapheme', maxLength: 200 });
const envelope: fc.Arbitrary<Envelope> = fc.oneof(
  fc.record({
    type: fc.constant('data' as const),
    seq,
    ack: fc.option(seq, { nil: undefined }),
    kind: fc.constantFrom('t' as const, 'j' as const),
    body: text,
  }),
  fc.record({
    type: fc.constant('data' as const),
    seq,
    ack: fc.option(seq, { nil: undefined }),
    kind: fc.constant('b' as const),
    body: fc.uint8Array({ maxLength: 200 }),
  }),
  fc.record({ type: fc.constant('ack' as const), ack: seq }),
  fc.record({ type: fc.constant('ping' as const), id: fc.option(seq, { nil: undefined }) }),
  fc.record({ type: fc.constant('pong' as const), id: fc.option(seq, { nil: undefined }) }),
  fc.record({ type: fc.constant('close' as const), code: fc.integer({ min: 1000, max: 4999 }), reason: text }),
  fc.constant({ type: 'upgrade' as const }),
);

describe('codecs under arbitrary input', () => {
  it('decode: any text or bytes is an envelope or BAD_ENVELOPE', () => {
    const input = fc.oneof(
      fc.string({ maxLength: 80 }),
      fc.uint8Array({ maxLength: 80 }),
      envelope.map((e) => encode(e)),
    );
    fc.assert(
      fc.property(input, (frame) => {
        expect(['ok', 'BAD_ENVELOPE']).toContain(outcome(() => decode(frame)));
      }),
      options,
    );
  });

  it('decodeBatch: any body is frames or BAD_ENVELOPE / MESSAGE_TOO_BIG', () => {
    const body = fc.oneof(
      fc.uint8Array({ maxLength: 120 }),
      fc.array(fc.oneof(fc.string(), fc.uint8Array()), { maxLength: 5 }).map((frames) => encodeBatch(frames)),
    );
    fc.assert(
      fc.property(body, fc.integer({ min: 0, max: 64 }), (bytes, limit) => {
        expect(['ok', 'BAD_ENVELOPE', 'MESSAGE_TOO_BIG']).toContain(outcome(() => decodeBatch(bytes, limit)));
      }),
      options,
    );
  });

  it('encode → decode gives back every envelope, on binary and text-only channels', () => {
    fc.assert(
      fc.property(envelope, fc.boolean(), (env, binary) => {
        const back = decode(encode(env, binary));
        if (env.type === 'data' && env.kind === 'b') {
          expect(back).toMatchObject({ type: 'data', kind: 'b', seq: env.seq, ack: env.ack });
          expect([...(back as { body: Uint8Array }).body]).toEqual([...env.body]);
        } else expect(back).toEqual(env.type === 'data' ? { ack: undefined, ...env } : env);
      }),
      options,
    );
  });

  it('a batch of encoded envelopes decodes to the same envelopes', () => {
    fc.assert(
      fc.property(fc.array(envelope, { maxLength: 8 }), (envelopes) => {
        const frames = decodeBatch(encodeBatch(envelopes.map((e) => encode(e))), Number.MAX_SAFE_INTEGER);
        expect(frames.map((f) => decode(f).type)).toEqual(envelopes.map((e) => e.type));
      }),
      options,
    );
  });

  it('fromPayload(j): any text is a value, BAD_JSON or JSON_TOO_DEEP; the depth scan matches real nesting', () => {
    const depthOf = (value: unknown): number =>
      value !== null && typeof value === 'object'
        ? 1 + Math.max(0, ...Object.values(value as Record<string, unknown>).map(depthOf))
        : 0;
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.json({ depthSize: 'large' })),
        fc.integer({ min: 0, max: 12 }),
        (json, max) => {
          const result = outcome(() => fromPayload('j', json, max));
          expect(['ok', 'BAD_JSON', 'JSON_TOO_DEEP']).toContain(result);
          let parsed: unknown;
          try {
            parsed = JSON.parse(json);
          } catch {
            return;
          }
          expect(result).toBe(depthOf(parsed) > max ? 'JSON_TOO_DEEP' : 'ok');
          expect(outcome(() => assertJsonDepth(json, depthOf(parsed)))).toBe('ok');
        },
      ),
      options,
    );
  });
});
