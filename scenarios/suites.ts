/**
 * Named suites: which scenarios `run --suite NAME` runs, with what trimmed. `default` is what
 * `npm run compare` runs (with --repeat 3): push and upload traffic on loopback and on a mobile
 * network (4g), the fallback strategies behind a proxy that refuses and one that stalls the
 * upgrade, and delivery across cuts — about four minutes on a 2-core machine. Proxy and flaky-link
 * runs go once (maxRepeat): whether a transport comes through, and how long a stalled upgrade
 * delays the first message, are findings one run makes.
 */
import { TRANSPORTS } from '../protocol/index.js';
import { claimsSuite } from './claims.js';
import { getScenario, LIBRARY } from './library/index.js';
import type { SuiteEntry } from './plan.js';

/** Each of our transports, pinned. */
const ours = TRANSPORTS;

export const SUITES: Record<string, () => SuiteEntry[]> = {
  default: () => [
    { scenario: getScenario('ticker'), overrides: { durationMs: 2000, contenders: [...ours, 'auto', 'raw-ws'] } },
    { scenario: getScenario('ticker'), overrides: { durationMs: 2000, networks: ['4g'], contenders: [...ours] } },
    { scenario: getScenario('telemetry'), overrides: { durationMs: 2000, contenders: [...ours, 'raw-ws'] } },
    {
      scenario: getScenario('behind-proxy'),
      overrides: { middleboxes: ['block-websocket', 'stall-websocket'], durationMs: 2000, contenders: ['auto'] },
      maxRepeat: 1,
    },
    {
      scenario: getScenario('flaky-link'),
      overrides: { durationMs: 4000, contenders: [...ours, 'raw-ws'] },
      maxRepeat: 1,
    },
  ],
  /**
   * Production-shaped deployments (run it with `--clients browser`): per-message overhead, header bytes
   * and server CPU per connection in the clear, over HTTPS and over HTTPS + HTTP/2; connect and
   * reconnect time with and without TLS on 50 ms of round trip; compression savings on large JSON.
   */
  deployment: () => {
    const contenders = [...ours, 'socketio' as const];
    const deployments = { tls: [false, true], http: ['1.1' as const, '2' as const] };
    return [
      { scenario: getScenario('chat'), overrides: { durationMs: 5000, contenders, ...deployments } },
      {
        scenario: getScenario('flaky-link'),
        overrides: { durationMs: 6000, networks: ['rtt-50ms'], contenders, ...deployments },
      },
      {
        scenario: getScenario('large-payload'),
        overrides: { durationMs: 3000, contenders, tls: [true], http: ['2' as const], compression: [false, true] },
      },
    ];
  },
  /** Every built-in scenario as defined but `scale` (its own suite). Long: tens of minutes. */
  full: () => [...LIBRARY.values()].filter((s) => s.name !== 'scale').map((scenario) => ({ scenario })),
  /**
   * The scale runs, one transport per run: a ticker at 1 Hz to 10,000 WebSocket, 10,000 SSE and
   * 5,000 long-polling clients (LONG_SCENARIOS: not in `run` without names).
   */
  scale: () => [
    { scenario: getScenario('scale'), overrides: { contenders: ['websocket'], clients: 10_000 } },
    { scenario: getScenario('scale'), overrides: { contenders: ['sse'], clients: 10_000 } },
    { scenario: getScenario('scale'), overrides: { contenders: ['long-polling'], clients: 5_000 } },
  ],
  /** The runs behind the classic claims (scenarios/claims.ts; `transport-lab claims`). */
  claims: claimsSuite,
};

export function getSuite(name: string): SuiteEntry[] {
  const suite = SUITES[name];
  if (!suite) throw new Error(`Unknown suite ${JSON.stringify(name)}; suites: ${Object.keys(SUITES).join(', ')}`);
  return suite();
}
