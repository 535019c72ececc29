import { defineScenario } from '../define.js';

export default defineScenario({
  name: 'ticker',
  description:
    'A market ticker: the server broadcasts a small JSON quote 20 times a second to every client, and clients never talk. ' +
    'It tells you the server→client latency and the wire bytes per update of each transport for pure push, where SSE and ' +
    'WebSocket should be close and long-polling pays a request per batch.',
  clients: { count: 20, rampMs: 500 },
  duration: '6s',
  payload: { bytes: 150, kind: 'json' },
  traffic: { pattern: 'broadcast', rate: 20 },
});
