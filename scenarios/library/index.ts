/** The built-in scenarios by name, in the order `run` without names runs them (LONG_SCENARIOS aside). */
import type { Scenario } from '../define.js';
import behindProxy from './behind-proxy.js';
import binary from './binary.js';
import chat from './chat.js';
import cluster from './cluster.js';
import flakyLink from './flaky-link.js';
import largePayload from './large-payload.js';
import notifications from './notifications.js';
import scale from './scale.js';
import telemetry from './telemetry.js';
import throughput from './throughput.js';
import ticker from './ticker.js';

export const LIBRARY: ReadonlyMap<string, Scenario> = new Map(
  [
    chat,
    ticker,
    notifications,
    telemetry,
    largePayload,
    binary,
    behindProxy,
    flakyLink,
    throughput,
    cluster,
    scale,
  ].map((s) => [s.name, s]),
);

/** Left out of `run` without names and of the `full` suite: long, or needing more than Node (redis-server, haproxy). */
export const LONG_SCENARIOS: ReadonlySet<string> = new Set(['throughput', 'cluster', 'scale']);

export function getScenario(name: string): Scenario {
  const scenario = LIBRARY.get(name);
  if (!scenario)
    throw new Error(`Unknown scenario ${JSON.stringify(name)}; built-in scenarios: ${[...LIBRARY.keys()].join(', ')}`);
  return scenario;
}
