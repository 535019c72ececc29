import { defineScenario } from '../define.js';

export default defineScenario({
  name: 'binary',
  description:
    'Binary frames (4 KB of random bytes, 20 a second) pushed to every client. It tells you the price of a text-only channel: ' +
    'SSE carries bytes as base64 (a third more on the wire, plus encode/decode time) while WebSocket and long-polling send them ' +
    'as they are.',
  clients: 8,
  duration: '5s',
  payload: { bytes: 4096, kind: 'binary' },
  traffic: { pattern: 'push', rate: 20 },
});
