/**
 * Timings that grow with the number of clients. A connect storm is work the server and the proxy do
 * one connection at a time: thousands of clients arriving at once queue behind each other, and a
 * client that gives up after its usual connect timeout (4 s for ours) retries and adds to the queue.
 * So a large run spreads its clients over a longer ramp, gives each client a connect timeout long
 * enough to wait its turn, and waits correspondingly longer for all of them to join. Small runs
 * (a few hundred clients) keep the scenario's ramp and the clients' own defaults.
 */
import { DEFAULTS } from '../../protocol/index.js';
import type { Contender } from '../contenders.js';

/** Contenders whose connect is one upgrade request; the others' is several HTTP requests. */
const ONE_REQUEST_CONNECT: ReadonlySet<Contender> = new Set(['websocket', 'raw-ws', 'socketio-websocket']);

export interface ScaledTimings {
  /** Client i connects at rampMs · i / (clients − 1). */
  rampMs: number;
  /**
   * Given to every contender's client (ClientOptions.connectTimeoutMs); null: each client keeps its
   * own default (ours 4 s, Socket.IO 20 s, ws none), as on small runs.
   */
  connectTimeoutMs: number | null;
  /** How long the runner waits for every client to join. */
  joinTimeoutMs: number;
  /**
   * After the traffic: the drain ends when everything sent has arrived, when nothing new arrived
   * for `drainQuietMs`, or after `drainMaxMs`. A large run's backlog (messages late, not lost) takes
   * longer to arrive, so both grow with the clients.
   */
  drainQuietMs: number;
  drainMaxMs: number;
}

/**
 * The ramp allows at most this many new clients per second: 500 WebSocket clients, half as many of
 * the others (SSE, long-polling, Socket.IO: a connect is several HTTP requests). Measured with 5,000
 * long-polling clients on a busy 2-core box: connect p50 2.4 s at 500 a second, 9 ms at 250.
 */
const CONNECTS_PER_SECOND = 500;
/** A client's connect timeout grows by this much per client of the run, from the client's default. */
const CONNECT_TIMEOUT_MS_PER_CLIENT = 3;
const MAX_CONNECT_TIMEOUT_MS = 60_000;
/** The join window beyond ramp and connect timeout (module loading, a slow first connect). */
const JOIN_SLACK_MS = 8000;
/** Drain: 1 s of quiet and 5 s at most on small runs, plus this per client. */
const DRAIN_QUIET_MS_PER_CLIENT = 0.2;
const DRAIN_MAX_MS_PER_CLIENT = 2;

export function scaleTimings(
  run: { clients: number; rampMs: number; rttMs: number; contender: Contender },
  given: { connectTimeoutMs?: number; joinTimeoutMs?: number } = {},
): ScaledTimings {
  const perSecond = ONE_REQUEST_CONNECT.has(run.contender) ? CONNECTS_PER_SECOND : CONNECTS_PER_SECOND / 2;
  const rampMs = Math.max(run.rampMs, Math.round((1000 * run.clients) / perSecond));
  const base: number = DEFAULTS.connectTimeoutMs;
  const storm = Math.min(MAX_CONNECT_TIMEOUT_MS, run.clients * CONNECT_TIMEOUT_MS_PER_CLIENT);
  const connectTimeoutMs = given.connectTimeoutMs ?? (storm > base ? storm + 4 * run.rttMs : null);
  // A client that starts last in the ramp still gets its whole connect timeout.
  const joinTimeoutMs =
    given.joinTimeoutMs ?? JOIN_SLACK_MS + rampMs + Math.max(0, (connectTimeoutMs ?? base) - base) + 6 * run.rttMs;
  const drainQuietMs = Math.round(1000 + DRAIN_QUIET_MS_PER_CLIENT * run.clients) + 2 * run.rttMs;
  const drainMaxMs = Math.round(5000 + DRAIN_MAX_MS_PER_CLIENT * run.clients) + 4 * run.rttMs;
  return { rampMs, connectTimeoutMs, joinTimeoutMs, drainQuietMs, drainMaxMs };
}
