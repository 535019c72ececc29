/**
 * Echo round-trip benchmark: ours (each transport) vs raw ws (the floor) vs Socket.IO, measured in
 * one run on this machine, sequentially (one message in flight), through the same peer adapters the
 * scenario engine uses. Prints percentiles and ratios to raw ws; asserts nothing — shared machines
 * are noisy, so read ratios, not absolute figures.
 *
 *   npm run bench -- [--messages 2000] [--bytes 32]
 */
import * as hdr from 'hdr-histogram-js';
import { parseArgs } from 'node:util';
import { loadClient, loadServer } from '../scenarios/peers/index.js';
import type { Contender } from '../scenarios/results.js';
import { encode } from '../protocol/index.js';

const { values } = parseArgs({
  options: { messages: { type: 'string', default: '2000' }, bytes: { type: 'string', default: '32' } },
});
const MESSAGES = Number(values.messages);
const WARMUP = 200;
const payload = 'x'.repeat(Number(values.bytes));
const contenders: Contender[] = [
  'raw-ws',
  'websocket',
  'sse',
  'long-polling',
  'socketio-websocket',
  'socketio-polling',
];

async function measure(contender: Contender): Promise<hdr.Histogram> {
  const server = await loadServer(contender, { compression: false, maxMessageBytes: 1 << 20 });
  server.onConnection((conn) => conn.onMessage((data) => conn.send(data)));
  const port = await server.listen();
  const createClient = await loadClient(contender);
  const histogram = hdr.build({
    lowestDiscernibleValue: 1,
    highestTrackableValue: 60_000_000,
    numberOfSignificantValueDigits: 3,
  });
  let onReply: () => void = () => {};
  let cleanup = () => {};
  let send: (d: string) => void = () => {};
  const opened = new Promise<void>((resolve, reject) => {
    const client = createClient(
      `http://127.0.0.1:${port}`,
      { contender, strategy: 'fallback', compression: false },
      {
        open: () => resolve(),
        message: () => onReply(),
        down: (reason) => reject(new Error(reason)),
        up: () => {},
        event: () => {},
      },
    );
    cleanup = () => client.close();
    send = (d) => client.send(d);
  });
  await opened;
  for (let i = 0; i < WARMUP + MESSAGES; i++) {
    const started = process.hrtime.bigint();
    await new Promise<void>((resolve) => {
      onReply = resolve;
      send(payload);
    });
    if (i >= WARMUP) histogram.recordValue(Number((process.hrtime.bigint() - started) / 1000n)); // µs
  }
  cleanup();
  await server.close();
  return histogram;
}

const results = new Map<Contender, hdr.Histogram>();
for (const contender of contenders) results.set(contender, await measure(contender));
const floor = results.get('raw-ws')!.getValueAtPercentile(50);
const ms = (us: number) => (us / 1000).toFixed(3);
console.log(
  `echo round trip, ${MESSAGES} sequential ${payload.length}-byte text messages after ${WARMUP} warm-up, 127.0.0.1, no proxy`,
);
console.log('contender            p50 ms   p90 ms   p99 ms   max ms   p50 ÷ raw-ws');
for (const [contender, h] of results) {
  const p = (q: number) => ms(h.getValueAtPercentile(q)).padStart(8);
  console.log(
    `${contender.padEnd(18)} ${p(50)} ${p(90)} ${p(99)} ${ms(h.maxValue).padStart(8)}   ${(h.getValueAtPercentile(50) / floor).toFixed(2)}×`,
  );
}
// Our envelope on a small text message, straight from the codec (seq grows, so it is an average).
const sizes = Array.from(
  { length: MESSAGES },
  (_, i) => (encode({ type: 'data', seq: i + 1, kind: 't', body: payload }) as string).length - payload.length,
);
console.log(
  `our envelope per text message (seq 1..${MESSAGES}, no piggybacked ack): mean ${(sizes.reduce((a, b) => a + b, 0) / sizes.length).toFixed(2)} bytes, max ${Math.max(...sizes)}`,
);
process.exit(0);
