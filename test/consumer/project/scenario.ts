// A scenario file in TypeScript: `transport-lab run ./scenario.ts` (loads through the project's tsx).
import { defineScenario, type ScenarioInput } from 'transport-lab/scenarios';

const input: ScenarioInput = {
  name: 'user-ts',
  description: 'A user-written TypeScript scenario, run from the installed package.',
  clients: 2,
  duration: '5s',
  payload: { bytes: 120, kind: 'json' },
  traffic: { pattern: 'echo', rate: 10 },
};
export default defineScenario(input);
