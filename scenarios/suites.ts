/**
 * Named suites: which scenarios `run --suite NAME` runs, with what trimmed. `default` is what
 * `npm run compare` runs: sized to finish in about two minutes on a 2-core machine.
 */
import { TRANSPORTS } from '../protocol/index.js';
import type { Scenario } from './define.js';
import { claimsSuite } from './claims.js';
import { getScenario, LIBRARY } from './library/index.js';
import type { Overrides } from './plan.js';

export interface SuiteEntry {
  scenario: Scenario;
  overrides?: Overrides;
  /**
   * At most this many runs of each of its plans, whatever `--repeat` asks (e.g. 1 where the finding
   * is whether something comes through at all, and one run says it).
   */
  maxRepeat?: number;
}

/** Each of our transports, pinned. */
const ours = TRANSPORTS;

export const SUITES: Record<string, () => SuiteEntry[]> = {
  default: () => [
    { scenario: getScenario('ticker'), overrides: { durationMs: 3000 } },
    {
      scenario: getScenario('telemetry'),
      overrides: { durationMs: 3000, contenders: [...ours, 'socketio-polling', 'raw-ws'] },
    },
    { scenario: getScenario('behind-proxy'), overrides: { middleboxes: ['block-websocket'], durationMs: 2000 } },
    {
      scenario: getScenario('flaky-link'),
      overrides: { durationMs: 5000, contenders: [...ours, 'socketio-websocket', 'raw-ws'] },
    },
  ],
  /** Every built-in scenario as defined. Long: tens of minutes. */
  full: () => [...LIBRARY.values()].map((scenario) => ({ scenario })),
  /** The runs behind the classic claims (scenarios/claims.ts; `transport-lab claims`). */
  claims: claimsSuite,
};

export function getSuite(name: string): SuiteEntry[] {
  const suite = SUITES[name];
  if (!suite) throw new Error(`Unknown suite ${JSON.stringify(name)}; suites: ${Object.keys(SUITES).join(', ')}`);
  return suite();
}
