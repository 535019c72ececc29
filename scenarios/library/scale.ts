import { defineScenario } from '../define.js';

export default defineScenario({
  name: 'scale',
  description:
    'A ticker at 1 Hz to 10,000 clients per run: the server broadcasts a small JSON quote once a second and clients never ' +
    'talk. It measures connections, not throughput: whether every client joins (connect time p50/p99 under a connect ' +
    'storm), whether anything is lost, and what the server spends in CPU and memory at that many connections, on each of ' +
    'our transports. The runner scales its ramp, connect timeout and join window with the client count and spreads the ' +
    'clients and the proxy over processes (docs/scenarios.md, "Large runs"). Not in the default runs: use `run scale` or ' +
    '`run --suite scale`.',
  clients: { count: 10_000, rampMs: 500 },
  duration: '10s',
  payload: { bytes: 100, kind: 'json' },
  traffic: { pattern: 'broadcast', rate: 1 },
  contenders: ['websocket', 'sse', 'long-polling'],
});
