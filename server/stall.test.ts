/**
 * Parsing that cannot be weaponised (issue 11): a JSON message of allowed size nested 500,000 deep
 * used to stall the event loop for over half a second (JSON.parse, then the echo's JSON.stringify
 * overflowing the stack). The server handles one input synchronously, so the time from sending an
 * input to its answer bounds the stall it causes. Measured in one run, interleaved so the machine's
 * load falls on both alike: deep-nested 1 MiB inputs (refused JSON_TOO_DEEP after one linear scan)
 * against plain 1 MiB JSON (parsed, and echoed back whole) — the deep ones may cost no more.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CloseCodes, DEFAULTS } from '../protocol/index.js';
import { startServer, type TestServer, waitFor } from '../test/helpers/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
  server.rt.on('connection', (conn) => conn.on('message', (m) => conn.send(m)));
});
afterAll(() => server.close());

const SIZE = DEFAULTS.maxMessageBytes - 16;
const shapes = {
  plain: JSON.stringify('x'.repeat(SIZE - 2)),
  'deep arrays': '['.repeat(SIZE / 2) + ']'.repeat(SIZE / 2),
  'deep objects': '{"a":'.repeat(SIZE / 6) + '1' + '}'.repeat(SIZE / 6),
};
type Shape = keyof typeof shapes;

/** Sends one input on a fresh, verified WebSocket; resolves with the time to its answer and what it was. */
async function answerTime(shape: Shape): Promise<{ ms: number; answer: number | 'echo' }> {
  const ws = new WebSocket(`${server.url.replace('http', 'ws')}/websocket`);
  await waitFor((r) => ws.once('message', r), 10_000, 'hello');
  const pong = waitFor((r) => ws.once('message', r), 10_000, 'pong');
  ws.send('p1'); // verified like our client: then data flows
  await pong;
  const answer = waitFor<number | 'echo'>((r) => {
    ws.once('close', (code) => r(code));
    ws.once('message', () => r('echo'));
  });
  const sentAt = performance.now();
  ws.send(`j1 ${shapes[shape]}`);
  const result = { answer: await answer, ms: performance.now() - sentAt };
  ws.terminate();
  return result;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

it('deep nesting of allowed size is refused in one scan: answered no slower than plain JSON', async () => {
  const times: Record<Shape, number[]> = { plain: [], 'deep arrays': [], 'deep objects': [] };
  await answerTime('plain'); // warm-up
  for (let round = 0; round < 9; round++) {
    for (const shape of Object.keys(shapes) as Shape[]) {
      const { ms, answer } = await answerTime(shape);
      expect(answer).toBe(shape === 'plain' ? 'echo' : CloseCodes.BAD_DATA);
      times[shape].push(ms);
    }
  }
  const [plain, arrays, objects] = [median(times.plain), median(times['deep arrays']), median(times['deep objects'])];
  console.log(
    `  median time to answer: plain ${plain.toFixed(1)} ms, deep arrays ${arrays.toFixed(1)} ms, deep objects ${objects.toFixed(1)} ms`,
  );
  expect(arrays).toBeLessThan(2 * plain);
  expect(objects).toBeLessThan(2 * plain);
}, 120_000);
