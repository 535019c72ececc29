// A scenario file in JavaScript: `transport-lab run ./scenario.js`.
import { defineScenario } from 'transport-lab/scenarios';

export default defineScenario({
  name: 'user-js',
  description: 'A user-written JavaScript scenario, run from the installed package.',
  clients: 2,
  duration: '5s',
  payload: { bytes: 120, kind: 'json' },
  traffic: { pattern: 'echo', rate: 10 },
});
