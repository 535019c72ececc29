/** Small plans for the engine tests: a few clients, a second or two, on real sockets. */
import { defineScenario, type ScenarioInput } from '../define.js';
import { expandScenario, type RunPlan } from '../plan.js';
import { OUR_CONTENDERS, PEER_CONTENDERS, type Contender } from '../contenders.js';
import type { RunResult } from '../results.js';

export function testPlan(
  contender: Contender,
  input: Partial<ScenarioInput> = {},
  extra: Partial<RunPlan> = {},
): RunPlan {
  const scenario = defineScenario({
    name: 'engine-test',
    description: 'A tiny workload for the engine tests: a few clients for a second or two.',
    clients: 2,
    duration: '1500ms',
    payload: { bytes: 100, kind: 'text' },
    traffic: { pattern: 'echo', rate: 20 },
    ...input,
    contenders: [contender],
  });
  const [plan] = expandScenario(scenario);
  return { ...plan, ...extra };
}

export const OUR_TRANSPORTS: Contender[] = [...OUR_CONTENDERS];
export const PEERS: Contender[] = [...PEER_CONTENDERS];

/** For failure messages: the run's status, error and first events. */
export function describeRun(r: RunResult): string {
  return JSON.stringify({
    status: r.status,
    error: r.error,
    transports: r.finalTransports,
    events: r.events.slice(0, 8),
  });
}
