import { defineScenario } from '../define.js';

export default defineScenario({
  name: 'telemetry',
  description:
    'Clients report often (20 small JSON readings a second each) and the server only listens. It tells you the client→server ' +
    'latency and what upstream costs on each transport: WebSocket frames versus an HTTP POST (headers and all) per batch on SSE ' +
    'and long-polling.',
  clients: { count: 10, rampMs: 500 },
  duration: '6s',
  payload: { bytes: 120, kind: 'json' },
  traffic: { pattern: 'upstream', rate: 20 },
});
