/**
 * The runs behind the classic claims (reports/claims.ts; `transport-lab claims` regenerates
 * docs/claims.md from them): each scenario measures what one well-known statement about WebSocket,
 * SSE and long-polling is about. `claims-headers` needs browser clients (CHROMIUM_PATH or
 * Playwright's Chromium): its figures are the bytes a real browser sends.
 */
import { defineScenario, type ScenarioInput } from './define.js';
import { PROXY_MIDDLEBOXES } from './advise.js';
import {
  predictionScenario,
  PREDICTION_WARM_UP_RTTS,
  PREDICTION_WORKLOADS,
  type PredictionWorkload,
} from './predictions.js';
import type { SuiteEntry } from './plan.js';

const claim = (input: Omit<ScenarioInput, 'description'> & { description: string }) => defineScenario(input);

export const CLAIM_SCENARIOS = {
  /** One poll a second per client (one message a second, each answering the parked poll). */
  headers: claim({
    name: 'claims-headers',
    description:
      'One 100-byte message a second to each client: long-polling answers one poll per message, WebSocket sends one frame. ' +
      'It measures the HTTP header bytes behind the Kaazing table (871 B per poll).',
    clients: 4,
    duration: '8s',
    payload: { bytes: 100, kind: 'text' },
    traffic: { pattern: 'push', rate: 1 },
    contenders: ['long-polling', 'websocket'],
  }),
  /** Small frames both ways on plain ws: frame headers alone. */
  frames: claim({
    name: 'claims-frames',
    description:
      'Plain ws echoing 100-byte text messages five times a second: every frame header, both directions, and nothing else.',
    clients: 2,
    duration: '3s',
    payload: { bytes: 100, kind: 'text' },
    traffic: { pattern: 'echo', rate: 5 },
    contenders: ['raw-ws'],
  }),
  binary: claim({
    name: 'claims-binary',
    description: 'Binary 4 KB payloads pushed ten times a second: what a text-only stream (SSE) pays to carry bytes.',
    clients: 2,
    duration: '3s',
    payload: { bytes: 4096, kind: 'binary' },
    traffic: { pattern: 'push', rate: 10 },
    contenders: ['websocket', 'sse', 'long-polling'],
  }),
  drop: claim({
    name: 'claims-drop',
    description:
      'Echoes ten times a second while the link cuts every connection every 1.5 s: which transports lose messages across a drop.',
    clients: 4,
    duration: '5s',
    payload: { bytes: 100, kind: 'text' },
    traffic: { pattern: 'echo', rate: 10 },
    middlebox: 'flaky:1.5',
    contenders: ['raw-ws', 'socketio-websocket', 'websocket', 'sse', 'long-polling'],
  }),
  proxies: claim({
    name: 'claims-proxies',
    description:
      'Five small JSON messages a second behind proxies that refuse the WebSocket upgrade, accept it and stall, or buffer ' +
      'streaming responses: which transports get through.',
    clients: 3,
    duration: '2s',
    payload: { bytes: 150, kind: 'json' },
    traffic: { pattern: 'push', rate: 5 },
    middlebox: [...PROXY_MIDDLEBOXES],
    contenders: ['websocket', 'sse', 'long-polling', 'auto', 'socketio'],
    strategy: ['fallback', 'upgrade'],
  }),
};

/** The claims suite: the runs above, the header run with browser and with Node clients, and the prediction workloads. */
export function claimsSuite(): SuiteEntry[] {
  const predictions = (Object.keys(PREDICTION_WORKLOADS) as PredictionWorkload[]).map((workload) => ({
    scenario: defineScenario(predictionScenario(workload)),
    overrides: { warmUpMs: PREDICTION_WARM_UP_RTTS * PREDICTION_WORKLOADS[workload].rttMs },
  }));
  return [
    { scenario: CLAIM_SCENARIOS.headers, overrides: { clientMode: 'browser' } },
    { scenario: CLAIM_SCENARIOS.headers },
    { scenario: CLAIM_SCENARIOS.frames },
    { scenario: CLAIM_SCENARIOS.binary },
    { scenario: CLAIM_SCENARIOS.drop },
    { scenario: CLAIM_SCENARIOS.proxies },
    ...predictions,
  ];
}
