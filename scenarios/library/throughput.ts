import { defineScenario } from '../define.js';

export default defineScenario({
  name: 'throughput',
  description:
    'Raises the echo rate step by step (×2 every 2 s) until the round-trip p99 passes 50 ms or messages stop arriving in time. ' +
    'It tells you the highest sustainable message rate of each transport and peer on this machine (params.throughput), with the ' +
    "load generator's own CPU alongside so a saturated generator is visible.",
  clients: 4,
  payload: { bytes: 100, kind: 'text' },
  traffic: { pattern: 'echo', rate: 25 },
  throughput: { startRate: 25, factor: 2, maxSteps: 13, stepMs: '2s', p99BoundMs: 50 },
});
