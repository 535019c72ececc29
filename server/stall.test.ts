/**
 * Parsing that cannot be weaponised (issue 11): a JSON message of allowed size nested 500,000 deep
 * used to stall the event loop for over half a second. Measured in one run, so the machine's load
 * cancels out: another client's round-trip times while one attacker sends deep-nested 1 MiB messages,
 * against the same while it sends plain 1 MiB JSON messages. The depth scan refuses the deep ones
 * (JSON_TOO_DEEP, close 1007) in one linear pass, so they may cost no more than the plain ones.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { Client } from '../client/index.js';
import { CloseCodes, DEFAULTS } from '../protocol/index.js';
import { openClient, sleep, startServer, type TestServer, waitFor } from '../test/helpers/server.js';

let server: TestServer;
let probe: Client;
beforeAll(async () => {
  server = await startServer();
  server.rt.on('connection', (conn) => conn.on('message', (m) => conn.send(m)));
  probe = await openClient(server.url, { transports: ['websocket'] });
});
afterAll(async () => {
  probe.close();
  await server.close();
});

const SIZE = DEFAULTS.maxMessageBytes - 16;
const shapes = {
  'plain JSON string': () => JSON.stringify('x'.repeat(SIZE - 2)),
  'arrays nested to the size limit': () => '['.repeat(SIZE / 2) + ']'.repeat(SIZE / 2),
  'objects nested to the size limit': () => '{"a":'.repeat(SIZE / 6) + '1' + '}'.repeat(SIZE / 6),
};

/** Sends `count` messages of one shape from an attacker socket; meanwhile the probe echoes round trips. */
async function roundTripsDuring(
  shape: keyof typeof shapes,
  count: number,
): Promise<{ worst: number; codes: number[] }> {
  const payload = shapes[shape]();
  const rtts: number[] = [];
  let attacking = true;
  const measuring = (async () => {
    for (let i = 0; attacking; i++) {
      const sentAt = performance.now();
      const echoed = waitFor((r) => probe.once('message', r), 10_000, 'echo');
      probe.send(`rtt ${i}`);
      await echoed;
      rtts.push(performance.now() - sentAt);
      await sleep(2);
    }
  })();
  const codes: number[] = [];
  for (let i = 0; i < count; i++) {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}/websocket`);
    await waitFor((r) => ws.once('message', r), 10_000, 'hello');
    const pong = waitFor((r) => ws.once('message', r), 10_000, 'pong');
    ws.send('p1'); // verified like our client: then data flows
    await pong;
    const outcome = waitFor<number | 'echoed'>((r) => {
      ws.once('close', (code) => r(code));
      ws.once('message', () => r('echoed')); // a plain message is echoed; a deep one is refused with a close
    });
    ws.send(`j1 ${payload}`);
    const result = await outcome;
    if (result !== 'echoed') codes.push(result);
    ws.terminate();
  }
  attacking = false;
  await measuring;
  rtts.sort((a, b) => a - b);
  return { worst: rtts[Math.floor(rtts.length * 0.95)], codes };
}

it('deep nesting of allowed size is refused without stalling anyone: round trips no worse than during plain JSON', async () => {
  await roundTripsDuring('plain JSON string', 2); // warm-up
  const plain = await roundTripsDuring('plain JSON string', 8);
  const arrays = await roundTripsDuring('arrays nested to the size limit', 8);
  const objects = await roundTripsDuring('objects nested to the size limit', 8);
  console.log(
    `  probe round trip p95: plain ${plain.worst.toFixed(1)} ms, deep arrays ${arrays.worst.toFixed(1)} ms, ` +
      `deep objects ${objects.worst.toFixed(1)} ms`,
  );
  expect(plain.codes).toEqual([]);
  expect(arrays.codes).toEqual(Array(8).fill(CloseCodes.BAD_DATA));
  expect(objects.codes).toEqual(Array(8).fill(CloseCodes.BAD_DATA));
  // A generous ratio: the deep inputs are cheaper than the plain ones (refused after one scan).
  expect(arrays.worst).toBeLessThan(3 * plain.worst + 5);
  expect(objects.worst).toBeLessThan(3 * plain.worst + 5);
}, 120_000);
